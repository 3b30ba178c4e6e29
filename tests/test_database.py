"""The database layer: connection settings, UTC datetimes, invariants in the schema."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from caseflow.accounts.models import Office, OfficeKind
from caseflow.extensions import db
from tests import factories
from tests.databases import backend


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite connection settings")
def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout():
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL driver")
def test_postgresql_goes_through_psycopg3():
    assert db.engine.dialect.driver == "psycopg"
    assert db.session.execute(text("select 1")).scalar() == 1


def test_datetimes_are_stored_in_utc_and_come_back_aware():
    brussels = timezone(timedelta(hours=1))
    user = factories.make_user(last_login_at=datetime(2026, 1, 31, 23, 30, tzinfo=brussels))
    db.session.commit()
    db.session.expire_all()
    assert user.last_login_at == datetime(2026, 1, 31, 22, 30, tzinfo=UTC)
    assert user.last_login_at.tzinfo is not None


def test_naive_datetimes_are_refused():
    user = factories.make_user()
    user.last_login_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("kind, country", [(OfficeKind.sending, "AL"),
                                           (OfficeKind.partner, "BE")])
def test_schema_refuses_offices_on_the_wrong_side(kind, country):
    db.session.add(Office(name="Wrong side", kind=kind, country=country, city="X"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_schema_refuses_mixed_case_email_and_unknown_office():
    office = factories.make_office()
    with pytest.raises(IntegrityError):
        factories.make_user(office=office, email="Mixed@Example.org")
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO users (email, full_name, role, office_id, is_active, password_hash, "
            "created_at) VALUES ('x@example.org', 'X', 'caseworker', 999999, true, 'h', "
            "CURRENT_TIMESTAMP)"))
    db.session.rollback()


def test_every_labelled_enum_has_a_label_for_each_member():
    from caseflow.db import _ENUM_LABELS, LabelledEnum, labelled

    assert len(_ENUM_LABELS) >= 16
    for enum_cls, labels in _ENUM_LABELS.items():
        assert set(labels) == set(enum_cls)

    class Colour(LabelledEnum):
        red = "red"
        blue = "blue"

    with pytest.raises(ValueError, match="no label for"):
        labelled(Colour, {Colour.red: "Red"})
