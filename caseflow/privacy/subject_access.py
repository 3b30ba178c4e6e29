"""Subject access: one person's own data, exported on request as JSON and as PDF.

Who may export: `Case.can_export_subject_data` (managers of the case's sending office, and
admins). Every export is written to the audit trail (Action.export, target "person").

What is in it is one person's data, not the household's: the other members appear only as
their household role, never by name (data minimisation). Case-wide records that concern the
person (stages, counselling, follow-up visits and surveys, household plan lines and
certificates) are included; person-specific records (services, plan lines, scans,
certificates for another member) only when they are the person's.

The JSON shape, SCHEMA_VERSION 1. A key is never removed or renamed without raising the
version; a value that is unknown is null; lists may be empty. Dates are "YYYY-MM-DD",
times ISO 8601 in UTC, amounts and scores decimal strings, codes are the values of the
enums (`role`, `sex`, `status`...) with a `*_label` in the exporter's language beside them.

    schema_version            1
    generated_at, generated_by {name, office}
    case                      {number, status, status_label, office, partner,
                               country_of_return, municipality, registered_at, closed_at,
                               closure_reason, anonymised_at}
    person                    {id, role, role_label, given_names, family_name, name_original,
                               sex, sex_label, date_of_birth, nationality, place_of_birth,
                               languages,
                               phone, oe_number, reception_centre, asylum_applied_on,
                               procedure_status, procedure_status_label,
                               vulnerabilities [code], vulnerability_labels [text],
                               vulnerability_note}
    household                 [{role, role_label, is_subject}]
    identity_documents        [{kind, kind_label, number, issuing_country, expires_on}]
    consents                  [{purpose, purpose_label, given_on, withdrawn_on}]
    school_records            [{school, town, year_from, year_to, level, grade}]
    events                    [{at, kind, from_status, from_label, to_status, to_label,
                               note}]
    counselling_sessions      [{held_on, language, interpreter, notes}]
    reintegration_plan        null | {approved_on, lines [{kind, kind_label, description,
                               amount, status, status_label, delivered_on, for_household}]}
    assistance                [{service, service_label, status, status_label, requested_on,
                               completed_on, outcome, fees_paid}]
    followup_visits           [{sequence, months_after_arrival, due_on, done_on, mode,
                               mode_label, notes,
                               next_steps, survey null | {composite, economic, social,
                               psychosocial, answers [{indicator, question, answer, score}]}}]
    uploaded_documents        [{title, original_filename, content_type, size, uploaded_at}]
    certificates              [{number, kind, issued_on, revoked_on}]
    accesses                  [{at (to the minute), user (null: the system), action,
                               action_label, times}]
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import render_template
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from caseflow import audit
from caseflow.accounts.models import User
from caseflow.assistance.models import ServiceRequest
from caseflow.assistance.services import service_name
from caseflow.audit import queries
from caseflow.audit.trail import ACTION_LABELS
from caseflow.cases.models import Case, CounsellingSession, EventKind
from caseflow.db import utcnow
from caseflow.errors import AccessDenied
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, RssAnswer, RssSurvey
from caseflow.people.models import Beneficiary
from caseflow.printing.models import Certificate
from caseflow.printing.pdf import StaticOnlyFetcher
from caseflow.reintegration.models import ReintegrationPlan
from caseflow.reports.common import to_pdf

SCHEMA_VERSION = 1
# The event kinds a person's export lists: stages and registration concern the whole
# household; edits are left out because they carry other members' values.
EVENT_KINDS = (EventKind.created, EventKind.transition, EventKind.session_logged)


def load_case_for_export(number: str) -> Case | None:
    """The case with everything an export reads, in a fixed number of queries."""
    people = selectinload(Case.beneficiaries)
    visits = selectinload(Case.visits)
    return db.session.scalar(select(Case).where(Case.number == number).options(
        people.selectinload(Beneficiary.vulnerabilities),
        people.selectinload(Beneficiary.identity_documents),
        people.selectinload(Beneficiary.consents),
        people.selectinload(Beneficiary.school_records),
        selectinload(Case.events),
        selectinload(Case.sessions).joinedload(CounsellingSession.counsellor),
        selectinload(Case.documents),
        selectinload(Case.plan).selectinload(ReintegrationPlan.lines),
        selectinload(Case.services).joinedload(ServiceRequest.service_type),
        visits.selectinload(FollowUpVisit.survey).selectinload(RssSurvey.answers)
        .joinedload(RssAnswer.indicator),
        visits.selectinload(FollowUpVisit.survey).selectinload(RssSurvey.answers)
        .joinedload(RssAnswer.option)))


def _code(value: Enum | None) -> Any:
    return None if value is None else value.value


def _label(value: Any) -> str | None:
    return None if value is None else str(value.label)


def _accesses(case: Case) -> list[dict[str, Any]]:
    """Who read, changed, printed or exported the case, from the audit trail. Entries of the
    same user and action within the same minute are one line with `times` (one save writes
    an entry per row it changes)."""
    rows: list[dict[str, Any]] = []
    for entry in queries.entries_for_case(db.session, case.id):
        user = entry.user.full_name if entry.user else None
        action = entry.action
        at = entry.at.replace(second=0, microsecond=0)
        if rows and (rows[-1]["at"], rows[-1]["user"], rows[-1]["action"]) == (at, user, action):
            rows[-1]["times"] += 1
            continue
        label = str(ACTION_LABELS.get(action, action))
        rows.append({"at": at, "user": user, "action": action, "action_label": label,
                     "times": 1})
    return rows


def _person(person: Beneficiary) -> dict[str, Any]:
    return {
        "id": person.id, "role": _code(person.role), "role_label": _label(person.role),
        "given_names": person.given_names, "family_name": person.family_name,
        "name_original": person.name_original, "sex": _code(person.sex),
        "sex_label": _label(person.sex),
        "date_of_birth": person.date_of_birth, "nationality": person.nationality,
        "place_of_birth": person.place_of_birth, "languages": person.languages,
        "phone": person.phone, "oe_number": person.oe_number,
        "reception_centre": person.reception_centre,
        "asylum_applied_on": person.asylum_applied_on,
        "procedure_status": _code(person.procedure_status),
        "procedure_status_label": _label(person.procedure_status),
        "vulnerabilities": [v.value for v in person.vulnerability_codes],
        "vulnerability_labels": [str(v.label) for v in person.vulnerability_codes],
        "vulnerability_note": person.vulnerability_note,
    }


def _visit(visit: FollowUpVisit) -> dict[str, Any]:
    survey = visit.survey
    return {
        "sequence": visit.sequence, "months_after_arrival": visit.months_after_arrival,
        "due_on": visit.due_on, "done_on": visit.done_on, "mode": _code(visit.mode),
        "mode_label": _label(visit.mode),
        "notes": visit.notes, "next_steps": visit.next_steps,
        "survey": None if survey is None else {
            "composite": survey.composite, "economic": survey.economic,
            "social": survey.social, "psychosocial": survey.psychosocial,
            "answers": [{"indicator": a.indicator.code, "question": a.indicator.question,
                         "answer": a.option.label, "score": a.option.score}
                        for a in sorted(survey.answers,
                                        key=lambda a: (a.indicator.position, a.indicator.code))],
        },
    }


def subject_access_data(case: Case, person: Beneficiary, user: User) -> dict[str, Any]:
    """Everything caseflow holds about `person`, as plain values (dates, decimals and
    datetimes still as such: `to_json` writes them). AccessDenied unless `user` may export."""
    if not case.can_export_subject_data(user) or person.case_id != case.id:
        raise AccessDenied()
    certificates = db.session.scalars(select(Certificate).where(
        Certificate.case_id == case.id).order_by(Certificate.id)
        .options(joinedload(Certificate.beneficiary))).all()
    plan = case.plan
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": utcnow(),
        "generated_by": {"name": user.full_name, "office": user.office.name},
        "case": {
            "number": case.number, "status": _code(case.status),
            "status_label": _label(case.status), "office": case.office.name,
            "partner": case.partner.name if case.partner else None,
            "country_of_return": case.country_of_return, "municipality": case.municipality,
            "registered_at": case.registered_at, "closed_at": case.closed_at,
            "closure_reason": _code(case.closure_reason),
            "anonymised_at": case.anonymised_at,
        },
        "person": _person(person),
        "household": [{"role": _code(b.role), "role_label": _label(b.role),
                       "is_subject": b.id == person.id}
                      for b in case.beneficiaries],
        "identity_documents": [{"kind": _code(d.kind), "kind_label": _label(d.kind),
                                "number": d.number,
                                "issuing_country": d.issuing_country,
                                "expires_on": d.expires_on}
                               for d in person.identity_documents],
        "consents": [{"purpose": _code(c.purpose), "purpose_label": _label(c.purpose),
                      "given_on": c.given_on, "withdrawn_on": c.withdrawn_on}
                     for c in person.consents],
        "school_records": [{"school": r.school, "town": r.town, "year_from": r.year_from,
                            "year_to": r.year_to, "level": _code(r.level), "grade": r.grade}
                           for r in person.school_records],
        "events": [{"at": e.at, "kind": e.kind.value, "from_status": _code(e.from_status),
                    "from_label": _label(e.from_status), "to_status": _code(e.to_status),
                    "to_label": _label(e.to_status), "note": e.note}
                   for e in case.events if e.kind in EVENT_KINDS],
        "counselling_sessions": [{"held_on": s.held_on, "language": s.language,
                                  "interpreter": s.interpreter, "notes": s.notes}
                                 for s in case.sessions],
        "reintegration_plan": None if plan is None else {
            "approved_on": plan.approved_on,
            "lines": [{"kind": _code(line.kind), "kind_label": _label(line.kind),
                       "description": line.description, "amount": line.amount,
                       "status": _code(line.status), "status_label": _label(line.status),
                       "delivered_on": line.delivered_on,
                       "for_household": line.beneficiary_id is None}
                      for line in plan.lines
                      if line.beneficiary_id in (None, person.id)],
        },
        "assistance": [{"service": r.service_type.code,
                        "service_label": service_name(r.service_type),
                        "status": _code(r.status), "status_label": _label(r.status),
                        "requested_on": r.requested_on,
                        "completed_on": r.completed_on, "outcome": r.outcome,
                        "fees_paid": r.fees_paid}
                       for r in case.services if r.beneficiary_id == person.id],
        "followup_visits": [_visit(v) for v in sorted(case.visits, key=lambda v: v.sequence)],
        "uploaded_documents": [{"title": d.title, "original_filename": d.original_filename,
                                "content_type": d.content_type, "size": d.size,
                                "uploaded_at": d.uploaded_at}
                               for d in case.documents if d.beneficiary_id == person.id],
        "certificates": [{"number": c.number, "kind": c.kind.value,
                          "issued_on": c.issued_at.date(),
                          "revoked_on": c.revoked_at.date() if c.revoked_at else None}
                         for c in certificates if c.beneficiary_id in (None, person.id)],
        "accesses": _accesses(case),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def to_json(data: dict[str, Any]) -> bytes:
    """The export as UTF-8 JSON (names in their own script, not \\u escapes)."""
    return json.dumps(_jsonable(data), ensure_ascii=False, indent=2).encode("utf-8")


def render_subject_access_html(data: dict[str, Any]) -> str:
    return render_template("pdf/subject_access.html", language=str(get_locale() or "en"),
                           number=data["case"]["number"], printed_at=data["generated_at"],
                           printed_by=data["generated_by"]["name"], data=data,
                           kosovo_footnote=data["case"]["country_of_return"] == "XK")


def subject_access_pdf(data: dict[str, Any], fetcher: StaticOnlyFetcher | None = None) -> bytes:
    return to_pdf(render_subject_access_html(data), fetcher)


def record_export(case: Case, person: Beneficiary, file_format: str) -> None:
    """The export in the audit trail: who took whose data out, in which form."""
    audit.record(audit.Action.export, case_id=case.id, target="person", target_id=person.id,
                 details={"kind": "subject_access", "format": file_format})
