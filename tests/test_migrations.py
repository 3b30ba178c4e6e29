"""Alembic: one head, the schema the models describe, and a clean way back down."""

from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from caseflow.extensions import db
from tests.conftest import make_app

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_exactly_one_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrade_gives_the_models_schema_and_downgrade_removes_it(databases, tmp_path):
    url = databases.new("migrations")
    app = make_app(url, tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(
                connection, opts={"compare_type": True}), db.metadata)
        assert differences == []
        assert set(inspect(db.engine).get_table_names()) >= set(db.metadata.tables)

        flask_migrate.downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names())
        assert remaining <= {"alembic_version"}
        db.engine.dispose()
