"""Issuing, revoking and verifying certificates.

A certificate is built as a plain context, rendered with the app's Jinja environment
(autoescaping on) from templates/pdf/, turned into a PDF by pdf.render_pdf and stored once:
the stored bytes are what every download returns and what verification compares against.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import segno
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from caseflow.accounts.models import Role, User
from caseflow.cases.models import AFTER_ARRIVAL, Case, CaseStatus
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.printing.models import (
    ISSUING_LANGUAGES,
    Certificate,
    CertificateCounter,
    CertificateKind,
)
from caseflow.printing.pdf import render_pdf

NUMBER_PREFIX = "CF"
DEPARTED_STAGES = (CaseStatus.departed, *AFTER_ARRIVAL)
SERBIAN_SCRIPTS = {"cyrl": "sr-Cyrl", "latn": "sr-Latn"}


def return_language(country: str, script: str | None = None) -> str:
    """The language of the country of return as printed on the certificate."""
    if country in ("AL", "XK"):
        return "sq"
    if country == "MK":
        return "mk"
    if country == "RS":
        if script not in SERBIAN_SCRIPTS:
            raise ValidationFailed(_("Choose the Cyrillic or Latin script for Serbian."),
                                   field="script")
        return SERBIAN_SCRIPTS[script]
    raise ValidationFailed(_("Unknown country of return."))


def can_issue(case: Case, user: User) -> bool:
    """Managers of the case's sending office issue and revoke its certificates."""
    return user.is_active and user.role is Role.manager and case.office_id == user.office_id


def can_download(cert: Certificate, user: User) -> bool:
    """Sending-office staff who may see the case, and admins; never the partner."""
    case = cert.case
    if not case.can_view(user) or user.role is Role.reintegration_officer:
        return False
    return user.role is Role.admin or case.office_id == user.office_id


def has_departed(case: Case) -> bool:
    return case.departed_on is not None and case.status in DEPARTED_STAGES


def next_certificate_number(year: int) -> str:
    """CF-2026-000001: per-year sequence, locked like case numbers."""
    bumped = db.session.execute(
        update(CertificateCounter).where(CertificateCounter.year == year)
        .values(last_value=CertificateCounter.last_value + 1)
        .returning(CertificateCounter.last_value)).scalar()
    if bumped is None:
        db.session.execute(insert(CertificateCounter).values(year=year, last_value=1))
        bumped = 1
    return f"{NUMBER_PREFIX}-{year}-{bumped:06d}"


def verify_url(code: str) -> str:
    """The absolute address of the public verification page (PUBLIC_BASE_URL if set)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return f"{base.rstrip('/')}/verify/{code}"
    if has_request_context():
        return url_for("printing.verify", code=code, _external=True)
    return f"http://localhost/verify/{code}"


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").png_data_uri(scale=4, border=2)


def departure_context(case: Case, *, number: str, issued_on: date, language: str,
                      return_lang: str, verify_address: str) -> dict[str, Any]:
    """Everything the departure certificate shows, as plain values."""
    return {
        "number": number,
        "issued_on": issued_on,
        "language": language,
        "return_language": return_lang,
        "country": case.country_of_return,
        "office": {"name": case.office.name, "city": case.office.city},
        "departed_on": case.departed_on,
        "flight": {"carrier": case.flight_carrier, "number": case.flight_number,
                   "airport": case.departure_airport},
        "household": [{"name": f"{b.given_names} {b.family_name}",
                       "name_original": b.name_original, "date_of_birth": b.date_of_birth}
                      for b in case.beneficiaries],
        "verify_url": verify_address,
        "qr_data_uri": qr_data_uri(verify_address),
    }


def render_departure_html(context: dict[str, Any]) -> str:
    return render_template("pdf/departure_certificate.html", **context)


def certificate_folder() -> Path:
    folder = Path(current_app.instance_path) / "certificates"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store(data: bytes) -> str:
    name = secrets.token_hex(16) + ".pdf"
    folder = certificate_folder()
    temporary = folder / (name + ".part")
    with open(temporary, "xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, folder / name)
    return name


def stored_bytes(cert: Certificate) -> bytes:
    if not cert.storage_name.endswith(".pdf") or "/" in cert.storage_name:
        raise ValueError("not a stored certificate name")
    return (certificate_folder() / cert.storage_name).read_bytes()


def issue_departure_certificate(case: Case, *, by: User, language: str,
                                script: str | None = None) -> Certificate:
    """Issue the bilingual attestation of voluntary departure of a departed case.

    Only a manager of the case's sending office may; the PDF is rendered, stored and
    fingerprinted here. Raises AccessDenied or ValidationFailed."""
    if not can_issue(case, by):
        raise AccessDenied()
    if not has_departed(case):
        raise ValidationFailed(_("A departure certificate needs a confirmed departure."))
    if language not in ISSUING_LANGUAGES:
        raise ValidationFailed(_("Choose French, Dutch or English."), field="language")
    return_lang = return_language(case.country_of_return, script)
    now = datetime.now(UTC)
    number = next_certificate_number(now.year)
    code = secrets.token_urlsafe(24)
    context = departure_context(case, number=number, issued_on=now.date(), language=language,
                                return_lang=return_lang, verify_address=verify_url(code))
    data = render_pdf(render_departure_html(context),
                      static_folder=Path(current_app.static_folder or "static"))
    cert = Certificate(number=number, kind=CertificateKind.voluntary_departure, case=case,
                       issued_at=now, issued_by=by, office_id=case.office_id,
                       language=language, return_language=return_lang,
                       verification_code=code, sha256=hashlib.sha256(data).hexdigest(),
                       storage_name=_store(data))
    db.session.add(cert)
    db.session.flush()
    return cert


def revoke_certificate(cert: Certificate, *, by: User, reason: str) -> Certificate:
    """Mark a certificate revoked (it stays verifiable, as revoked). Managers only."""
    if not can_issue(cert.case, by):
        raise AccessDenied()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for revoking."), field="reason")
    if cert.is_revoked:
        raise ValidationFailed(_("This certificate is already revoked."))
    cert.revoked_at = datetime.now(UTC)
    cert.revoked_by = by
    cert.revoke_reason = reason
    db.session.flush()
    return cert


def find_by_code(code: str) -> Certificate | None:
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.verification_code == code))


def verify_upload(code: str, data: bytes) -> bool:
    """Whether `data` is exactly the file issued under `code`."""
    cert = find_by_code(code)
    if cert is None:
        return False
    return hmac.compare_digest(hashlib.sha256(data).hexdigest(), cert.sha256)


def certificates_of(case: Case) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.case_id == case.id)
                                   .order_by(Certificate.id)))
