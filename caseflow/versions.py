"""Optimistic locking for records edited through a form or the API.

Each editable record carries a `version` (SQLAlchemy's version_id_col): the edit form sends
back the version it was loaded at, and a save from an older version is refused with StaleEdit
listing, field by field, what is stored now (the other person's value) next to what this user
sent. A save that races another between the check and the UPDATE is caught by the versioned
UPDATE itself (StaleDataError), and told the same way.

Records without their own history (users, offices, reference data) cannot say who changed what
when; the difference between the stored record and the submitted one is what the user needs to
redo their edit on top of the other person's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from caseflow.errors import StaleEdit
from caseflow.extensions import db


def form_version(form: Any) -> int | None:
    """The version a form was loaded at, or None when it sent none (or nonsense).

    None skips the check, as for cases and the API: every form page sends the version, so
    only a client that leaves it out on purpose saves without one."""
    raw = getattr(getattr(form, "version", None), "data", None)
    text = str(raw).strip() if raw is not None else ""
    return int(text) if text.isdigit() and len(text) < 10 else None


def plain(value: Any) -> Any:
    """A value as a person reads it and JSON carries it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    return value


def differences(record: Any, yours: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields where the stored record differs from what the user sent:
    [{"field", "theirs", "yours"}]."""
    changes = []
    for name, value in yours.items():
        theirs = plain(getattr(record, name))
        mine = plain(value)
        if theirs != mine:
            changes.append({"field": name, "theirs": theirs, "yours": mine})
    return changes


def refuse_stale(record: Any, yours: Mapping[str, Any], what: str) -> StaleEdit:
    return StaleEdit(_("Someone else saved this %(what)s after you opened it. Nothing of "
                       "yours was saved; look at their values below, then make your changes "
                       "again.", what=what), record.version, differences(record, yours))


def check_version(record: Any, expected: int | None, yours: Mapping[str, Any], *,
                  what: str) -> None:
    """Refuse (StaleEdit) a save from a version other than the record's current one."""
    if expected is not None and expected != record.version:
        raise refuse_stale(record, yours, what)


@contextmanager
def saving(record: Any, yours: Mapping[str, Any], *, what: str) -> Iterator[None]:
    """Flush the changes; a concurrent save that got in first makes the versioned UPDATE
    match no row: refuse with what is stored now. The caller rolls back."""
    try:
        yield
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(record)
        raise refuse_stale(record, yours, what) from None
