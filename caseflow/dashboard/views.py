"""One dashboard per role: the work waiting for this user."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from caseflow.accounts.models import Office, Role, User
from caseflow.cases.models import Case, CaseStatus
from caseflow.extensions import db
from caseflow.followups.services import due_visits, overdue_visits, workload
from caseflow.programme import queries
from caseflow.programme.report import dashboard_charts, user_scope

bp = Blueprint("dashboard", __name__)
SHORT_LIST = 8


def _cases(*conditions: object) -> list[Case]:
    query = select(Case).where(Case.visible_to(current_user), *conditions) \
        .order_by(Case.updated_at.desc()).limit(SHORT_LIST)
    return list(db.session.scalars(query).unique())


def _count(*conditions: object) -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.visible_to(current_user), *conditions)) or 0


def _programme_report_url() -> str | None:
    # The programme blueprint may not be registered in every app (some test apps).
    if "programme" not in current_app.blueprints:
        return None
    return url_for("programme.report")


@bp.route("/")
@login_required
def index() -> str:
    role: Role = current_user.role
    today = date.today()
    context: dict[str, object] = {"today": today}
    if role is Role.caseworker:
        mine = (Case.assignee_id == current_user.id, Case.status != CaseStatus.closed)
        context.update(my_cases=_cases(*mine), my_count=_count(*mine),
                       departures=_cases(Case.status == CaseStatus.travel_booked,
                                         Case.planned_departure_on <= today + timedelta(7)))
    elif role is Role.reintegration_officer:
        context.update(referrals=_cases(Case.status == CaseStatus.referred),
                       arrivals=_cases(Case.status == CaseStatus.departed),
                       due_visits=due_visits(current_user, today, limit=SHORT_LIST),
                       overdue_visits=overdue_visits(current_user, today, limit=SHORT_LIST))
    elif role is Role.manager:
        stage_counts = queries.cases_by_stage(user_scope(current_user))
        context.update(decisions=_cases(Case.status == CaseStatus.application_submitted),
                       stage_counts=stage_counts, statuses=list(CaseStatus),
                       charts=dashboard_charts(current_user, stage_counts, today),
                       programme_report_url=_programme_report_url())
        due = due_visits(current_user, today, limit=SHORT_LIST)
        overdue = overdue_visits(current_user, today, limit=SHORT_LIST)
        context.update(due_visits=due, overdue_visits=overdue, workload=workload(due, overdue))
    else:
        context["user_counts"] = dict(db.session.execute(
            select(User.role, func.count()).where(User.is_active).group_by(User.role)).all())
        context["office_count"] = db.session.scalar(
            select(func.count()).select_from(Office).where(Office.is_active))
    return render_template(f"dashboard/{role.value}.html", **context)
