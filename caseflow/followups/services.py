"""Follow-up visits: scheduling from the arrival date, recording a visit with its RSS survey,
the due and overdue lists of the dashboards, and a case's score trend."""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from caseflow.accounts.models import Office, Role, User
from caseflow.cases.models import AFTER_ARRIVAL, Case, CaseEvent, EventKind
from caseflow.db import utcnow
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.followups import scoring
from caseflow.followups.models import (
    FollowUpSchedule,
    FollowUpVisit,
    RssAnswer,
    RssIndicator,
    RssOption,
    RssSurvey,
    RssVersion,
    VisitMode,
)

DEFAULT_MONTHS = "1,3,6,12"
MAX_TEXT = 5000
WEEK = 7


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day:
    31 January + 1 month is 28 (or 29) February."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def current_schedule() -> FollowUpSchedule | None:
    return db.session.scalar(select(FollowUpSchedule).order_by(
        FollowUpSchedule.version.desc()).limit(1))


def schedule_followups(case: Case, *, arrived_on: date) -> list[FollowUpVisit]:
    """Create the visits of the current schedule (default 1, 3, 6 and 12 months after
    arrival). Visits already scheduled for the case are kept as they are."""
    if case.visits:
        return list(case.visits)
    schedule = current_schedule()
    months = schedule.month_list if schedule else [int(m) for m in DEFAULT_MONTHS.split(",")]
    version = schedule.version if schedule else 0
    visits = [FollowUpVisit(sequence=n, months_after_arrival=m,
                            due_on=add_months(arrived_on, m), schedule_version=version)
              for n, m in enumerate(months, start=1)]
    case.visits.extend(visits)
    db.session.flush()
    return visits


# -- the RSS questionnaire -------------------------------------------------------------------
def current_rss_version() -> RssVersion | None:
    """The questionnaire new surveys are scored with: the highest version number."""
    return db.session.scalar(
        select(RssVersion).order_by(RssVersion.version.desc()).limit(1)
        .options(selectinload(RssVersion.indicators).selectinload(RssIndicator.options)))


# -- recording a visit -----------------------------------------------------------------------
def _is_partner_officer(case: Case, user: User) -> bool:
    return bool(user.is_active and user.role is Role.reintegration_officer
                and case.partner_id is not None and case.partner_id == user.office_id)


def can_record_visit(case: Case, user: User) -> bool:
    """Only a reintegration officer of the case's partner organisation records follow-up
    visits, and only while the household is back and the case open at a stage after arrival
    (not on hold, not closed)."""
    return _is_partner_officer(case, user) and case.status in AFTER_ARRIVAL


def _check_access(case: Case, user: User) -> None:
    if not _is_partner_officer(case, user):
        raise AccessDenied(_("Only a reintegration officer of the partner organisation "
                             "following this case can record its follow-up visits."))
    if case.status not in AFTER_ARRIVAL:
        raise AccessDenied(_("Follow-up visits are recorded once the arrival is confirmed, "
                             "while the case is open and not on hold."))


def _chosen_options(rss: RssVersion | None, answers: Mapping[int, int | None]
                    ) -> tuple[list[RssOption], dict[str, list[str]]]:
    """The options of `answers` ({indicator id: option id or None for "not answered"}),
    checked against the current questionnaire."""
    errors: dict[str, list[str]] = {}
    if rss is None:
        if any(option_id is not None for option_id in answers.values()):
            errors["answers"] = [_("No RSS questionnaire is set up; ask an administrator.")]
        return [], errors
    indicators = {i.id: i for i in rss.indicators}
    chosen: list[RssOption] = []
    for indicator_id, option_id in answers.items():
        indicator = indicators.get(indicator_id)
        key = f"answers.{indicator_id}"
        if indicator is None:
            errors[key] = [_("Question %(id)s is not part of the current RSS questionnaire "
                             "(version %(version)d).", id=indicator_id, version=rss.version)]
            continue
        if option_id is None:
            continue
        option = next((o for o in indicator.options if o.id == option_id), None)
        if option is None:
            errors[key] = [_("Answer %(id)s is not one of the answers to \u201c%(question)s\u201d.",
                             id=option_id, question=indicator.question)]
            continue
        chosen.append(option)
    return chosen, errors


