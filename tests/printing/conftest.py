"""The printing tests run on their own app: QR codes need a fixed public address
(PUBLIC_BASE_URL) to be asserted on; the verify page's rate limit starts empty in each test
(tests/conftest.py resets it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask

from caseflow.extensions import db
from caseflow.reference import load_reference_data
from tests.conftest import make_app
from tests.databases import DatabaseFactory


@pytest.fixture(scope="session")
def app(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(databases.new("printing"), tmp_path_factory.mktemp("printing-instance"),
                   PUBLIC_BASE_URL="https://caseflow.example.org")
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def static_folder(app: Flask) -> Path:
    return Path(app.static_folder or "")
