"""The follow-up visit report and the monitoring report of a case.

Both are printed in the issuing language of the case's sending office (common.
issuing_language), whoever prints them: they go into the office's file. Build and render
inside `flask_babel.force_locale(issuing_language(case.office))`.

Who may print: whoever may see the case (Case.can_view), as the app's visit page. Neither
document holds asylum or medical data; the visit's notes are shown to the same people in the
app. A visit report exists only for a visit that took place.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from caseflow.accounts.models import User
from caseflow.assistance.models import ServiceRequest, ServiceStatus
from caseflow.assistance.services import service_name
from caseflow.cases.models import Case
from caseflow.db import utcnow
from caseflow.extensions import db
from caseflow.followups.models import Dimension, FollowUpVisit, RssSurvey
from caseflow.reports.common import ScoreRow, score_chart, score_rows

OPEN = (ServiceStatus.requested, ServiceStatus.in_progress)


def can_print_monitoring_report(case: Case, user: User) -> bool:
    return case.can_view(user)


def can_print_visit_report(case: Case, visit: FollowUpVisit, user: User) -> bool:
    return case.can_view(user) and visit.case_id == case.id and visit.done_on is not None


def load_case_for_followups(number: str) -> Case | None:
    """The case with its visits (surveys, officers) and services loaded."""
    return db.session.scalar(select(Case).where(Case.number == number).options(
        selectinload(Case.beneficiaries),
        selectinload(Case.visits).selectinload(FollowUpVisit.survey)
        .joinedload(RssSurvey.rss_version),
        selectinload(Case.visits).joinedload(FollowUpVisit.officer),
        selectinload(Case.services).joinedload(ServiceRequest.service_type)))


def _case_summary(case: Case) -> dict[str, Any]:
    return {"number": case.number, "principal_name": case.principal_name,
            "household": [{"name": p.full_name, "name_original": p.name_original}
                          for p in case.beneficiaries],
            "office": case.office.name, "partner": case.partner.name if case.partner else None,
            "country": case.country_of_return, "municipality": case.municipality,
            "arrived_on": case.arrived_on}


def _common(case: Case, user: User) -> dict[str, Any]:
    return {"language": str(get_locale() or "en"), "number": case.number,
            "case": _case_summary(case), "printed_at": utcnow(),
            "printed_by": user.full_name, "kosovo_footnote": case.country_of_return == "XK"}


def _score_table(row: ScoreRow | None, before: ScoreRow | None) -> list[dict[str, Any]]:
    """Per dimension and composite: this visit, the previous one and the change."""
    def of(r: ScoreRow | None, name: str) -> Decimal | None:
        return getattr(r, name) if r is not None else None

    names = [(d.value, d.label) for d in Dimension] + [("composite", _("Composite"))]
    return [{"label": label, "now": of(row, name), "before": of(before, name),
             "is_composite": name == "composite"} for name, label in names]


def _in_window(day: date | None, after: date | None, until: date) -> bool:
    return day is not None and day <= until and (after is None or day > after)


def _service(request: ServiceRequest, names: dict[int, str]) -> dict[str, Any]:
    return {"person": names.get(request.beneficiary_id, ""),
            "type": service_name(request.service_type), "status": request.status.label,
            "requested_on": request.requested_on, "completed_on": request.completed_on,
            "outcome": request.outcome}


def visit_report_context(case: Case, visit: FollowUpVisit, user: User) -> dict[str, Any]:
    """What the report of one done visit shows: what was found, the services that moved
    since the previous visit, the RSS scores against the previous scored visit, next steps,
    and the officer who signs it."""
    assert visit.done_on is not None, "only a visit that took place has a report"
    done_visits = sorted((v for v in case.visits if v.done_on is not None),
                         key=lambda v: (v.done_on, v.sequence))
    earlier = [v for v in done_visits if (v.done_on, v.sequence) < (visit.done_on,
                                                                    visit.sequence)]
    previous_visit = earlier[-1] if earlier else None
    rows = score_rows(case.visits)
    row = next((r for r in rows if r.visit_id == visit.id), None)
    scored_before = [r for r in rows if (r.done_on, r.sequence) < (visit.done_on,
                                                                   visit.sequence)]
    before = scored_before[-1] if scored_before else None
    after = previous_visit.done_on if previous_visit else None
    names = {p.id: p.full_name for p in case.beneficiaries}
    progressed = [_service(s, names) for s in case.services
                  if _in_window(s.requested_on, after, visit.done_on)
                  or _in_window(s.completed_on, after, visit.done_on)]
    still_open = [_service(s, names) for s in case.services
                  if s.status in OPEN and s.requested_on <= visit.done_on]
    survey = visit.survey
    return {
        **_common(case, user),
        "visit": {"sequence": visit.sequence, "months": visit.months_after_arrival,
                  "due_on": visit.due_on, "done_on": visit.done_on,
                  "mode": visit.mode.label if visit.mode else None,
                  "officer": visit.officer.full_name if visit.officer else None,
                  "notes": visit.notes, "next_steps": visit.next_steps},
        "previous_visit": {"months": previous_visit.months_after_arrival,
                           "done_on": previous_visit.done_on} if previous_visit else None,
        "survey": {"version": survey.rss_version.version, "label": survey.rss_version.label,
                   "answered": survey.answered, "total": survey.total,
                   "is_partial": survey.is_partial} if survey is not None else None,
        "scores": _score_table(row, before) if row is not None else None,
        "scores_before": {"months": before.months, "done_on": before.done_on}
        if before else None,
        "services_progressed": progressed,
        "services_open": still_open,
    }


def monitoring_context(case: Case, user: User) -> dict[str, Any]:
    """All the visits of the case, their scores and the score trend."""
    visits = sorted(case.visits, key=lambda v: v.sequence)
    rows = score_rows(visits)
    by_visit = {r.visit_id: r for r in rows}
    return {
        **_common(case, user),
        "visits": [{"sequence": v.sequence, "months": v.months_after_arrival,
                    "due_on": v.due_on, "done_on": v.done_on,
                    "mode": v.mode.label if v.mode else None,
                    "officer": v.officer.full_name if v.officer else None,
                    "scores": by_visit.get(v.id)} for v in visits],
        "scores": rows,
        "chart": score_chart(rows),
    }


def render_visit_report_html(context: dict[str, Any]) -> str:
    return render_template("pdf/followup_report.html", **context)


def render_monitoring_html(context: dict[str, Any]) -> str:
    return render_template("pdf/monitoring_report.html", **context)
