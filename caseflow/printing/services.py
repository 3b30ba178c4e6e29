"""Issuing, revoking and verifying certificates.

A certificate is built as a plain context, rendered with the app's Jinja environment
(autoescaping on) from templates/pdf/, turned into a PDF by pdf.render_pdf and stored once:
the stored bytes are what every download returns and what verification compares against.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import segno
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from caseflow.accounts.models import Role, User
from caseflow.assistance.models import ServiceRequest, ServiceStatus
from caseflow.cases.models import (
    AFTER_ARRIVAL,
    Case,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    EventKind,
)
from caseflow.db import bump_year_counter
from caseflow.documents.storage import write_new_file
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.people.models import Beneficiary, HouseholdRole
from caseflow.printing.models import (
    ISSUING_LANGUAGES,
    PERSONAL_KINDS,
    Certificate,
    CertificateCounter,
    CertificateKind,
)
from caseflow.printing.pdf import render_pdf
from caseflow.reintegration.models import LineStatus, PlanLine

NUMBER_PREFIX = "CF"
DEPARTED_STAGES = (CaseStatus.departed, *AFTER_ARRIVAL)
SERBIAN_SCRIPTS = {"cyrl": "sr-Cyrl", "latn": "sr-Latn"}
MAX_REASON = 2000


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


def can_see_certificates(case: Case, user: User) -> bool:
    """Sending-office staff who may see the case, and admins; never the partner (the
    certificates are documents of the sending office; the returnee holds the original)."""
    if not case.can_view(user) or user.role is Role.reintegration_officer:
        return False
    return user.role is Role.admin or case.office_id == user.office_id


def can_download(cert: Certificate, user: User) -> bool:
    return can_see_certificates(cert.case, user)


def has_departed(case: Case) -> bool:
    return case.departed_on is not None and case.status in DEPARTED_STAGES


def next_certificate_number(year: int) -> str:
    """CF-2026-000001: per-year sequence, locked like case numbers."""
    bumped = bump_year_counter(db.session(), CertificateCounter, year)
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


# -- eligibility -----------------------------------------------------------------------------
# Every plan line is delivered or cancelled once the partner moves the case to monitoring
# (workflow._lines_settled), so monitoring, and a closure "completed" from there, are the
# stages at which the reintegration assistance is complete.
COMPLETED_STAGES = (CaseStatus.monitoring,)


@dataclass(frozen=True)
class Offer:
    """A certificate the case page offers (`reason` None), or says why it does not."""

    kind: CertificateKind
    beneficiary: Beneficiary | None = None
    reason: str | None = None

    @property
    def is_offered(self) -> bool:
        return self.reason is None


def completed_services(case: Case) -> list[ServiceRequest]:
    return sorted((r for r in case.services if r.status is ServiceStatus.completed),
                  key=lambda r: (r.completed_on or date.min, r.id))


def delivered_lines(case: Case) -> list[PlanLine]:
    lines = case.plan.lines if case.plan is not None else []
    return [line for line in lines if line.status is LineStatus.delivered]


def children_of(case: Case) -> list[Beneficiary]:
    return [b for b in case.beneficiaries if b.role is HouseholdRole.child]


def is_reintegration_complete(case: Case) -> bool:
    if case.status in COMPLETED_STAGES:
        return True
    return case.status is CaseStatus.closed and case.closure_reason is ClosureReason.completed \
        and case.closed_from in COMPLETED_STAGES


def refusal(case: Case, kind: CertificateKind, beneficiary: Beneficiary | None = None
            ) -> str | None:
    """Why `case` cannot have a certificate of `kind` now (for `beneficiary`, a child, for
    the school kind), or None when it can."""
    if case.anonymised_at is not None:
        # The names a certificate attests were removed under the retention rules.
        return _("This case was anonymised: no certificate can be issued for it.")
    if kind is CertificateKind.voluntary_departure:
        return None if has_departed(case) else _(
            "A departure certificate needs a confirmed departure.")
    if kind is CertificateKind.administrative_assistance:
        return None if completed_services(case) else _(
            "No completed administrative assistance yet.")
    if kind is CertificateKind.school_attendance:
        if beneficiary is None or beneficiary.case_id != case.id \
                or beneficiary.role is not HouseholdRole.child:
            return _("Choose a child of this household.")
        return None if beneficiary.school_records else _(
            "No school history in Belgium is recorded for %(name)s.",
            name=beneficiary.full_name)
    if not is_reintegration_complete(case):
        return _("Reintegration assistance is not complete yet: the case must be in "
                 "monitoring (every plan line settled), or closed as completed after it.")
    if not delivered_lines(case):
        return _("No line of the reintegration plan was delivered.")
    return None


def offers(case: Case) -> list[Offer]:
    """Each kind of certificate for `case`, offered or with the reason it is not; the
    school kind once per child."""
    result = []
    for kind in CertificateKind:
        if kind is CertificateKind.school_attendance:
            children = children_of(case)
            if not children:
                result.append(Offer(kind, None, _("No child in the household.")))
            result.extend(Offer(kind, child, refusal(case, kind, child))
                          for child in children)
        else:
            result.append(Offer(kind, None, refusal(case, kind)))
    return result


# -- what each certificate shows -------------------------------------------------------------
def _person(b: Beneficiary) -> dict[str, Any]:
    """A name as in the identity documents, with the name in the original script."""
    return {"name": b.full_name, "name_original": b.name_original,
            "date_of_birth": b.date_of_birth}


def _partner(case: Case) -> dict[str, Any] | None:
    if case.partner is None:
        return None
    return {"name": case.partner.name, "city": case.partner.city}


def _departure(case: Case, _person_for: Beneficiary | None) -> dict[str, Any]:
    return {"departed_on": case.departed_on,
            "flight": {"carrier": case.flight_carrier, "number": case.flight_number,
                       "airport": case.departure_airport},
            "household": [_person(b) for b in case.beneficiaries]}


def _assistance(case: Case, _person_for: Beneficiary | None) -> dict[str, Any]:
    return {"partner": _partner(case),
            "services": [{
                **_person(r.beneficiary),
                "code": r.service_type.code,
                # Service types are named in the languages of Belgium only; the template
                # holds the names of the known codes in the languages of return.
                "names": {language: r.service_type.name(language)
                          for language in ISSUING_LANGUAGES},
                "completed_on": r.completed_on, "outcome": r.outcome or ""}
                for r in completed_services(case)]}


def _school(case: Case, child: Beneficiary | None) -> dict[str, Any]:
    assert child is not None
    return {"child": _person(child),
            "school_records": [{"school": r.school, "town": r.town,
                                "year_from": r.year_from, "year_to": r.year_to,
                                "level": r.level.value, "grade": r.grade or ""}
                               for r in child.school_records]}


def _reintegration(case: Case, _person_for: Beneficiary | None) -> dict[str, Any]:
    lines = delivered_lines(case)
    return {"partner": _partner(case),
            "returned_on": case.arrived_on or case.departed_on,
            "household": [_person(b) for b in case.beneficiaries],
            "lines": [{"kind": line.kind.value, "description": line.description,
                       "delivered_on": line.delivered_on, "amount": f"{line.amount:.2f}"}
                      for line in lines],
            "total": f"{sum((line.amount for line in lines), Decimal('0.00')):.2f}"}


KIND_CONTEXTS: dict[CertificateKind, Callable[[Case, Beneficiary | None], dict[str, Any]]] = {
    CertificateKind.voluntary_departure: _departure,
    CertificateKind.administrative_assistance: _assistance,
    CertificateKind.school_attendance: _school,
    CertificateKind.reintegration_completed: _reintegration,
}
TEMPLATES = {
    CertificateKind.voluntary_departure: "pdf/departure_certificate.html",
    CertificateKind.administrative_assistance: "pdf/assistance_certificate.html",
    CertificateKind.school_attendance: "pdf/school_certificate.html",
    CertificateKind.reintegration_completed: "pdf/reintegration_certificate.html",
}


def certificate_context(case: Case, kind: CertificateKind, *, number: str, issued_on: date,
                        language: str, return_lang: str, verify_address: str,
                        beneficiary: Beneficiary | None = None) -> dict[str, Any]:
    """Everything a certificate of `kind` shows, as plain values."""
    return {
        "number": number,
        "issued_on": issued_on,
        "language": language,
        "return_language": return_lang,
        "country": case.country_of_return,
        "office": {"name": case.office.name, "city": case.office.city},
        "verify_url": verify_address,
        "qr_data_uri": qr_data_uri(verify_address),
        **KIND_CONTEXTS[kind](case, beneficiary),
    }


def departure_context(case: Case, *, number: str, issued_on: date, language: str,
                      return_lang: str, verify_address: str) -> dict[str, Any]:
    return certificate_context(case, CertificateKind.voluntary_departure, number=number,
                               issued_on=issued_on, language=language,
                               return_lang=return_lang, verify_address=verify_address)


def render_certificate_html(kind: CertificateKind, context: dict[str, Any]) -> str:
    return render_template(TEMPLATES[kind], **context)


def render_departure_html(context: dict[str, Any]) -> str:
    return render_certificate_html(CertificateKind.voluntary_departure, context)

def certificate_folder() -> Path:
    folder = Path(current_app.instance_path) / "certificates"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _store(data: bytes) -> str:
    return write_new_file(certificate_folder(), data, ".pdf")


def stored_bytes(cert: Certificate) -> bytes:
    if not cert.storage_name.endswith(".pdf") or "/" in cert.storage_name:
        raise ValueError("not a stored certificate name")
    return (certificate_folder() / cert.storage_name).read_bytes()


def _record(case: Case, kind: EventKind, by: User, cert: Certificate,
            note: str | None = None) -> None:
    """A line on the case's timeline. The case version does not move: a certificate changes
    nothing another user could be editing."""
    data = {"number": cert.number, "kind": cert.kind.value}
    if cert.beneficiary is not None:
        data["person"] = cert.beneficiary.full_name
    db.session.add(CaseEvent(case=case, kind=kind, by=by, version=case.version, note=note,
                             data=data))


def issue_certificate(case: Case, kind: CertificateKind | str, *, by: User, language: str,
                      script: str | None = None,
                      beneficiary: Beneficiary | None = None) -> Certificate:
    """Issue a bilingual certificate of `kind` for `case` (for `beneficiary`, a child of the
    household, when the kind is school attendance).

    Only a manager of the case's sending office may; the case must have the data the kind
    certifies (see `refusal`). The PDF is rendered, stored and fingerprinted here and the
    issue is written on the case's timeline. Raises AccessDenied or ValidationFailed."""
    if not can_issue(case, by):
        raise AccessDenied()
    try:
        kind = CertificateKind(kind)
    except ValueError:
        raise ValidationFailed(_("Unknown kind of certificate.")) from None
    if kind not in PERSONAL_KINDS:
        beneficiary = None
    problem = refusal(case, kind, beneficiary)
    if problem is not None:
        raise ValidationFailed(problem)
    if language not in ISSUING_LANGUAGES:
        raise ValidationFailed(_("Choose French, Dutch or English."), field="language")
    return_lang = return_language(case.country_of_return, script)
    now = datetime.now(UTC)
    number = next_certificate_number(now.year)
    code = secrets.token_urlsafe(24)
    context = certificate_context(case, kind, number=number, issued_on=now.date(),
                                  language=language, return_lang=return_lang,
                                  verify_address=verify_url(code), beneficiary=beneficiary)
    data = render_pdf(render_certificate_html(kind, context),
                      static_folder=Path(current_app.static_folder or "static"))
    cert = Certificate(number=number, kind=kind, case=case, beneficiary=beneficiary,
                       issued_at=now, issued_by=by, office_id=case.office_id,
                       language=language, return_language=return_lang,
                       verification_code=code, sha256=hashlib.sha256(data).hexdigest(),
                       storage_name=_store(data))
    db.session.add(cert)
    db.session.flush()
    _record(case, EventKind.certificate_issued, by, cert)
    db.session.flush()
    return cert


def issue_departure_certificate(case: Case, *, by: User, language: str,
                                script: str | None = None) -> Certificate:
    """Issue the bilingual attestation of voluntary departure of a departed case."""
    return issue_certificate(case, CertificateKind.voluntary_departure, by=by,
                             language=language, script=script)


def revoke_certificate(cert: Certificate, *, by: User, reason: str) -> Certificate:
    """Mark a certificate revoked (it stays verifiable, as revoked) and say so on the case's
    timeline. Managers only."""
    if not can_issue(cert.case, by):
        raise AccessDenied()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for revoking."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_("Use at most %(n)d characters.", n=MAX_REASON),
                               field="reason")
    if cert.is_revoked:
        raise ValidationFailed(_("This certificate is already revoked."))
    cert.revoked_at = datetime.now(UTC)
    cert.revoked_by = by
    cert.revoke_reason = reason
    db.session.flush()
    _record(cert.case, EventKind.certificate_revoked, by, cert, note=reason)
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
