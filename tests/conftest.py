"""Fixtures shared by every test: the app on a real database, a session rolled back after
each test, an HTTP client and `login_as(role)`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.globals import app_ctx
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from caseflow import create_app
from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.extensions import db
from caseflow.reference import load_reference_data
from config import load_config
from tests import factories
from tests.databases import DatabaseFactory, backend

# Cheap argon2 parameters: the tests hash hundreds of passwords.
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1}


def pytest_report_header() -> str:
    return f"caseflow database backend: {backend()}"


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


def make_app(database_url: str, instance: Path, **overrides: Any) -> Flask:
    config = load_config({"CASEFLOW_ENV": "testing", "DATABASE_URL": database_url,
                          "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
                          "CASEFLOW_INSTANCE_PATH": str(instance)})
    config.update(FAST_HASHING)
    config["WTF_CSRF_ENABLED"] = False
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(databases.new("main"), tmp_path_factory.mktemp("instance"))
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(app: Flask) -> Iterator[Any]:
    """Run each test inside a transaction that is rolled back at the end.

    The app's commits become savepoint releases, so views commit as in production while
    nothing outlives the test.
    """
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=lambda: id(app_ctx._get_current_object()))
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


class RequestClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g`, its own
    database session (on the test's connection), its own locale and login lookup."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = RequestClient
    return app.test_client()


@pytest.fixture(autouse=True)
def fresh_rate_limits(app: Flask) -> Iterator[None]:
    """Failed-login counters start empty in each test (the app lives for the whole run)."""
    from caseflow import ratelimit

    app.extensions[ratelimit.EXTENSION].reset()
    yield


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[..., User]:
    """Log the test client in as a new user of `role` (in `office`, if given)."""

    def login(role: Role | str = Role.caseworker, office: Office | None = None,
              **kwargs: Any) -> User:
        role = Role(role)
        if office is None:
            kind = OfficeKind.partner if role is Role.reintegration_officer else OfficeKind.sending
            office = factories.make_office(kind=kind)
        user = factories.make_user(role=role, office=office, **kwargs)
        db.session.commit()
        # Managers and admins go through the two-factor step (factories enrol them).
        response = factories.log_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert not response.location.startswith("/login"), response.location
        return user

    return login
