"""Reading the trail: who may browse it, what they see, and checking the chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import Session

from caseflow.accounts.models import Role, User
from caseflow.audit.models import GENESIS_HASH, AuditEntry
from caseflow.audit.trail import Action, entry_hash
from caseflow.cases.models import Case


def can_browse_audit(user: Any) -> bool:
    """Managers see their office's part of the trail; admins all of it."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and user.role in (Role.manager, Role.admin))


def visible_to(user: User) -> ColumnElement[bool]:
    """Entries a user may browse: an admin all; a manager those made by people of their
    office or about cases their office may see."""
    if not can_browse_audit(user):
        return false()
    if user.role is Role.admin:
        return true()
    office_users = select(User.id).where(User.office_id == user.office_id)
    office_cases = select(Case.id).where(Case.visible_to(user))
    return or_(AuditEntry.user_id.in_(office_users), AuditEntry.case_id.in_(office_cases))


@dataclass
class AuditFilters:
    case_number: str = ""
    user_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def search(user: User, filters: AuditFilters) -> Select[tuple[AuditEntry]]:
    query = select(AuditEntry).where(visible_to(user))
    if filters.case_number:
        case_id = select(Case.id).where(Case.number == filters.case_number.strip()) \
            .scalar_subquery()
        query = query.where(AuditEntry.case_id == case_id)
    if filters.user_id:
        query = query.where(AuditEntry.user_id == filters.user_id)
    if filters.action in set(Action):
        query = query.where(AuditEntry.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEntry.at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEntry.at < _start_of(filters.date_to + timedelta(days=1)))
    return query.order_by(AuditEntry.seq.desc())


def _start_of(day: date) -> datetime:
    from zoneinfo import ZoneInfo

    from flask import current_app

    zone = ZoneInfo(current_app.config.get("CASEFLOW_TIMEZONE", "UTC"))
    return datetime.combine(day, time.min, tzinfo=zone)


def entries_for_case(session: Session, case_id: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id)
                                .order_by(AuditEntry.seq)))


@dataclass
class Reader:
    user: User | None
    last_at: datetime
    times: int


def readers_of_case(session: Session, case_id: int) -> list[Reader]:
    """Who looked at a case (read, printed, downloaded, exported), most recent first."""
    rows = session.execute(
        select(AuditEntry.user_id, func.max(AuditEntry.at), func.count())
        .where(AuditEntry.case_id == case_id, AuditEntry.action.in_(
            [Action.read, Action.print, Action.download, Action.export]))
        .group_by(AuditEntry.user_id).order_by(func.max(AuditEntry.at).desc())).all()
    users = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_([r[0] for r in rows if r[0] is not None])))}
    return [Reader(users.get(user_id) if user_id else None, last_at, times)
            for user_id, last_at, times in rows]


@dataclass
class Verification:
    entries: int
    broken_at: int | None = None  # the sequence number of the first bad entry
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(session: Session, batch: int = 5000) -> Verification:
    """Walk the chain in order; report the first entry that does not follow from the one
    before it (altered content, a removed or inserted entry)."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    columns = AuditEntry.__table__.c
    while True:
        rows = session.execute(select(columns).where(columns.seq >= expected_seq)
                               .order_by(columns.seq).limit(batch)).mappings().all()
        if not rows:
            break
        for row in rows:
            if row["seq"] != expected_seq:
                return Verification(count, expected_seq,
                                    f"entry {expected_seq} is missing")
            if row["prev_hash"] != prev_hash:
                return Verification(count, row["seq"], "does not point to the entry before it")
            if entry_hash(dict(row)) != row["hash"]:
                return Verification(count, row["seq"], "its content does not match its hash")
            prev_hash, expected_seq, count = row["hash"], expected_seq + 1, count + 1
    from caseflow.audit.models import AuditHead

    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.last_hash != prev_hash):
        return Verification(count, count + 1, "entries after it were removed")
    return Verification(count)
