"""Fresh, empty databases for tests, on SQLite (default) or PostgreSQL.

Set TEST_DATABASE_URL to a PostgreSQL URL to run the suite there; each fresh database is then
created on that server and dropped at the end of the run.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def backend() -> str:
    return "postgresql" if TEST_DATABASE_URL.startswith(("postgres", "postgresql")) else "sqlite"


class DatabaseFactory:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created: list[str] = []

    def new(self, label: str) -> str:
        """A URL of a new, empty database."""
        if backend() == "sqlite":
            return f"sqlite:///{self.folder / f'{label}-{uuid.uuid4().hex[:8]}.db'}"
        name = f"caseflow_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        url = make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.created:
            return
        with self._admin() as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    def _admin(self) -> psycopg.Connection:
        url = make_url(TEST_DATABASE_URL)
        return psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432,
                               user=url.username, password=url.password,
                               dbname=url.database or "postgres", autocommit=True)


def postgres_available() -> bool:
    try:
        psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test",
                        connect_timeout=2).close()
    except psycopg.Error:
        return False
    return True
