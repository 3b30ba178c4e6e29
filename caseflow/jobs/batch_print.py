"""Batch printing: every departure attestation an office issued in one ISO week, as one PDF.

The stored certificate files are concatenated as they are (no re-rendering): each page is
byte-for-byte the document that was issued and that verification checks against.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from caseflow.accounts.models import Role, User
from caseflow.errors import AccessDenied, CaseflowError, ValidationFailed
from caseflow.extensions import db
from caseflow.jobs.registry import JobResult, Progress, register
from caseflow.printing.models import Certificate, CertificateKind
from caseflow.printing.services import stored_bytes

KIND = "departure_batch"
WEEK_PATTERN = re.compile(r"(\d{4})-W(\d{2})")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def can_batch_print(user: User) -> bool:
    """Managers print their own office's attestations in bulk."""
    return bool(user.is_active) and user.role is Role.manager


def parse_week(text: str | None) -> tuple[int, int]:
    """"2026-W48" (what <input type="week"> sends) as (2026, 48); ValidationFailed on the
    field "week" for anything else, including week 53 of a year that has only 52."""
    match = WEEK_PATTERN.fullmatch((text or "").strip())
    if match is None:
        raise ValidationFailed(_("Choose a week, for example 2026-W48."), field="week")
    year, week = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(_("Choose a week between %(first)d and %(last)d.",
                                 first=FIRST_YEAR, last=LAST_YEAR), field="week")
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValidationFailed(_("Week %(week)d does not exist in %(year)d.", week=week,
                                 year=year), field="week") from None
    return year, week


def week_bounds(year: int, week: int) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in the offices' time zone, as aware datetimes:
    a certificate issued on Sunday evening in Brussels belongs to that week."""
    zone = ZoneInfo(current_app.config.get("CASEFLOW_TIMEZONE", "Europe/Brussels"))
    monday = date.fromisocalendar(year, week, 1)
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    return start, end


def week_certificates(office_id: int, year: int, week: int) -> list[Certificate]:
    """The office's valid (not revoked) departure attestations issued that week, in issue
    order."""
    start, end = week_bounds(year, week)
    return list(db.session.scalars(
        select(Certificate)
        .where(Certificate.office_id == office_id,
               Certificate.kind == CertificateKind.voluntary_departure,
               Certificate.revoked_at.is_(None),
               Certificate.issued_at >= start, Certificate.issued_at < end)
        .order_by(Certificate.issued_at, Certificate.id)))


def batch_params(user: User, year: int, week: int) -> dict[str, Any]:
    return {"year": year, "week": week, "office_id": user.office_id}


@register(KIND, title=_l("Departure attestations of a week"), can_submit=can_batch_print)
def departure_batch(params: dict[str, Any], *, user: User, progress: Progress) -> JobResult:
    """One PDF of the week's attestations of the manager's office."""
    year, week = parse_week(f"{int(params['year']):04d}-W{int(params['week']):02d}")
    office_id = int(params.get("office_id", user.office_id))
    if not can_batch_print(user) or office_id != user.office_id:
        raise AccessDenied()
    # Numbers read up front: each progress call commits, which expires the loaded rows.
    certificates = [(cert.number, cert) for cert in week_certificates(office_id, year, week)]
    if not certificates:
        raise ValidationFailed(_("No departure attestation was issued in week %(week)d of "
                                 "%(year)d.", week=week, year=year))
    total = len(certificates)
    progress(0, total, "")
    writer = PdfWriter()
    for done, (number, cert) in enumerate(certificates, start=1):
        try:
            data = stored_bytes(cert)
        except (OSError, ValueError):
            raise CaseflowError(_("The stored file of certificate %(number)s is missing. "
                                  "Tell an administrator.", number=number)) from None
        writer.append(PdfReader(io.BytesIO(data)))
        progress(done, total, number)
    out = io.BytesIO()
    writer.write(out)
    return JobResult(out.getvalue(), f"departure-attestations-{year}-W{week:02d}.pdf",
                     "application/pdf")