def _visit_key(visit: FollowUpVisit, what: str) -> str:
    return f"follow-up {visit.sequence}: {what}"


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, VisitMode):
        return value.value
    return None if value is None else str(value)


def _check_visit_version(visit: FollowUpVisit, expected_version: int | None) -> None:
    if expected_version is None or expected_version == visit.version:
        return
    # Each recording of a visit moves its version on by one and writes one edit event on
    # the case: the events after the version this user saw are the recordings they missed.
    prefix = _visit_key(visit, "")
    events = [e for e in db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == visit.case_id, CaseEvent.kind == EventKind.edited)
        .order_by(CaseEvent.id)) if any(k.startswith(prefix) for k in e.data)]
    changes: list[dict[str, object]] = []
    for event in events[max(expected_version - 1, 0):]:
        who = event.by.full_name if event.by else "?"
        for name, (old, new) in event.data.items():
            if name.startswith(prefix):
                changes.append({"at": event.at.isoformat(), "by": who, "field": name,
                                "old": old, "new": new})
    raise StaleEdit(_("Someone else saved this visit after you opened it. Nothing of yours "
                      "was saved; look at their changes below, then make yours again."),
                    visit.version, changes)


def record_visit(visit: FollowUpVisit, *, by: User, done_on: date | None,
                 mode: VisitMode | None, notes: str | None = None,
                 next_steps: str | None = None,
                 answers: Mapping[int, int | None] | None = None,
                 expected_version: int | None = None,
                 today: date | None = None) -> FollowUpVisit:
    """Record (or correct) a follow-up visit and its RSS survey.

    `answers` maps RSS indicator ids of the current questionnaire to the chosen option id,
    or to None for "not answered". None leaves the visit's survey as it is; a mapping with no
    answer at all removes it. A survey answered in part is scored on what was answered.
    `expected_version` is the visit version the user saw (StaleEdit if someone saved since).
    Raises AccessDenied or ValidationFailed (fields: done_on, mode, notes, next_steps,
    answers, answers.<indicator id>) and saves nothing then. Flushes; the caller commits.
    """
    case = visit.case
    _check_access(case, by)
    _check_visit_version(visit, expected_version)
    today = today or date.today()
    errors: dict[str, list[str]] = {}
    if done_on is None:
        errors["done_on"] = [_("Enter the date of the visit.")]
    elif done_on > today:
        errors["done_on"] = [_("A visit cannot be recorded before it takes place.")]
    elif case.arrived_on and done_on < case.arrived_on:
        errors["done_on"] = [_("The visit cannot be before the arrival (%(day)s).",
                               day=case.arrived_on.isoformat())]
    if mode is None:
        errors["mode"] = [_("Choose how the visit took place.")]
    notes = (notes or "").strip() or None
    next_steps = (next_steps or "").strip() or None
    for name, text in (("notes", notes), ("next_steps", next_steps)):
        if text and len(text) > MAX_TEXT:
            errors[name] = [_("Write at most %(n)d characters.", n=MAX_TEXT)]
    rss = current_rss_version() if answers is not None else None
    chosen, answer_errors = _chosen_options(rss, answers) if answers is not None else ([], {})
    errors.update(answer_errors)
    if errors:
        raise ValidationFailed(errors)

    old_survey = visit.survey
    changes: dict[str, list[Any]] = {}
    new_values = {"done_on": done_on, "mode": mode, "notes": notes, "next_steps": next_steps}
    for name, value in new_values.items():
        if getattr(visit, name) != value:
            changes[_visit_key(visit, name)] = [_plain(getattr(visit, name)), _plain(value)]
    new_survey = None
    if answers is not None:
        old_answers = {(a.indicator_id, a.option_id) for a in old_survey.answers} \
            if old_survey else set()
        new_answers = {(o.indicator_id, o.id) for o in chosen}
        if old_answers != new_answers or (old_survey and rss and old_survey.version_id != rss.id):
            if chosen and rss is not None:
                scores = scoring.score_options(rss, chosen)
                new_survey = RssSurvey(
                    rss_version=rss, economic=scores.economic, social=scores.social,
                    psychosocial=scores.psychosocial, composite=scores.composite,
                    answered=scores.answered, total=scores.total,
                    answers=[RssAnswer(indicator_id=o.indicator_id, option_id=o.id)
                             for o in chosen])
            changes[_visit_key(visit, "RSS")] = [
                _survey_summary(old_survey), _survey_summary(new_survey)]
            if old_survey is not None:
                # Out before the new one comes in: one survey per visit.
                visit.survey = None
                _flush()
    if visit.officer_id != by.id:
        changes[_visit_key(visit, "officer")] = [
            visit.officer.full_name if visit.officer else None, by.full_name]
    if not changes:
        return visit

    visit.done_on, visit.mode = done_on, mode
    visit.notes, visit.next_steps = notes, next_steps
    visit.officer = by
    if new_survey is not None:
        visit.survey = new_survey
    flag_modified(visit, "notes")  # every recording moves the visit's version on
    case.updated_at = utcnow()  # and the case's, as any edit of the case does
    _flush()
    db.session.add(CaseEvent(case=case, kind=EventKind.edited, by=by, version=case.version,
                             data=changes))
    db.session.flush()
    return visit


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleEdit(_("Someone else saved this visit while you were saving it. Nothing "
                          "of yours was saved; reload the page and try again."), 0, []) from error


