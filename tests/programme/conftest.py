"""The programme tests run on their own database: their figures count every case in it."""

from __future__ import annotations

from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask

from caseflow.extensions import db
from caseflow.reference import load_reference_data
from tests.conftest import make_app
from tests.databases import DatabaseFactory


@pytest.fixture(scope="session")
def app(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(databases.new("programme"), tmp_path_factory.mktemp("programme-instance"))
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()
