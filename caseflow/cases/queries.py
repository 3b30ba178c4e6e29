"""Finding cases: filters, search and keyset pagination, always within what the user may see.

Keyset pagination ("after this row") costs the same at any depth, unlike OFFSET, which reads
and throws away every row before the page.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from caseflow.accounts.models import User
from caseflow.cases.models import Case, CaseStatus
from caseflow.extensions import db
from caseflow.people import names
from caseflow.people.models import Beneficiary, BeneficiaryVulnerability, NameKey, Vulnerability

PAGE_SIZE = 50
CASE_NUMBER = re.compile(r"^\s*BE-?(\d{4})-?(\d{1,6})\s*$", re.IGNORECASE)
OE_NUMBER = re.compile(r"^[0-9][0-9.\-/ ]{3,19}$")
# Folded keys are [a-z0-9:] only; DEL sorts after all of them, closing a prefix range.
PREFIX_END = "\x7f"

SORTS: dict[str, tuple[InstrumentedAttribute[Any], bool]] = {
    "newest": (Case.registered_at, True),
    "oldest": (Case.registered_at, False),
    "number": (Case.number, False),
    "name": (Case.principal_name, False),
}


@dataclass
class CaseFilters:
    statuses: list[CaseStatus] = field(default_factory=list)
    country: str | None = None
    office_id: int | None = None
    assignee_id: int | None = None
    partner_id: int | None = None
    vulnerability: Vulnerability | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    departed_from: date | None = None
    departed_to: date | None = None
    text: str | None = None
    sort: str = "newest"


@dataclass
class Page:
    cases: list[Case]
    next_cursor: str | None
    prev_cursor: str | None


class BadCursor(ValueError):
    pass


def encode_cursor(case: Case, sort: str, direction: str) -> str:
    column, _desc = SORTS[sort]
    value = getattr(case, column.key)
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([direction, value, case.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[str, Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, value, case_id = json.loads(raw)
        # A forged cursor must not reach the database with values it cannot take: ids
        # beyond 32 bits, naive datetimes, NUL characters.
        if direction not in ("after", "before") or isinstance(case_id, bool) \
                or not isinstance(case_id, int) or not 0 <= case_id < 2**31:
            raise ValueError
        column, _desc = SORTS[sort]
        if column.key == "registered_at":
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError
        elif not isinstance(value, str) or "\x00" in value:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        raise BadCursor("cursor") from None
    return direction, value, case_id


def name_match(text: str) -> Any | None:
    """Cases with a person matching every token of `text` (prefix or spelling variant)."""
    conditions = []
    keys = names.query_keys(text)
    for folded, skel in keys:
        key = f"f:{folded}"
        matches_token = or_(and_(NameKey.key >= key, NameKey.key < key + PREFIX_END),
                            NameKey.key == f"s:{skel}")
        if len(keys) == 1:
            # One word: the (key, case_id) index answers it without touching beneficiaries.
            return Case.id.in_(select(NameKey.case_id).where(matches_token))
        conditions.append(Beneficiary.id.in_(select(NameKey.beneficiary_id)
                                             .where(matches_token)))
    if not conditions:
        return None
    # Every token on the same person, not spread over the household.
    return Case.id.in_(select(Beneficiary.case_id).where(and_(*conditions)))


def text_match(text: str) -> Any:
    """One search box: case number, Immigration Office number or names."""
    text = text.strip()[:100]
    options = []
    number = CASE_NUMBER.match(text)
    if number:
        year, seq = number.groups()
        if len(seq) == 6:
            options.append(Case.number == f"BE-{year}-{seq}")
        else:
            prefix = f"BE-{year}-{seq}"
            # LIKE, not a range ending in PREFIX_END: Case.number has the database's
            # collation, which need not be byte order (unlike NameKey.key).
            options.append(Case.number.startswith(prefix, autoescape=True))
    if OE_NUMBER.match(text):
        options.append(Case.id.in_(select(Beneficiary.case_id).where(
            Beneficiary.oe_number == text.upper())))
    by_name = name_match(text)
    if by_name is not None and not number:
        options.append(by_name)
    return or_(*options) if options else Case.id.is_(None)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def filtered(user: User, filters: CaseFilters) -> Select[tuple[Case]]:
    query = select(Case).where(Case.visible_to(user))
    if filters.statuses:
        query = query.where(Case.status.in_(filters.statuses))
    if filters.country:
        query = query.where(Case.country_of_return == filters.country)
    if filters.office_id:
        query = query.where(Case.office_id == filters.office_id)
    if filters.assignee_id:
        query = query.where(Case.assignee_id == filters.assignee_id)
    if filters.partner_id:
        query = query.where(Case.partner_id == filters.partner_id)
    if filters.vulnerability:
        query = query.where(Case.id.in_(select(BeneficiaryVulnerability.case_id).where(
            BeneficiaryVulnerability.code == filters.vulnerability)))
    if filters.registered_from:
        query = query.where(Case.registered_at >= _day_start(filters.registered_from))
    if filters.registered_to and filters.registered_to < date.max:  # +1 day must exist
        query = query.where(
            Case.registered_at < _day_start(filters.registered_to + timedelta(days=1)))
    if filters.departed_from:
        query = query.where(Case.departed_on >= filters.departed_from)
    if filters.departed_to:
        query = query.where(Case.departed_on <= filters.departed_to)
    if filters.text:
        query = query.where(text_match(filters.text))
    return query


def list_cases(user: User, filters: CaseFilters, cursor: str | None = None,
               page_size: int = PAGE_SIZE) -> Page:
    """One page of the cases `user` may see. Raises BadCursor for a forged cursor."""
    sort = filters.sort if filters.sort in SORTS else "newest"
    column, descending = SORTS[sort]
    direction, value, last_id = decode_cursor(cursor, sort) if cursor else ("after", None,
                                                                            None)
    backwards = direction == "before"
    forward_desc = descending != backwards
    query = filtered(user, filters)
    if last_id is not None:
        position = tuple_(column, Case.id)
        bound = tuple_(value, last_id)
        query = query.where(position < bound if forward_desc else position > bound)
    order = (column.desc(), Case.id.desc()) if forward_desc else (column.asc(), Case.id.asc())
    rows = list(db.session.scalars(query.order_by(*order).limit(page_size + 1)).unique())
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_prev = (last_id is not None) if not backwards else more
    return Page(
        cases=rows,
        next_cursor=encode_cursor(rows[-1], sort, "after") if rows and has_next else None,
        prev_cursor=encode_cursor(rows[0], sort, "before") if rows and has_prev else None)