def _survey_summary(survey: RssSurvey | None) -> str | None:
    if survey is None:
        return None
    return f"{survey.composite} ({survey.answered}/{survey.total}, v{survey.rss_version.version})"


# -- due and overdue visits ------------------------------------------------------------------
@dataclass(frozen=True)
class DueVisit:
    """A visit on a dashboard list, with who is to make it."""

    visit: FollowUpVisit
    officers: list[User]  # the active reintegration officers of the case's partner
    last_officer: User | None  # who recorded the household's latest visit, if anyone
    days_late: int

    @property
    def case(self) -> Case:
        return self.visit.case


@dataclass(frozen=True)
class VisitList:
    """Visits not done yet, soonest due first (at most `limit` of them), with the counts of
    the whole list per partner organisation and per reintegration officer. A partner's
    officers share its visits: each officer counts all visits of their organisation."""

    items: list[DueVisit]
    total: int
    by_partner: list[tuple[Office, int]] = field(default_factory=list)
    by_officer: list[tuple[User, int]] = field(default_factory=list)


def _pending(user: User) -> ColumnElement[bool]:
    return and_(FollowUpVisit.done_on.is_(None), Case.visible_to(user),
                Case.status.in_(AFTER_ARRIVAL))


def _visit_list(user: User, today: date, when: ColumnElement[bool],
                limit: int | None) -> VisitList:
    condition = and_(_pending(user), when)
    query = (select(FollowUpVisit).join(FollowUpVisit.case).where(condition)
             .options(contains_eager(FollowUpVisit.case))
             .order_by(FollowUpVisit.due_on, Case.number, FollowUpVisit.sequence))
    if limit is not None:
        query = query.limit(limit)
    visits = list(db.session.scalars(query).unique())
    total = db.session.scalar(select(func.count(FollowUpVisit.id)).join(FollowUpVisit.case)
                              .where(condition)) or 0

    partner_counts = dict(db.session.execute(
        select(Case.partner_id, func.count(FollowUpVisit.id)).join(FollowUpVisit.case)
        .where(condition).group_by(Case.partner_id)).all())
    offices = {o.id: o for o in db.session.scalars(
        select(Office).where(Office.id.in_([k for k in partner_counts if k is not None])))}
    by_partner = sorted(((offices[k], n) for k, n in partner_counts.items() if k in offices),
                        key=lambda pair: pair[0].name)

    officer_of_partner = and_(User.office_id == Case.partner_id, User.is_active,
                              User.role == Role.reintegration_officer)
    officer_counts = dict(db.session.execute(
        select(User.id, func.count(FollowUpVisit.id)).select_from(FollowUpVisit)
        .join(FollowUpVisit.case).join(User, officer_of_partner)
        .where(condition).group_by(User.id)).all())
    users = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_(officer_counts)))}
    by_officer = sorted(((users[k], n) for k, n in officer_counts.items()),
                        key=lambda pair: (pair[0].office.name, pair[0].full_name))

    partner_ids = {v.case.partner_id for v in visits}
    officers: dict[int | None, list[User]] = {}
    for officer in db.session.scalars(select(User).where(
            User.office_id.in_([p for p in partner_ids if p is not None]), User.is_active,
            User.role == Role.reintegration_officer).order_by(User.full_name)):
        officers.setdefault(officer.office_id, []).append(officer)
    last = _last_officers([v.case_id for v in visits])
    items = [DueVisit(visit=v, officers=officers.get(v.case.partner_id, []),
                      last_officer=last.get(v.case_id),
                      days_late=max((today - v.due_on).days, 0)) for v in visits]
    return VisitList(items=items, total=total, by_partner=by_partner, by_officer=by_officer)


