"""The case report: the whole case on paper, in the reader's language.

Who may print it, and what each reader gets:

- whoever may see the case in the app (Case.can_view) may print its report: the sending
  office's caseworkers and managers, admins, and the partner organisation's users once the
  case is referred to it. Anyone else gets 404, as for the case page.
- the sending side (staff of the case's own office, and admins) gets every section.
- a partner user gets the report restricted as the case page restricts it for a
  reintegration officer: no asylum procedure data (Immigration Office number, reception
  centre, procedure), no counselling sessions, no rejection or duplicate notes, no notes on
  non-transition events. Two choices go further than the page, because paper travels:
  attached documents are not listed, and a partner *manager* is restricted too (the page
  restricts only reintegration officers).
- medical notes (the vulnerability note) appear only for a reader Case.can_see_medical_notes
  allows; for a partner user that also needs the household's consent to medical sharing.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from caseflow.accounts.models import Role, User
from caseflow.assistance.models import ServiceRequest
from caseflow.assistance.services import service_name
from caseflow.cases.models import Case, CaseEvent, CounsellingSession, EventKind
from caseflow.db import utcnow
from caseflow.documents.models import Document
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit
from caseflow.people.models import Beneficiary, ConsentPurpose, HouseholdRole
from caseflow.printing.models import kind_label
from caseflow.printing.pdf import StaticOnlyFetcher
from caseflow.reintegration.models import PlanLine, ReintegrationPlan
from caseflow.reintegration.services import budget_of
from caseflow.reports.common import score_chart, score_rows, to_pdf


def can_print_case_report(case: Case, user: User) -> bool:
    """Whoever may see the case prints its report (restricted for the partner side)."""
    return case.can_view(user)


def sees_sending_side(case: Case, user: User) -> bool:
    """The sections only the sending office needs: asylum data, counselling, documents."""
    return case.can_see_asylum_details(user) and (
        user.role is Role.admin or user.office_id == case.office_id)


def sees_medical_notes(case: Case, user: User) -> bool:
    if not case.can_see_medical_notes(user):
        return False
    if sees_sending_side(case, user):
        return True
    principal = case.principal
    return principal is not None and \
        principal.consent_for(ConsentPurpose.medical_sharing) is not None


def load_case_for_report(number: str) -> Case | None:
    """The case with everything the report shows, in a fixed number of queries."""
    people = selectinload(Case.beneficiaries)
    return db.session.scalar(select(Case).where(Case.number == number).options(
        joinedload(Case.decided_by),
        people.selectinload(Beneficiary.vulnerabilities),
        people.selectinload(Beneficiary.identity_documents),
        people.selectinload(Beneficiary.consents),
        people.selectinload(Beneficiary.school_records),
        selectinload(Case.events).joinedload(CaseEvent.by),
        selectinload(Case.sessions).joinedload(CounsellingSession.counsellor),
        selectinload(Case.documents).joinedload(Document.uploaded_by),
        selectinload(Case.plan).selectinload(ReintegrationPlan.lines)
        .joinedload(PlanLine.beneficiary),
        selectinload(Case.plan).joinedload(ReintegrationPlan.approved_by),
        selectinload(Case.services).joinedload(ServiceRequest.service_type),
        selectinload(Case.services).joinedload(ServiceRequest.beneficiary),
        selectinload(Case.visits).selectinload(FollowUpVisit.survey),
        selectinload(Case.visits).joinedload(FollowUpVisit.officer)))


def _name(user: User | None) -> str:
    return user.full_name if user is not None else _("system")


CERTIFICATE_EVENTS = (EventKind.certificate_issued, EventKind.certificate_revoked)


def _event_text(event: CaseEvent) -> str:
    if event.kind is EventKind.transition and event.to_status is not None:
        if event.from_status is None:
            return event.to_status.label
        return f"{event.from_status.label} \u2192 {event.to_status.label}"
    if event.kind is EventKind.created:
        return _("registered the case")
    if event.kind is EventKind.edited:
        return _("changed %(fields)s", fields=", ".join(event.data.keys()))
    if event.kind is EventKind.document_added:
        return _("attached %(title)s", title=event.data.get("title", ""))
    if event.kind in CERTIFICATE_EVENTS:
        text = (_("issued certificate %(number)s (%(document)s)")
                if event.kind is EventKind.certificate_issued
                else _("revoked certificate %(number)s (%(document)s)"))
        return text % {"number": event.data.get("number", ""),
                       "document": kind_label(event.data.get("kind"))}
    return _("logged a counselling session")


def _person(person: Beneficiary, *, sending: bool, medical: bool) -> dict[str, Any]:
    return {
        "name": person.full_name,
        "name_original": person.name_original,
        "role": person.role.label,
        "sex": person.sex.label,
        "date_of_birth": person.date_of_birth,
        "nationality": person.nationality,
        "place_of_birth": person.place_of_birth,
        "languages": person.languages,
        "phone": person.phone,
        "asylum": {"oe_number": person.oe_number, "reception_centre": person.reception_centre,
                   "applied_on": person.asylum_applied_on,
                   "procedure": person.procedure_status.label
                   if person.procedure_status else None} if sending else None,
        "vulnerabilities": [v.label for v in person.vulnerability_codes],
        "vulnerability_note": person.vulnerability_note if medical else None,
        "documents": [{"kind": d.kind.label, "number": d.number, "country": d.issuing_country,
                       "expires_on": d.expires_on} for d in person.identity_documents],
        "school": [{"school": s.school, "town": s.town, "years": f"{s.year_from}\u2013"
                    f"{s.year_to + 1}", "level": s.level.label, "grade": s.grade}
                   for s in person.school_records]
        if person.role is HouseholdRole.child else [],
    }


def _plan(case: Case) -> dict[str, Any] | None:
    plan = case.plan
    if plan is None:
        return None
    return {
        "budget": budget_of(case),
        "committed": plan.committed,
        "delivered": plan.delivered,
        "approved_on": plan.approved_on,
        "approved_by": plan.approved_by.full_name if plan.approved_by else None,
        "summary": plan.summary,
        "over_budget_reason": plan.over_budget_reason,
        "lines": [{"kind": line.kind.label, "description": line.description,
                   "for": line.beneficiary.full_name if line.beneficiary else _("Household"),
                   "supplier": line.supplier, "amount": line.amount,
                   "status": line.status.label, "delivered_on": line.delivered_on}
                  for line in plan.lines],
    }


def case_report_context(case: Case, user: User) -> dict[str, Any]:
    """Everything the case report shows to `user`, as plain values. The sections `user` may
    not see are None (left out), never filled in and hidden."""
    sending = sees_sending_side(case, user)
    medical = sees_medical_notes(case, user)
    visits = sorted(case.visits, key=lambda v: v.sequence)
    rows = score_rows(visits)
    return {
        "language": str(get_locale() or "en"),
        "number": case.number,
        "restricted": not sending,
        "show_medical": medical,
        "printed_at": utcnow(),
        "printed_by": user.full_name,
        "case": {
            "status": case.status.label,
            "office": case.office.name,
            "partner": case.partner.name if case.partner else None,
            "assignee": case.assignee.full_name if case.assignee else None,
            "country": case.country_of_return,
            "municipality": case.municipality,
            "principal_name": case.principal_name,
            "household_size": case.household_size,
            "registered_at": case.registered_at,
            "application_submitted_on": case.application_submitted_on,
            "decision_on": case.decision_on,
            "decided_by": case.decided_by.full_name if case.decided_by else None,
            "rejection_reason": case.rejection_reason if sending else None,
            "referred_on": case.referred_on,
            "partner_accepted_on": case.partner_accepted_on,
            "held_from": case.held_from.label if case.held_from else None,
            "closure_reason": case.closure_reason.label if case.closure_reason else None,
            "closed_at": case.closed_at,
        },
        "household": [_person(p, sending=sending, medical=medical)
                      for p in case.beneficiaries],
        "timeline": [{"at": e.at, "by": _name(e.by), "text": _event_text(e),
                      "note": e.note if sending or e.kind is EventKind.transition else None}
                     # Certificates are the sending office's papers (the app hides them
                     # from partners too).
                     for e in case.events if sending or e.kind not in CERTIFICATE_EVENTS],
        "decisions": [{"at": e.at, "by": _name(e.by),
                       "from": e.from_status.label if e.from_status else None,
                       "to": e.to_status.label if e.to_status else "", "note": e.note}
                      for e in case.events if e.kind is EventKind.transition],
        "sessions": [{"held_on": s.held_on, "counsellor": s.counsellor.full_name,
                      "language": s.language, "interpreter": s.interpreter, "notes": s.notes}
                     for s in case.sessions] if sending else None,
        "travel": {"carrier": case.flight_carrier, "flight": case.flight_number,
                   "airport": case.departure_airport,
                   "planned_on": case.planned_departure_on, "escort": case.escort_needed,
                   "departed_on": case.departed_on, "arrived_on": case.arrived_on}
        if case.flight_number or case.departed_on else None,
        "plan": _plan(case),
        "services": [{"person": s.beneficiary.full_name, "type": service_name(s.service_type),
                      "status": s.status.label, "requested_on": s.requested_on,
                      "completed_on": s.completed_on, "outcome": s.outcome,
                      "fees_paid": s.fees_paid} for s in case.services],
        "documents": [{"title": d.title, "person": d.beneficiary.full_name
                       if d.beneficiary else None, "uploaded_by": d.uploaded_by.full_name,
                       "uploaded_at": d.uploaded_at} for d in case.documents]
        if sending else None,
        "visits": [{"sequence": v.sequence, "months": v.months_after_arrival,
                    "due_on": v.due_on, "done_on": v.done_on,
                    "mode": v.mode.label if v.mode else None,
                    "officer": v.officer.full_name if v.officer else None} for v in visits],
        "scores": rows,
        "chart": score_chart(rows),
        "kosovo_footnote": case.country_of_return == "XK",
    }


def render_case_report_html(context: dict[str, Any]) -> str:
    return render_template("pdf/case_report.html", **context)


def case_report_pdf(case: Case, user: User, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The case report of `case` as `user` may read it, as PDF."""
    return to_pdf(render_case_report_html(case_report_context(case, user)), fetcher)
