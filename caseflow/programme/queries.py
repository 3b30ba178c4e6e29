"""The aggregates of a programme report, computed in the database.

Every function takes the conditions that select the cases in scope (who asks, and the
filters: see report.case_scope) and returns plain numbers; none loads a case.

Percentiles (medians and 90th percentiles of stage durations and of days to complete a
service): the database computes each duration (the stays themselves with a window function,
LEAD over the case's events) and hands back only the column of numbers with its group, which
we keep in compact float arrays (8 bytes a value: 5 MB for the 650,000 stays of 100,000
cases), sort and interpolate as PostgreSQL's percentile_cont does. We chose this over
percentile_cont, which SQLite lacks, so one code path runs on both databases; and over ranking
in SQL (row_number() and count() over each group, keeping the rows around the wanted ranks),
which is portable too but measured three times slower on SQLite for 100,000 cases, where the
second sort of every duration dominated.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    String,
    and_,
    cast,
    func,
    or_,
    select,
    type_coerce,
)

from caseflow.assistance.models import ServiceRequest, ServiceStatus
from caseflow.cases.models import AFTER_ARRIVAL, Case, CaseEvent, CaseStatus, EventKind
from caseflow.db import UTCDateTime
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, RssSurvey
from caseflow.followups.services import WEEK
from caseflow.reintegration.models import LineStatus, PlanLine, ReintegrationPlan, SupportKind

Conditions = Sequence[ColumnElement[bool]]
# (numerator, denominator) of the percentiles reported: the median and the 90th.
MEDIAN = (1, 2)
P90 = (9, 10)
BATCH = 20_000  # rows fetched at a time when streaming durations


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (UTC midnight after its last day)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    def months(self) -> list[str]:
        """Every month the period touches, as "YYYY-MM"."""
        year, month = self.start.year, self.start.month
        out = []
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _month_of(day: Any) -> ColumnElement[str]:
    if _dialect() == "postgresql":
        return func.to_char(day, "YYYY-MM")
    return func.substr(day, 1, 7)  # SQLite keeps dates as "YYYY-MM-DD" text


def _days_between(later: Any, earlier: Any, *, timestamps: bool) -> ColumnElement[float]:
    if _dialect() == "postgresql":
        if timestamps:
            return cast(func.extract("epoch", later - earlier) / 86400, Float)
        return cast(later - earlier, Float)  # date - date is a number of days
    return func.julianday(later) - func.julianday(earlier)


def _in_period(column: Any, period: Period) -> ColumnElement[bool]:
    return column.between(period.start, period.end)


# -- percentiles -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Spread:
    """How many values a group has, their median and their 90th percentile."""

    count: int
    median: float | None
    p90: float | None


def percentile(ordered: Sequence[float], fraction: tuple[int, int]) -> float | None:
    """The percentile `fraction` (a, b meaning a/b) of sorted values, interpolated linearly
    between the two nearest ranks (percentile_cont); None without values."""
    if not ordered:
        return None
    a, b = fraction
    low, part = divmod(a * (len(ordered) - 1), b)
    below = ordered[low]
    if part == 0:
        return below
    return below + (ordered[low + 1] - below) * part / b


def spreads(values: Select[Any], *, total: Any = None) -> dict[Any, Spread]:
    """Median and 90th percentile of the second column of `values` per its first column;
    with `total`, also of all values together under that key."""
    groups: dict[Any, array[float]] = {}
    every = array("d")
    # Core on the session's connection: the ORM's per-row work cost 20 s for 650,000 rows.
    # Options on the statement: on the connection they would stay for the whole session.
    result = db.session.connection().execute(values.execution_options(
        stream_results=True, max_row_buffer=BATCH))
    for rows in result.partitions(BATCH):
        for group, value in rows:
            groups.setdefault(group, array("d")).append(value)
        if total is not None:
            every.extend(value for _group, value in rows)
    if total is not None:
        groups[total] = every
    out = {}
    for group, numbers in groups.items():
        ordered = sorted(numbers)
        out[group] = Spread(len(ordered), percentile(ordered, MEDIAN), percentile(ordered, P90))
    return out


# -- cases -----------------------------------------------------------------------------------
def cases_by_stage(scope: Conditions, period: Period | None = None) -> dict[CaseStatus, int]:
    """Cases per current stage. With a period: the cases open at some time in it (registered
    by its last day and not closed before its first)."""
    conditions = list(scope)
    if period is not None:
        conditions += [Case.registered_at < period.end_at,
                       or_(Case.closed_at.is_(None), Case.closed_at >= period.start_at)]
    rows = db.session.execute(select(Case.status, func.count()).where(*conditions)
                              .group_by(Case.status))
    return {CaseStatus(status): count for status, count in rows}


def returns_by_country_month(scope: Conditions, period: Period) -> list[tuple[str, str, int]]:
    """(country, "YYYY-MM", departures) for the departures (departed_on) in the period."""
    month = _month_of(Case.departed_on).label("month")
    rows = db.session.execute(
        select(Case.country_of_return, month, func.count())
        .where(*scope, _in_period(Case.departed_on, period))
        .group_by(Case.country_of_return, month).order_by(month, Case.country_of_return))
    return [(country, str(m), count) for country, m, count in rows]


def stage_durations(scope: Conditions, period: Period) -> dict[CaseStatus, Spread]:
    """Days spent in each stage, for the stays that ended in the period.

    A stay starts with the event that enters the stage (the case's creation, or a transition
    to it) and ends with the case's next transition. Stays still going on are left out: their
    length is not known yet. Events after the period are not read at all, which also keeps
    the window small for old periods."""
    entering = or_(CaseEvent.kind == EventKind.transition, CaseEvent.kind == EventKind.created)
    left_at = func.lead(CaseEvent.at, type_=UTCDateTime()).over(
        partition_by=CaseEvent.case_id, order_by=(CaseEvent.at, CaseEvent.id))
    # The stage as plain text: no enum conversion for each of the many rows.
    stays = (select(type_coerce(CaseEvent.to_status, String).label("stage"),
                    CaseEvent.at.label("entered_at"),
                    left_at.label("left_at"))
             .join(Case, Case.id == CaseEvent.case_id)
             .where(*scope, entering, CaseEvent.at < period.end_at)).subquery()
    durations = (select(stays.c.stage, _days_between(stays.c.left_at, stays.c.entered_at,
                                                      timestamps=True))
                 .where(stays.c.left_at >= period.start_at, stays.c.left_at < period.end_at))
    return {CaseStatus(stage): spread for stage, spread in spreads(durations).items()}


# -- administrative assistance ---------------------------------------------------------------
def services_by_type_status(scope: Conditions, period: Period
                            ) -> list[tuple[int, ServiceStatus, int]]:
    """(service type id, status, requests) for the services requested in the period."""
    rows = db.session.execute(
        select(ServiceRequest.service_type_id, ServiceRequest.status, func.count())
        .join(Case, Case.id == ServiceRequest.case_id)
        .where(*scope, _in_period(ServiceRequest.requested_on, period))
        .group_by(ServiceRequest.service_type_id, ServiceRequest.status))
    return [(type_id, ServiceStatus(status), count) for type_id, status, count in rows]


ALL_SERVICES = "all"


def service_completion_days(scope: Conditions, period: Period) -> dict[int | str, Spread]:
    """Days from request to completion per service type (and for all types together, under
    ALL_SERVICES), for the services requested in the period and completed."""
    values = (select(ServiceRequest.service_type_id,
                     _days_between(ServiceRequest.completed_on, ServiceRequest.requested_on,
                                   timestamps=False))
              .join(Case, Case.id == ServiceRequest.case_id)
              .where(*scope, _in_period(ServiceRequest.requested_on, period),
                     ServiceRequest.status == ServiceStatus.completed))
    return spreads(values, total=ALL_SERVICES)


# -- budget ----------------------------------------------------------------------------------
def budget_by_kind(scope: Conditions, period: Period
                   ) -> dict[SupportKind, tuple[Decimal, Decimal]]:
    """(committed, delivered) per kind of support. Committed: the lines not cancelled of the
    plans approved in the period (approval is when money is promised); delivered: the lines
    delivered in the period."""
    committed = dict(db.session.execute(
        select(PlanLine.kind, func.sum(PlanLine.amount))
        .join(ReintegrationPlan, ReintegrationPlan.id == PlanLine.plan_id)
        .join(Case, Case.id == ReintegrationPlan.case_id)
        .where(*scope, _in_period(ReintegrationPlan.approved_on, period),
               PlanLine.status != LineStatus.cancelled)
        .group_by(PlanLine.kind)).all())
    delivered = dict(db.session.execute(
        select(PlanLine.kind, func.sum(PlanLine.amount))
        .join(ReintegrationPlan, ReintegrationPlan.id == PlanLine.plan_id)
        .join(Case, Case.id == ReintegrationPlan.case_id)
        .where(*scope, _in_period(PlanLine.delivered_on, period),
               PlanLine.status == LineStatus.delivered)
        .group_by(PlanLine.kind)).all())
    return {SupportKind(kind): (_money(committed.get(kind)), _money(delivered.get(kind)))
            for kind in {*committed, *delivered}}


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# -- follow-ups ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FollowUpCounts:
    done: int  # visits done in the period
    due: int  # not done, due this week (today to today + 6 days), as on the dashboards
    overdue: int  # not done, due before today, as on the dashboards


def followup_counts(scope: Conditions, period: Period, today: date) -> FollowUpCounts:
    """Visits done in the period, and the visits due this week and overdue today by the
    definitions of followups.services (due_visits, overdue_visits): not done, on a case
    open at a stage after arrival."""
    pending = and_(FollowUpVisit.done_on.is_(None), Case.status.in_(AFTER_ARRIVAL))
    due = and_(pending, FollowUpVisit.due_on.between(today, today + timedelta(days=WEEK - 1)))
    overdue = and_(pending, FollowUpVisit.due_on < today)
    done = _in_period(FollowUpVisit.done_on, period)
    row = db.session.execute(
        select(func.count().filter(done), func.count().filter(due),
               func.count().filter(overdue))
        .select_from(FollowUpVisit).join(Case, Case.id == FollowUpVisit.case_id)
        .where(*scope, or_(done, due, overdue))).one()
    return FollowUpCounts(done=row[0] or 0, due=row[1] or 0, overdue=row[2] or 0)


# -- RSS -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RssAverages:
    surveys: int
    economic: float | None
    social: float | None
    psychosocial: float | None
    composite: float | None


def rss_averages(scope: Conditions, period: Period) -> RssAverages:
    """Mean scores of the surveys of the visits done in the period (a dimension nobody
    answered in a survey does not count for that dimension)."""
    row = db.session.execute(
        select(func.count(RssSurvey.id), func.avg(RssSurvey.economic),
               func.avg(RssSurvey.social), func.avg(RssSurvey.psychosocial),
               func.avg(RssSurvey.composite))
        .join(FollowUpVisit, FollowUpVisit.id == RssSurvey.visit_id)
        .join(Case, Case.id == FollowUpVisit.case_id)
        .where(*scope, _in_period(FollowUpVisit.done_on, period))).one()

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return RssAverages(surveys=row[0] or 0, economic=number(row[1]), social=number(row[2]),
                       psychosocial=number(row[3]), composite=number(row[4]))