def _last_officers(case_ids: Sequence[int]) -> dict[int, User]:
    if not case_ids:
        return {}
    rows = db.session.execute(
        select(FollowUpVisit.case_id, User).join(User, User.id == FollowUpVisit.officer_id)
        .where(FollowUpVisit.case_id.in_(set(case_ids)), FollowUpVisit.done_on.is_not(None))
        .order_by(FollowUpVisit.done_on, FollowUpVisit.sequence)).all()
    return dict(rows)  # the latest visit wins


def due_visits(user: User, today: date, *, limit: int | None = None) -> VisitList:
    """Visits not done whose due date falls this week (today to today + 6 days), on cases
    the user may see that are open at a stage after arrival."""
    return _visit_list(user, today, FollowUpVisit.due_on.between(
        today, today + timedelta(days=WEEK - 1)), limit)


def overdue_visits(user: User, today: date, *, limit: int | None = None) -> VisitList:
    """Visits not done whose due date has passed, on cases the user may see that are open at a
    stage after arrival."""
    return _visit_list(user, today, FollowUpVisit.due_on < today, limit)


def workload(due: VisitList, overdue: VisitList) -> dict[str, list[tuple[Any, int, int]]]:
    """Due-this-week and overdue counts side by side: {"partners": [(office, due, overdue)],
    "officers": [(user, due, overdue)]}."""
    def merge(a: list[tuple[Any, int]], b: list[tuple[Any, int]],
              key: Any) -> list[tuple[Any, int, int]]:
        rows: dict[int, list[Any]] = {}
        for entity, n in a:
            rows.setdefault(entity.id, [entity, 0, 0])[1] = n
        for entity, n in b:
            rows.setdefault(entity.id, [entity, 0, 0])[2] = n
        return sorted(((e, d, o) for e, d, o in rows.values()), key=lambda r: key(r[0]))

    return {"partners": merge(due.by_partner, overdue.by_partner, lambda o: o.name),
            "officers": merge(due.by_officer, overdue.by_officer,
                              lambda u: (u.office.name, u.full_name))}


# -- trend -----------------------------------------------------------------------------------
class TrendPoint(NamedTuple):
    visit: FollowUpVisit
    scores: scoring.Scores


def trend(case: Case) -> list[TrendPoint]:
    """The scores of the case's done visits that have a survey, in the order of the visits."""
    visits = db.session.scalars(
        select(FollowUpVisit).where(FollowUpVisit.case_id == case.id,
                                    FollowUpVisit.done_on.is_not(None))
        .options(selectinload(FollowUpVisit.survey).selectinload(RssSurvey.rss_version))
        .order_by(FollowUpVisit.done_on, FollowUpVisit.sequence))
    return [TrendPoint(v, scoring.stored_scores(v.survey)) for v in visits
            if v.survey is not None]


def previous_scores(visit: FollowUpVisit) -> TrendPoint | None:
    """The scored visit of the same case just before this one, to compare with."""
    points = trend(visit.case)
    position = next((i for i, p in enumerate(points) if p.visit.id == visit.id), None)
    if position is None:
        earlier = [p for p in points if visit.done_on and p.visit.done_on
                   and (p.visit.done_on, p.visit.sequence) < (visit.done_on, visit.sequence)]
        return earlier[-1] if earlier else None
    return points[position - 1] if position > 0 else None
