"""These tests run their own app or server on their own database: the shared app and its
per-test rolled-back session (tests/conftest.py) are not used here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.concurrency.live import (
    POSTGRES_URL,
    REDIS_SERVER,
    Database,
    LiveServer,
    PrivateRedis,
    Stack,
    TcpProxy,
    fresh_database,
    postgres_reachable,
)
from tests.databases import backend
from tests.services import require


@pytest.fixture
def db_session() -> None:
    """Replaces the autouse fixture of tests/conftest.py: nothing to roll back here."""
    return None


@pytest.fixture
def fresh_rate_limits() -> None:
    """Replaces the autouse fixture of tests/conftest.py: each server has its own limits."""
    return None


@pytest.fixture(scope="session")
def live_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("live-instance")


@pytest.fixture(scope="session")
def live_database(live_instance: Path) -> Iterator[Database]:
    """One fresh PostgreSQL database, migrated and seeded, for every live-server test."""
    if backend() != "postgresql":
        # They always run against PostgreSQL, whatever the suite's backend: once per CI run,
        # in its PostgreSQL pass, is enough (they take two minutes).
        pytest.skip("the live-server tests run in the PostgreSQL pass of the suite "
                    "(TEST_DATABASE_URL=postgresql://...)")
    require("PostgreSQL", postgres_reachable(),
            f"cannot connect to {POSTGRES_URL} (the live-server tests always use PostgreSQL)")
    with fresh_database(live_instance) as database:
        yield database


@pytest.fixture(scope="session")
def live_stack(live_database: Database, live_instance: Path) -> Iterator[Stack]:
    """One production-like server for the whole folder: starting gunicorn is the slow part.
    Each test leaves it whole (see `live`), so the tests run in any order."""
    require("Redis server", Path(REDIS_SERVER).exists(),
            f"no {REDIS_SERVER} (apt-get install redis-server)")
    redis = PrivateRedis().start()
    proxy = TcpProxy(make_url(POSTGRES_URL).port or 5432).restore()
    server = LiveServer(live_database.url_via(proxy.port), live_instance, redis_url=redis.url)
    try:
        yield Stack(live_database, server.start(), proxy, redis)
    finally:
        server.stop()
        proxy.cut()
        redis.kill()


@pytest.fixture
def live(live_stack: Stack) -> Iterator[Stack]:
    """The live stack; whatever a test cut or stopped is back afterwards, even if it failed."""
    yield live_stack
    if not live_stack.proxy.is_open:
        live_stack.proxy.restore()
    if not live_stack.redis.is_running:
        live_stack.redis.start()
