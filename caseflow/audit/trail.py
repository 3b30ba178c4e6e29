"""Recording audit entries.

Entries are queued on the database session (`session.info`) and written when it commits, in
the same transaction as the changes they describe, so a change and its entry land together or
not at all. Changes to rows are queued by a flush hook; reads, prints, downloads, exports,
logins and refusals by `record()` (and by the request hooks in caseflow/audit/requests.py).
Entries that describe an attempt rather than a change (a read, a failed login, a refusal)
survive a rollback and are written at the end of the request.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session, UOWTransaction

from caseflow.audit.models import AuditEntry, AuditHead, AuditKey
from caseflow.db import LabelledEnum, labelled, utcnow

PENDING = "audit_pending"
# Longer values are cut: the trail says what changed, it is not a copy of the records.
MAX_VALUE_LENGTH = 2000


class Action(LabelledEnum):
    read = "read"
    create = "create"
    update = "update"
    delete = "delete"
    print = "print"
    export = "export"
    download = "download"
    login = "login"
    login_failed = "login_failed"
    logout = "logout"
    denied = "denied"
    security = "security"  # sessions revoked, two-factor set up or reset, password changed


ACTION_LABELS = labelled(Action, {
    Action.read: _l("Read"),
    Action.create: _l("Created"),
    Action.update: _l("Changed"),
    Action.delete: _l("Deleted"),
    Action.print: _l("Printed"),
    Action.export: _l("Exported"),
    Action.download: _l("Downloaded"),
    Action.login: _l("Logged in"),
    Action.login_failed: _l("Failed login"),
    Action.logout: _l("Logged out"),
    Action.denied: _l("Refused"),
    Action.security: _l("Security change"),
})


# What happened whether or not the request's changes were kept.
SURVIVES_ROLLBACK = {Action.read, Action.print, Action.export, Action.download,
                     Action.login_failed, Action.denied, Action.logout}

# Tables whose rows are not worth an entry: the trail itself, counters, derived search keys
# and bookkeeping that repeats what the case's own row change already says.
UNAUDITED_TABLES = {"audit_entries", "audit_head", "audit_keys", "case_counters",
                    "certificate_counters", "name_keys", "jobs", "case_events"}
# Columns whose values never enter the trail, even encrypted: only the fact they changed.
SECRET_COLUMNS = {"password_hash", "token_hash", "totp_secret", "code_hash",
                  "session_generation", "secret_hash"}
# Columns that change on every login and say nothing new.
NOISE_COLUMNS = {"last_login_at", "totp_last_step"}


@dataclass
class Pending:
    action: Action
    user_id: int | None
    target: str | None = None
    target_id: str | None = None
    case_id: int | None = None
    address: str | None = None
    endpoint: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # Values to encrypt with the case's key before writing: {field: {"old": .., "new": ..}}.
    changes: dict[str, dict[str, Any]] | None = None
    at: datetime = field(default_factory=utcnow)


def _session() -> Session:
    from caseflow.extensions import db

    return db.session()


def _request_origin() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    return request.remote_addr, request.endpoint


def _current_user_id() -> int | None:
    if not has_request_context():
        return None
    from flask_login import current_user

    try:
        return current_user.id if current_user.is_authenticated else None
    except Exception:  # the user row may be unreadable in a request that is failing
        return None


def record(action: Action | str, *, case_id: int | None = None, target: str | None = None,
           target_id: int | str | None = None, user: Any = None,
           details: dict[str, Any] | None = None, session: Session | None = None) -> None:
    """Queue an entry; it is written (hash-chained) when the session commits, or at the end
    of the request. Entries for reads, logins and refusals survive a rollback.

    `user` defaults to the logged-in user; pass it for login and failed-login entries.
    `details` must not hold personal values in clear (they are not encrypted).
    """
    address, endpoint = _request_origin()
    user_id = user.id if user is not None else _current_user_id()
    _queue(session or _session(), Pending(
        action=Action(action), user_id=user_id, target=target,
        target_id=None if target_id is None else str(target_id), case_id=case_id,
        address=address, endpoint=endpoint, details=dict(details or {})))


def _queue(session: Session, entry: Pending) -> None:
    session.info.setdefault(PENDING, []).append(entry)


def has_pending(session: Session) -> bool:
    return bool(session.info.get(PENDING))


def shred(case_id: int, session: Session | None = None) -> None:
    """Forget the key that this case's recorded values are encrypted with."""
    session = session or _session()
    # Entries still queued (the anonymising changes themselves, whose old values are the
    # personal data) are sealed with the key before it goes, never with a fresh one.
    session.flush()
    pending = session.info.pop(PENDING, [])
    if pending:
        write(session, pending)
    session.execute(AuditKey.__table__.delete().where(AuditKey.case_id == case_id))


# -- change capture -----------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[:MAX_VALUE_LENGTH] + "…"


# How to find the case a row belongs to, when it has no case_id of its own.
_PARENT_LINKS = (
    ("beneficiary_id", "beneficiaries", "case_id"),
    ("plan_id", "reintegration_plans", "case_id"),
    ("visit_id", "followup_visits", "case_id"),
)


def _case_of(session: Session, obj: Any, table: str) -> int | None:
    if table == "cases":
        return obj.id
    case_id = getattr(obj, "case_id", None)
    if case_id is not None:
        return case_id
    from caseflow.extensions import db

    for column, parent, parent_column in _PARENT_LINKS:
        parent_id = getattr(obj, column, None)
        if parent_id is not None:
            parent_table = db.metadata.tables[parent]
            return session.execute(select(parent_table.c[parent_column]).where(
                parent_table.c.id == parent_id)).scalar()
    if table == "rss_answers":
        surveys = db.metadata.tables["rss_surveys"]
        visits = db.metadata.tables["followup_visits"]
        return session.execute(select(visits.c.case_id).join(
            surveys, surveys.c.visit_id == visits.c.id).where(
            surveys.c.id == obj.survey_id)).scalar()
    return None


