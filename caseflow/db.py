"""The declarative base, shared column types and per-connection database settings."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 5000


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC.

    SQLite has no time zones, so naive values would silently mean "whatever the server
    thought". We refuse naive datetimes on the way in and hand back aware UTC values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


def configure_engine(engine: Engine) -> None:
    """Per-connection settings that SQLite forgets between connections."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself: pysqlite's own transaction handling
        # breaks SAVEPOINT and transactional DDL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def bump_year_counter(session: Session, counter: type[Any], year: int) -> int:
    """The next value of a per-year counter (a model with `year` and `last_value`).

    The row is created first if missing, without failing when another transaction creates
    it at the same moment (ON CONFLICT DO NOTHING waits for that one and moves on); the
    UPDATE then locks it until the caller's transaction ends, so no two callers share a
    value and none fails on the first number of a year."""
    make_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert
    session.execute(make_insert(counter).values(year=year, last_value=0)
                    .on_conflict_do_nothing(index_elements=["year"]))
    return session.execute(update(counter).where(counter.year == year)
                           .values(last_value=counter.last_value + 1)
                           .returning(counter.last_value)).scalar_one()


class LabelledEnum(enum.StrEnum):
    """A text enum whose members have a translated label. The labels are given after the
    class (`labelled(Kind, {...})`) because they refer to its members."""

    @property
    def label(self) -> str:
        return str(_ENUM_LABELS[type(self)][self])


_ENUM_LABELS: dict[type, Mapping[Any, Any]] = {}


def labelled(enum_cls: type[LabelledEnum], labels: Mapping[Any, Any]) -> Mapping[Any, Any]:
    """Register the labels of `enum_cls`; returns them so they can be named too."""
    missing = set(enum_cls) - set(labels)
    if missing:
        raise ValueError(f"{enum_cls.__name__} has no label for {sorted(missing)}")
    _ENUM_LABELS[enum_cls] = labels
    return labels
