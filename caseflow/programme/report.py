"""Who may see a programme report, for which cases, and the report itself as plain values.

Access: managers and admins. An admin sees the whole programme and may filter on any office
and partner. A manager oversees their own office: the report covers the cases they may see
(Case.visible_to: a sending office's cases, or for a partner organisation's manager the cases
referred to it), never more. Within that scope a manager of a sending office filters on any
partner but only on their own office; a manager of a partner organisation on any sending
office but only on their own organisation. restrict_filters() applies this, and fills in the
manager's own office so the printed filters say what the figures cover. Caseworkers and
reintegration officers get no programme report (403).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select

from caseflow.accounts.models import COUNTRIES, Office, OfficeKind, Role, User
from caseflow.assistance.models import SERVICE_STATUS_LABELS, ServiceStatus, ServiceType
from caseflow.cases.models import RETURN_COUNTRIES, STATUS_LABELS, Case, CaseStatus
from caseflow.charts import Chart, ImageFormat, bar_chart
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.followups.models import DIMENSION_LABELS, Dimension
from caseflow.programme import queries
from caseflow.programme.queries import FollowUpCounts, Period, RssAverages
from caseflow.reintegration.models import SUPPORT_LABELS, SupportKind

MAX_PERIOD_DAYS = 5 * 366
STATUS_ORDER = list(CaseStatus)
Progress = Callable[[int, int, str], None]


# -- filters and access ----------------------------------------------------------------------
@dataclass(frozen=True)
class ReportFilters:
    date_from: date
    date_to: date
    country: str | None = None
    partner_id: int | None = None
    office_id: int | None = None

    @property
    def period(self) -> Period:
        return Period(self.date_from, self.date_to)

    def to_params(self) -> dict[str, Any]:
        """The filters as JSON values (a job's parameters)."""
        return {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
                "country": self.country, "partner_id": self.partner_id,
                "office_id": self.office_id}

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ReportFilters:
        """Filters from JSON values, checked: ValidationFailed on anything malformed."""
        errors: dict[str, list[str]] = {}

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(str(params.get(name) or ""))
            except ValueError:
                errors.setdefault(name, []).append(_("Enter a date as YYYY-MM-DD."))
                return None

        def identifier(name: str) -> int | None:
            value = params.get(name)
            if value in (None, ""):
                return None
            if isinstance(value, bool) or not str(value).isdigit():
                errors.setdefault(name, []).append(_("Not a valid choice."))
                return None
            return int(value)

        start, end = day("date_from"), day("date_to")
        country = params.get("country") or None
        if country is not None and country not in RETURN_COUNTRIES:
            errors.setdefault("country", []).append(_("Not a valid choice."))
        partner_id, office_id = identifier("partner_id"), identifier("office_id")
        if start and end:
            if start > end:
                errors.setdefault("date_to", []).append(
                    _("The end of the period is before its start."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                errors.setdefault("date_to", []).append(
                    _("A report covers at most five years."))
        if errors or start is None or end is None:
            raise ValidationFailed(errors)
        return cls(start, end, country, partner_id, office_id)


def can_view_programme_report(user: Any) -> bool:
    """Managers (for the cases they oversee) and admins (the whole programme)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and user.role in (Role.manager, Role.admin))


def filter_offices(user: User, kind: OfficeKind) -> list[Office]:
    """The offices of `kind` the user may filter on (see the module's docstring)."""
    if not can_view_programme_report(user):
        return []
    if user.role is Role.manager and user.office.kind is kind:
        return [user.office]
    return list(db.session.scalars(select(Office).where(Office.kind == kind)
                                   .order_by(Office.name)))


def restrict_filters(filters: ReportFilters, user: User) -> ReportFilters:
    """The filters as this user may run them: AccessDenied for an office or partner outside
    their remit; a manager's own office (or organisation) filled in when left open."""
    if not can_view_programme_report(user):
        raise AccessDenied()
    offices = {o.id for o in filter_offices(user, OfficeKind.sending)}
    partners = {o.id for o in filter_offices(user, OfficeKind.partner)}
    if filters.office_id is not None and filters.office_id not in offices:
        raise AccessDenied()
    if filters.partner_id is not None and filters.partner_id not in partners:
        raise AccessDenied()
    if user.role is Role.manager:
        own = {"office_id" if user.office.kind is OfficeKind.sending else "partner_id":
               user.office_id}
        return ReportFilters(**{**filters.__dict__, **own})
    return filters


def user_scope(user: User) -> list[ColumnElement[bool]]:
    """The cases a user's programme figures cover: all for an admin, what they may see for a
    manager (the dashboard uses this too)."""
    if user.role is Role.admin and user.is_active:
        return []
    return [Case.visible_to(user)]


def case_scope(filters: ReportFilters, user: User) -> list[ColumnElement[bool]]:
    conditions = user_scope(user)
    if filters.country:
        conditions.append(Case.country_of_return == filters.country)
    if filters.partner_id is not None:
        conditions.append(Case.partner_id == filters.partner_id)
    if filters.office_id is not None:
        conditions.append(Case.office_id == filters.office_id)
    return conditions


# -- the report ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class ReturnRow:
    country: str
    label: str
    month: str
    count: int


@dataclass(frozen=True)
class DurationRow:
    key: str
    label: str
    stays: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class ServiceRow:
    key: str
    label: str
    counts: dict[str, int]  # per ServiceStatus value
    total: int
    completion_rate: float | None  # completed / requested, 0 to 1
    median_days: float | None  # request to completion
    p90_days: float | None


@dataclass(frozen=True)
class BudgetRow:
    key: str
    label: str
    committed: Decimal
    delivered: Decimal


@dataclass(frozen=True)
class ProgrammeReport:
    filters: ReportFilters
    filter_labels: list[tuple[str, str]]  # what the report covers, in words
    generated_at: datetime
    generated_by: str
    today: date
    cases_by_stage: list[CountRow]
    months: list[str]
    month_labels: list[str]
    countries: list[tuple[str, str]]
    returns: list[ReturnRow]
    stage_durations: list[DurationRow]
    services: list[ServiceRow]
    services_total: ServiceRow
    budget: list[BudgetRow]
    budget_total: BudgetRow
    followups: FollowUpCounts
    rss: RssAverages
    mentions_kosovo: bool = False
    statuses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def cases_total(self) -> int:
        return sum(row.count for row in self.cases_by_stage)

    @property
    def returns_total(self) -> int:
        return sum(row.count for row in self.returns)

    def returns_per_month(self, country: str | None = None) -> list[int]:
        per = {m: 0 for m in self.months}
        for row in self.returns:
            if country is None or row.country == country:
                per[row.month] += row.count
        return [per[m] for m in self.months]

    def returns_table(self) -> list[tuple[str, list[int], int]]:
        """(month label, departures per country in `countries` order, total) per month."""
        columns = [self.returns_per_month(code) for code, _label in self.countries]
        totals = self.returns_per_month()
        return [(label, [column[i] for column in columns], totals[i])
                for i, label in enumerate(self.month_labels)]

    def rss_rows(self) -> list[tuple[str, str, float | None]]:
        values = {Dimension.economic: self.rss.economic, Dimension.social: self.rss.social,
                  Dimension.psychosocial: self.rss.psychosocial}
        rows = [(d.value, str(DIMENSION_LABELS[d]), values[d]) for d in Dimension]
        return [*rows, ("composite", _("Overall"), self.rss.composite)]


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return format_date(date(int(year), int(number), 1), "MMM y")


def _service_names(ids: set[int]) -> dict[int, str]:
    language = str(get_locale() or "en")[:2]
    return {t.id: t.name(language) for t in db.session.scalars(
        select(ServiceType).where(ServiceType.id.in_(ids)))} if ids else {}


def _service_row(key: str, label: str, counts: dict[str, int],
                 spread: queries.Spread | None) -> ServiceRow:
    total = sum(counts.values())
    completed = counts.get(ServiceStatus.completed.value, 0)
    return ServiceRow(key=key, label=label, counts=counts, total=total,
                      completion_rate=completed / total if total else None,
                      median_days=spread.median if spread else None,
                      p90_days=spread.p90 if spread else None)


def _describe(filters: ReportFilters) -> list[tuple[str, str]]:
    offices = {o.id: o.name for o in db.session.scalars(select(Office).where(
        Office.id.in_([i for i in (filters.office_id, filters.partner_id) if i])))}
    every = _("All")
    return [
        (_("Period"), _("%(start)s to %(end)s",
                        start=format_date(filters.date_from, "d MMM y"),
                        end=format_date(filters.date_to, "d MMM y"))),
        (_("Country of return"),
         str(COUNTRIES[filters.country]) if filters.country else every),
        (_("Partner organisation"), offices.get(filters.partner_id or 0, every)),
        (_("Sending office"), offices.get(filters.office_id or 0, every)),
    ]


def build_report(filters: ReportFilters, user: User, *, today: date | None = None,
                 progress: Progress | None = None) -> ProgrammeReport:
    """Every figure of the programme report for `filters`, as `user` may see them.

    The filters must have been through restrict_filters(); each section is one or two
    aggregate queries (see queries.py)."""
    if not can_view_programme_report(user):
        raise AccessDenied()
    tell = progress or (lambda done, total, note: None)
    today = today or date.today()
    scope = case_scope(filters, user)
    period = filters.period
    steps = 7

    tell(0, steps, _("Counting cases"))
    stage_counts = queries.cases_by_stage(scope, period)
    cases_by_stage = [CountRow(s.value, str(STATUS_LABELS[s]), stage_counts[s])
                      for s in STATUS_ORDER if stage_counts.get(s)]

    tell(1, steps, _("Counting returns"))
    months = period.months()
    returns = [ReturnRow(country, str(COUNTRIES.get(country, country)), month, count)
               for country, month, count in queries.returns_by_country_month(scope, period)]
    countries = sorted({(r.country, r.label) for r in returns})

    tell(2, steps, _("Measuring stage durations"))
    spreads = queries.stage_durations(scope, period)
    durations = [DurationRow(s.value, str(STATUS_LABELS[s]), spreads[s].count,
                             spreads[s].median, spreads[s].p90)
                 for s in STATUS_ORDER if s in spreads]

    tell(3, steps, _("Counting services"))
    per_type: dict[int, dict[str, int]] = {}
    overall: dict[str, int] = {}
    for type_id, status, count in queries.services_by_type_status(scope, period):
        per_type.setdefault(type_id, {})[status.value] = count
        overall[status.value] = overall.get(status.value, 0) + count
    service_spreads = queries.service_completion_days(scope, period)
    names = _service_names(set(per_type))
    services = sorted((_service_row(str(type_id), names.get(type_id, str(type_id)), counts,
                                    service_spreads.get(type_id))
                       for type_id, counts in per_type.items()), key=lambda r: r.label)
    services_total = _service_row("total", _("All services"), overall,
                                  service_spreads.get(queries.ALL_SERVICES))

    tell(4, steps, _("Adding up the budget"))
    money = queries.budget_by_kind(scope, period)
    budget = [BudgetRow(k.value, str(SUPPORT_LABELS[k]), *money[k])
              for k in SupportKind if k in money]
    budget_total = BudgetRow("total", _("Total"),
                             sum((r.committed for r in budget), Decimal("0.00")),
                             sum((r.delivered for r in budget), Decimal("0.00")))

    tell(5, steps, _("Counting follow-up visits"))
    followups = queries.followup_counts(scope, period, today)

    tell(6, steps, _("Averaging RSS scores"))
    rss = queries.rss_averages(scope, period)
    tell(7, steps, _("Figures ready"))

    return ProgrammeReport(
        filters=filters, filter_labels=_describe(filters),
        generated_at=datetime.now(UTC), generated_by=user.full_name, today=today,
        cases_by_stage=cases_by_stage, months=months,
        month_labels=[_month_label(m) for m in months], countries=countries,
        returns=returns, stage_durations=durations, services=services,
        services_total=services_total, budget=budget, budget_total=budget_total,
        followups=followups, rss=rss,
        mentions_kosovo=filters.country == "XK" or any(c == "XK" for c, _n in countries),
        statuses=[(s.value, str(SERVICE_STATUS_LABELS[s])) for s in ServiceStatus])


# -- charts ----------------------------------------------------------------------------------
def returns_chart(months: list[str], month_labels: list[str],
                  per_country: Mapping[str, list[int]], *,
                  image: ImageFormat = "png") -> Chart:
    series = per_country or {_("Returns"): [0] * len(months)}
    return bar_chart(month_labels, series, title=_("Returns by month"), stacked=True,
                     value_label=_("Departures"), image=image,
                     alt=_("Returns by month: %(figures)s.", figures=", ".join(
                         f"{label} {sum(values[i] for values in series.values())}"
                         for i, label in enumerate(month_labels))))


def stage_chart(rows: list[CountRow], *, image: ImageFormat = "png") -> Chart:
    labels = [r.label for r in rows] or [_("No cases")]
    counts = [r.count for r in rows] or [0]
    return bar_chart(labels, {_("Cases"): counts}, title=_("Cases by stage"), horizontal=True,
                     value_label=_("Cases"), size=(6.0, 0.8 + 0.25 * len(labels)),
                     image=image,
                     alt=_("Cases by stage: %(figures)s.", figures=", ".join(
                         f"{r.label} {r.count}" for r in rows) or _("none")))


def services_chart(report: ProgrammeReport, *, image: ImageFormat = "png") -> Chart:
    rows = report.services
    labels = [r.label for r in rows] or [_("No services")]
    series = {label: [r.counts.get(key, 0) for r in rows] or [0]
              for key, label in report.statuses}
    return bar_chart(labels, series, title=_("Services by outcome"), stacked=True,
                     horizontal=True, value_label=_("Requests"),
                     size=(6.0, 1.0 + 0.3 * len(labels)), image=image,
                     alt=_("Services by outcome: %(figures)s.", figures="; ".join(
                         f"{r.label}: " + ", ".join(f"{label} {r.counts.get(key, 0)}"
                                                    for key, label in report.statuses)
                         for r in rows) or _("none")))


def rss_chart(report: ProgrammeReport, *, image: ImageFormat = "png") -> Chart:
    rows = report.rss_rows()
    return bar_chart([label for _k, label, _v in rows],
                     {_("Average score"): [value or 0.0 for _k, _l, value in rows]},
                     title=_("RSS averages by dimension"), value_label=_("Score (0 to 1)"),
                     image=image,
                     alt=_("RSS averages: %(figures)s.", figures=", ".join(
                         f"{label} {_('none') if value is None else f'{value:.2f}'}"
                         for _k, label, value in rows)))


def report_charts(report: ProgrammeReport) -> dict[str, Chart]:
    """The printed report's charts, as PNG: WeasyPrint places a bitmap far faster than it
    draws an SVG whose text is paths (see caseflow.charts)."""
    per_country = {label: report.returns_per_month(code) for code, label in report.countries}
    return {"returns": returns_chart(report.months, report.month_labels, per_country),
            "stages": stage_chart(report.cases_by_stage),
            "services": services_chart(report),
            "rss": rss_chart(report)}


def dashboard_charts(user: User, stage_counts: Mapping[CaseStatus, int],
                     today: date | None = None) -> dict[str, Chart]:
    """The manager dashboard's charts over the cases the user oversees: returns in the last
    12 months (one aggregate query) and cases by stage (`stage_counts`, which the dashboard
    has already counted with queries.cases_by_stage)."""
    today = today or date.today()
    first = date(today.year - 1 + (today.month == 12), today.month % 12 + 1, 1)
    period = Period(first, today)
    months = period.months()
    per_country: dict[str, list[int]] = {}
    for country, month, count in queries.returns_by_country_month(user_scope(user), period):
        per_country.setdefault(str(COUNTRIES.get(country, country)),
                               [0] * len(months))[months.index(month)] += count
    rows = [CountRow(s.value, str(STATUS_LABELS[s]), stage_counts[s])
            for s in STATUS_ORDER if stage_counts.get(s)]
    # SVG on screen: sharp at any zoom, and a browser draws it at no cost to the server.
    return {"returns": returns_chart(months, [_month_label(m) for m in months],
                                     dict(sorted(per_country.items())), image="svg"),
            "stages": stage_chart(rows, image="svg")}


KOSOVO_FOOTNOTE = _l("* References to Kosovo shall be understood to be in the context of "
                     "United Nations Security Council resolution 1244 (1999).")
