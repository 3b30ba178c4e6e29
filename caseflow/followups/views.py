"""Follow-up pages: record a visit with its RSS survey, the visit report, the case page's
follow-up section (a template global) and the admin's view of the RSS versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from caseflow.accounts.models import User
from caseflow.cases.models import AFTER_ARRIVAL, Case
from caseflow.cases.views import load_case
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.followups import forms, services
from caseflow.followups.models import (
    Dimension,
    FollowUpVisit,
    RssAnswer,
    RssIndicator,
    RssSurvey,
    RssVersion,
)
from caseflow.followups.scoring import Scores, stored_scores
from caseflow.web import permission_required, show_errors

bp = Blueprint("followups", __name__)

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 140, 24


def _get_visit(case: Case, visit_id: int) -> FollowUpVisit:
    visit = db.session.scalar(select(FollowUpVisit).where(
        FollowUpVisit.id == visit_id, FollowUpVisit.case_id == case.id).options(
        selectinload(FollowUpVisit.survey).selectinload(RssSurvey.answers)
        .joinedload(RssAnswer.option)))
    if visit is None:
        abort(404)
    return visit


def _version(form: forms.VisitForm) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def _show_answer_errors(form: forms.VisitForm, error: ValidationFailed) -> None:
    """The service names answers "answers.<indicator id>": put them on the radio group."""
    rest: dict[str, list[str]] = {}
    for key, messages in error.errors.items():
        name = "q" + key.removeprefix("answers.")
        if key.startswith("answers.") and name in form:
            form[name].errors = [*form[name].errors, *messages]
        else:
            rest[key] = messages
    show_errors(form, ValidationFailed(rest))


@bp.route("/cases/<number>/visits/<int:visit_id>/record", methods=["GET", "POST"])
@login_required
def record(number: str, visit_id: int) -> str | Response | tuple[str, int]:
    case = load_case(number)
    visit = _get_visit(case, visit_id)
    if not services.can_record_visit(case, current_user):
        raise AccessDenied()
    rss = services.current_rss_version()
    form = forms.visit_form(rss)
    if request.method == "GET":
        form.fill_from(visit)
    stale = None
    if form.validate_on_submit():
        try:
            services.record_visit(
                visit, by=current_user, done_on=form.done_on.data, mode=form.mode_value(),
                notes=form.notes.data, next_steps=form.next_steps.data,
                answers=form.answers(), expected_version=_version(form))
        except StaleEdit as error:
            db.session.rollback()
            stale = error
            form.version.data = str(visit.version)
        except ValidationFailed as error:
            db.session.rollback()
            _show_answer_errors(form, error)
        else:
            db.session.commit()
            flash(_("Follow-up visit %(n)d of case %(number)s recorded.", n=visit.sequence,
                    number=case.number), "success")
            return redirect(url_for("cases.show", number=case.number, _anchor="followups"))
    older_survey = visit.survey is not None and rss is not None \
        and visit.survey.version_id != rss.id
    return render_template("followups/record.html", case=case, visit=visit, form=form,
                           rss=rss, stale=stale, older_survey=older_survey), \
        409 if stale else 200


@bp.route("/cases/<number>/visits/<int:visit_id>")
@login_required
def report(number: str, visit_id: int) -> str:
    case = load_case(number)
    visit = _get_visit(case, visit_id)
    if visit.done_on is None:
        abort(404)
    scores = stored_scores(visit.survey) if visit.survey else None
    previous = services.previous_scores(visit)
    answers: list[tuple[Dimension, list[tuple[RssIndicator, str | None]]]] = []
    if visit.survey is not None:
        chosen = {a.indicator_id: a.option.label for a in visit.survey.answers}
        indicators = visit.survey.rss_version.indicators
        answers = [(d, [(i, chosen.get(i.id)) for i in indicators if i.dimension is d])
                   for d in Dimension]
    return render_template("followups/report.html", case=case, visit=visit, scores=scores,
                           previous=previous, answers=answers, dimensions=list(Dimension),
                           can_record=services.can_record_visit(case, current_user))


@bp.route("/admin/rss")
@permission_required(User.can_administer)
def rss_versions() -> str:
    versions = db.session.scalars(select(RssVersion).order_by(RssVersion.version.desc())
                                  .options(selectinload(RssVersion.indicators)
                                           .selectinload(RssIndicator.options))).all()
    current = versions[0] if versions else None
    return render_template("followups/rss_versions.html", versions=versions, current=current,
                           dimensions=list(Dimension))


# -- for templates ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    score: Decimal


@dataclass(frozen=True)
class FollowUpSection:
    """What the case page's follow-up section shows."""

    visits: list[FollowUpVisit]
    trend: list[services.TrendPoint]
    chart: list[ChartPoint]
    overdue: set[int]
    can_record: bool
    today: date

    def scores(self, visit: FollowUpVisit) -> Scores | None:
        return stored_scores(visit.survey) if visit.survey else None

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.chart)


def _chart(points: list[services.TrendPoint]) -> list[ChartPoint]:
    scored = [p for p in points if p.scores.composite is not None]
    if not scored:
        return []
    inner_w = CHART_WIDTH - 2 * CHART_PAD
    inner_h = CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / (len(scored) - 1) if len(scored) > 1 else 0
    chart = []
    for n, point in enumerate(scored):
        composite = point.scores.composite or Decimal(0)
        x = CHART_PAD + (n * step if len(scored) > 1 else inner_w / 2)
        y = CHART_PAD + float(1 - composite) * inner_h
        chart.append(ChartPoint(x=x, y=y, label=_("Visit %(n)d", n=point.visit.sequence),
                                score=composite))
    return chart


@bp.app_template_global()
def followup_section(case: Case) -> FollowUpSection:
    """Visits, overdue marks, the score trend and whether the user may record visits."""
    today = date.today()
    visits = list(db.session.scalars(
        select(FollowUpVisit).where(FollowUpVisit.case_id == case.id)
        .options(selectinload(FollowUpVisit.survey), selectinload(FollowUpVisit.officer))
        .order_by(FollowUpVisit.sequence)))
    points = services.trend(case)
    overdue = {v.id for v in visits if v.done_on is None and v.due_on < today
               and case.status in AFTER_ARRIVAL}
    return FollowUpSection(visits=visits, trend=points, chart=_chart(points), overdue=overdue,
                           can_record=services.can_record_visit(case, current_user),
                           today=today)


@bp.app_template_filter("rss_score")
def rss_score(value: Decimal | None) -> str:
    """A score between 0 and 1 with two decimals, in the user's locale; a dash when none."""
    if value is None:
        return "\u2014"
    return format_decimal(value, format="0.00")


@bp.app_template_filter("score_change")
def score_change(value: Decimal | None, before: Decimal | None) -> str:
    """The change since the previous visit, signed (+0.12, \u22120.05), or a dash."""
    if value is None or before is None:
        return "\u2014"
    change = value - before
    text = format_decimal(abs(change), format="0.00")
    if change > 0:
        return "+" + text
    return "\u2212" + text if change < 0 else "\u00b1" + text


@bp.app_template_filter("rss_weight")
def rss_weight(value: Decimal | None) -> str:
    """A weight or an answer score as entered: 1, 0.5, 0.6667."""
    if value is None:
        return "\u2014"
    return format_decimal(value, format="0.####")
