"""The audit trail's tables.

`audit_entries` is append-only: the application only inserts, and database triggers (see
migration 0009) refuse UPDATE and DELETE. Each entry carries the hash of the previous one, so a
row altered or removed behind the application's back breaks the chain that `flask audit verify`
walks. `audit_head` is a single row holding the last sequence number and hash: updating it
first serialises writers (a row lock on PostgreSQL, the write lock on SQLite), so two requests
never chain onto the same predecessor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.accounts.models import User
from caseflow.db import Base

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        CheckConstraint("seq > 0", name="seq_positive"),
        Index("ix_audit_entries_case_at", "case_id", "at"),
        Index("ix_audit_entries_user_at", "user_id", "at"),
        Index("ix_audit_entries_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime]
    # None for the system (command line, background jobs) and for unknown accounts.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    # What was touched: a table name or an endpoint, and its id.
    target: Mapped[str | None] = mapped_column(String(80))
    target_id: Mapped[str | None] = mapped_column(String(40))
    # Not a foreign key: the entry must outlive anything that happens to the case.
    case_id: Mapped[int | None]
    address: Mapped[str | None] = mapped_column(String(45))
    endpoint: Mapped[str | None] = mapped_column(String(80))
    # Canonical JSON; personal values inside are encrypted with the case's key.
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    user: Mapped[User | None] = relationship(lazy="joined")


class AuditHead(Base):
    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class AuditKey(Base):
    """The key a case's recorded values are encrypted with. Deleting it (retention) leaves
    the entries and their chain intact but their personal values unreadable."""

    __tablename__ = "audit_keys"

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(64))
