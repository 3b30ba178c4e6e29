"""The aggregates of a programme report, computed in the database.

Every function takes the conditions that select the cases in scope (who asks, and the
filters: see report.case_scope) and returns plain numbers; none loads a case.

Percentiles (medians and 90th percentiles of stage durations and of days to complete a
service) are of whole days, so the database returns a histogram: one row per group and
number of days with how many stays (or services) took that long, a few thousand rows at most
however many cases there are. The percentile is then interpolated over the histogram exactly
as PostgreSQL's percentile_cont does over the values (SQLite has no percentile function, and
one code path serves both databases). Stage durations come from CaseEvent.stage_days, kept on
each transition, so no query pairs an event with the next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    cast,
    func,
    or_,
    select,
    type_coerce,
)

from caseflow.assistance.models import ServiceRequest, ServiceStatus
from caseflow.cases.models import AFTER_ARRIVAL, Case, CaseEvent, CaseStatus, EventKind
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, RssSurvey
from caseflow.followups.services import WEEK
from caseflow.reintegration.models import LineStatus, PlanLine, ReintegrationPlan, SupportKind

Conditions = Sequence[ColumnElement[bool]]
# (numerator, denominator) of the percentiles reported: the median and the 90th.
MEDIAN = (1, 2)
P90 = (9, 10)


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


def _days_between(later: Any, earlier: Any) -> ColumnElement[int]:
    """Days between two dates."""
    if _dialect() == "postgresql":
        return later - earlier  # date - date is a number of days
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _scoped(query: Select[Any], case_id: Any, scope: Conditions) -> Select[Any]:
    """`query` limited to the cases in scope. The whole programme (an admin without filters)
    needs no join with cases at all: that join was half the time of the biggest queries."""
    if not scope:
        return query
    return query.join(Case, Case.id == case_id).where(*scope)


def _in_period(column: Any, period: Period) -> ColumnElement[bool]:
    return column.between(period.start, period.end)


# -- percentiles -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Spread:
    """How many values a group has, their median and their 90th percentile."""

    count: int
    median: float | None
    p90: float | None


def percentile(histogram: Sequence[tuple[float, int]], fraction: tuple[int, int]
               ) -> float | None:
    """The percentile `fraction` (a, b meaning a/b) of the values a histogram (value, count),
    sorted by value, stands for: interpolated linearly between the two nearest ranks, as
    percentile_cont; None without values."""
    total = sum(count for _value, count in histogram)
    if total == 0:
        return None
    a, b = fraction
    low, part = divmod(a * (total - 1), b)

    def value_at(rank: int) -> float:
        seen = 0
        for value, count in histogram:
            seen += count
            if rank < seen:
                return value
        return histogram[-1][0]

    below = value_at(low)
    if part == 0:
        return below
    return below + (value_at(low + 1) - below) * part / b


def spreads(histogram: Select[Any], *, total: Any = None) -> dict[Any, Spread]:
    """Median and 90th percentile per group from rows (group, value, count); with `total`,
    also of all groups together under that key."""
    groups: dict[Any, dict[float, int]] = {}
    for group, value, count in db.session.execute(histogram):
        bins = groups.setdefault(group, {})
        bins[float(value)] = bins.get(float(value), 0) + count
    if total is not None:
        every: dict[float, int] = {}
        for bins in list(groups.values()):
            for value, count in bins.items():
                every[value] = every.get(value, 0) + count
        groups[total] = every
    out = {}
    for group, bins in groups.items():
        ordered = sorted(bins.items())
        out[group] = Spread(sum(bins.values()), percentile(ordered, MEDIAN),
                            percentile(ordered, P90))
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
    """Days spent in each stage, for the stays that ended in the period (by a transition in
    it). Stays still going on are left out: their length is not known yet."""
    histogram = (_scoped(select(type_coerce(CaseEvent.from_status, String),
                                CaseEvent.stage_days, func.count()), CaseEvent.case_id, scope)
                 .where(CaseEvent.kind == EventKind.transition,
                        CaseEvent.at >= period.start_at, CaseEvent.at < period.end_at)
                 .group_by(CaseEvent.from_status, CaseEvent.stage_days))
    return {CaseStatus(stage): spread for stage, spread in spreads(histogram).items()}


# -- administrative assistance ---------------------------------------------------------------
def services_by_type_status(scope: Conditions, period: Period
                            ) -> list[tuple[int, ServiceStatus, int]]:
    """(service type id, status, requests) for the services requested in the period."""
    rows = db.session.execute(
        _scoped(select(ServiceRequest.service_type_id, ServiceRequest.status, func.count()),
                ServiceRequest.case_id, scope)
        .where(_in_period(ServiceRequest.requested_on, period))
        .group_by(ServiceRequest.service_type_id, ServiceRequest.status))
    return [(type_id, ServiceStatus(status), count) for type_id, status, count in rows]


ALL_SERVICES = "all"


def service_completion_days(scope: Conditions, period: Period) -> dict[int | str, Spread]:
    """Days from request to completion per service type (and for all types together, under
    ALL_SERVICES), for the services requested in the period and completed."""
    days = _days_between(ServiceRequest.completed_on, ServiceRequest.requested_on)
    histogram = (_scoped(select(ServiceRequest.service_type_id, days, func.count()),
                         ServiceRequest.case_id, scope)
                 .where(_in_period(ServiceRequest.requested_on, period),
                        ServiceRequest.status == ServiceStatus.completed)
                 .group_by(ServiceRequest.service_type_id, days))
    return spreads(histogram, total=ALL_SERVICES)


# -- budget ----------------------------------------------------------------------------------
def budget_by_kind(scope: Conditions, period: Period
                   ) -> dict[SupportKind, tuple[Decimal, Decimal]]:
    """(committed, delivered) per kind of support. Committed: the lines not cancelled of the
    plans approved in the period (approval is when money is promised); delivered: the lines
    delivered in the period."""
    committed = dict(db.session.execute(
        _scoped(select(PlanLine.kind, func.sum(PlanLine.amount))
                .join(ReintegrationPlan, ReintegrationPlan.id == PlanLine.plan_id),
                ReintegrationPlan.case_id, scope)
        .where(_in_period(ReintegrationPlan.approved_on, period),
               PlanLine.status != LineStatus.cancelled)
        .group_by(PlanLine.kind)).all())
    delivered = dict(db.session.execute(
        _scoped(select(PlanLine.kind, func.sum(PlanLine.amount))
                .join(ReintegrationPlan, ReintegrationPlan.id == PlanLine.plan_id),
                ReintegrationPlan.case_id, scope)
        .where(_in_period(PlanLine.delivered_on, period),
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
    done = db.session.scalar(
        _scoped(select(func.count()).select_from(FollowUpVisit), FollowUpVisit.case_id, scope)
        .where(_in_period(FollowUpVisit.done_on, period)))
    # Two queries rather than one with OR: each is a range on the (done_on, due_on) index.
    due_soon = FollowUpVisit.due_on.between(today, today + timedelta(days=WEEK - 1))
    pending = (select(func.count().filter(due_soon),
                      func.count().filter(FollowUpVisit.due_on < today))
               .select_from(FollowUpVisit).join(Case, Case.id == FollowUpVisit.case_id)
               .where(*scope, FollowUpVisit.done_on.is_(None),
                      FollowUpVisit.due_on < today + timedelta(days=WEEK),
                      Case.status.in_(AFTER_ARRIVAL)))
    due, overdue = db.session.execute(pending).one()
    return FollowUpCounts(done=done or 0, due=due or 0, overdue=overdue or 0)


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
        _scoped(select(func.count(RssSurvey.id), func.avg(RssSurvey.economic),
                       func.avg(RssSurvey.social), func.avg(RssSurvey.psychosocial),
                       func.avg(RssSurvey.composite))
                .join(FollowUpVisit, FollowUpVisit.id == RssSurvey.visit_id),
                FollowUpVisit.case_id, scope)
        .where(_in_period(FollowUpVisit.done_on, period))).one()

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return RssAverages(surveys=row[0] or 0, economic=number(row[1]), social=number(row[2]),
                       psychosocial=number(row[3]), composite=number(row[4]))