def _row_changes(obj: Any, action: Action) -> dict[str, dict[str, Any]]:
    state = inspect(obj)
    changes: dict[str, dict[str, Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in NOISE_COLUMNS:
            continue
        history = state.attrs[key].history
        if action is Action.update:
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
        elif action is Action.create:
            old, new = None, getattr(obj, key)
            if new is None or key == "id":
                continue
        else:
            continue
        if key in SECRET_COLUMNS:
            changes[key] = {"secret": True}
        else:
            changes[key] = {"old": _plain(old), "new": _plain(new)}
    return changes


@event.listens_for(Session, "after_flush")
def _capture_changes(session: Session, _flush: UOWTransaction) -> None:
    # The session still lists what was new, dirty and deleted before this flush, with each
    # attribute's history, and new rows have their primary keys.
    user_id = _current_user_id()
    address, endpoint = _request_origin()
    for action, objects in ((Action.create, session.new), (Action.update, session.dirty),
                            (Action.delete, session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in UNAUDITED_TABLES:
                continue
            if action is Action.update and not session.is_modified(obj,
                                                                   include_collections=False):
                continue
            changes = _row_changes(obj, action)
            if action is Action.update and not changes:
                continue
            identity = inspect(obj).identity
            _queue(session, Pending(
                action=action, user_id=user_id, target=table,
                target_id=",".join(str(part) for part in identity) if identity else None,
                case_id=_case_of(session, obj, table), address=address, endpoint=endpoint,
                changes=changes or None))


@event.listens_for(Session, "after_soft_rollback")
def _drop_undone(session: Session, _previous: Any) -> None:
    pending = session.info.get(PENDING)
    if pending:
        session.info[PENDING] = [e for e in pending if e.action in SURVIVES_ROLLBACK]


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    # The commit would flush what is left; flush now so its changes are queued too.
    session.flush()
    entries = session.info.pop(PENDING, [])
    if entries:
        write(session, entries)


# -- writing ----------------------------------------------------------------------------

def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(row: dict[str, Any]) -> str:
    """The hash of an entry: its content and its predecessor's hash."""
    content = [row["seq"], row["at"].isoformat() if row["at"] else None, row["user_id"],
               row["action"], row["target"], row["target_id"], row["case_id"],
               row["address"], row["endpoint"], row["details"], row["prev_hash"]]
    return hashlib.sha256(_canonical(content).encode()).hexdigest()


def _case_keys(session: Session, case_ids: set[int]) -> dict[int, Fernet]:
    rows = dict(session.execute(select(AuditKey.case_id, AuditKey.key).where(
        AuditKey.case_id.in_(case_ids))).all()) if case_ids else {}
    for case_id in case_ids - rows.keys():
        rows[case_id] = Fernet.generate_key().decode()
        session.execute(insert(AuditKey).values(case_id=case_id, key=rows[case_id]))
    return {case_id: Fernet(key.encode()) for case_id, key in rows.items()}


def _sealed_details(entry: Pending, keys: dict[int, Fernet]) -> str:
    details = dict(entry.details)
    if entry.changes:
        if entry.case_id is not None:
            # Values about a case are encrypted with its key: retention deletes the key.
            fernet = keys[entry.case_id]
            details["changes"] = {
                name: change if "secret" in change else
                {"sealed": fernet.encrypt(_canonical(change).encode()).decode()}
                for name, change in entry.changes.items()}
        else:
            details["changes"] = entry.changes
    return _canonical(details)


def write(session: Session, entries: list[Pending]) -> None:
    """Append entries to the chain, inside the session's transaction."""
    head = AuditHead.__table__
    # Updating the head row first takes the lock that serialises writers of the chain; what
    # it returns was read under that lock.
    row = session.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq)
                          .returning(head.c.seq, head.c.last_hash)).one()
    seq, last_hash = row.seq, row.last_hash
    keys = _case_keys(session, {e.case_id for e in entries if e.changes and e.case_id})
    rows = []
    for entry in entries:
        seq += 1
        values = {"seq": seq, "at": entry.at, "user_id": entry.user_id,
                  "action": str(entry.action), "target": entry.target,
                  "target_id": entry.target_id, "case_id": entry.case_id,
                  "address": entry.address, "endpoint": entry.endpoint,
                  "details": _sealed_details(entry, keys), "prev_hash": last_hash}
        # Hash what the database will hand back: microseconds are kept on both backends.
        values["hash"] = last_hash = entry_hash(values)
        rows.append(values)
    session.execute(insert(AuditEntry), rows)
    session.execute(update(head).where(head.c.id == 1).values(seq=seq, last_hash=last_hash))


# -- reading ------------------------------------------------------------------------------

def unsealed_changes(session: Session, entry: AuditEntry) -> dict[str, Any] | None:
    """An entry's recorded changes, decrypted; values of a shredded case read as None."""
    changes = json.loads(entry.details).get("changes")
    if not changes:
        return None
    key = session.get(AuditKey, entry.case_id) if entry.case_id is not None else None
    fernet = Fernet(key.key.encode()) if key is not None else None
    result: dict[str, Any] = {}
    for name, change in changes.items():
        if "sealed" in change:
            try:
                result[name] = json.loads(fernet.decrypt(change["sealed"].encode())) \
                    if fernet else None
            except InvalidToken:
                result[name] = None
        else:
            result[name] = change
    return result
