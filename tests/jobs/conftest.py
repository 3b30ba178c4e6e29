"""The jobs tests run on their own app and instance folder (result files land there), with
the test job kinds registered. This app has no REDIS_URL: jobs run inline; the Redis tests
(test_redis_queue.py) build their own app on a database of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask

import tests.jobs.kinds  # noqa: F401 - registers the test job kinds
from caseflow.extensions import db
from caseflow.reference import load_reference_data
from tests.conftest import make_app
from tests.databases import DatabaseFactory


def jobs_app(url: str, instance: Path, **overrides: Any) -> Flask:
    app = make_app(url, instance, **overrides)
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def app(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = jobs_app(databases.new("jobs"), tmp_path_factory.mktemp("jobs-instance"))
    yield app
    with app.app_context():
        db.engine.dispose()
