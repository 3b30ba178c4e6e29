"""Every figure of the programme report, against the hand-built programme of dataset.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from caseflow.accounts.models import Role
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.programme.report import (
    ReportFilters,
    build_report,
    can_view_programme_report,
    restrict_filters,
)
from tests import factories
from tests.programme import dataset
from tests.programme.dataset import PERIOD, TODAY


@pytest.fixture
def programme(app):
    return dataset.build()


def report_for(user, filters=PERIOD):
    return build_report(restrict_filters(filters, user), user, today=TODAY)


def stages(report):
    return {row.key: row.count for row in report.cases_by_stage}


def durations(report):
    return {row.key: (row.stays, round(row.median_days, 4), round(row.p90_days, 4))
            for row in report.stage_durations}


def test_cases_by_stage_counts_the_cases_open_in_the_period(programme):
    report = report_for(programme.admin)
    # c6 was closed in 2024: not open in 2025.
    assert stages(report) == {"counselling": 1, "application_submitted": 1, "departed": 2,
                              "arrival_confirmed": 1}
    assert report.cases_total == 5


def test_returns_by_country_and_month(programme):
    report = report_for(programme.admin)
    assert [(r.country, r.month, r.count) for r in report.returns] == [
        ("AL", "2025-03", 1), ("AL", "2025-05", 1), ("RS", "2025-07", 1)]
    assert report.months[0] == "2025-01" and len(report.months) == 12
    assert report.returns_per_month() == [0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0]
    assert report.returns_per_month("RS")[6] == 1
    assert report.returns_total == 3


def test_stage_durations_median_and_90th_percentile(programme):
    report = report_for(programme.admin)
    assert durations(report) == {
        "registered": (5, 6.0, 9.2),  # 2 4 6 8 10
        # Calendar days: a stay from one day's evening to the next morning counts 1.
        "counselling": (4, 4.0, 16.2),  # 2 3 5 21 (the first 1.5 days, over 2 dates)
        "application_submitted": (3, 6.0, 9.2),  # 2 6 10 (5.5 days, over 6 dates)
        "approved": (3, 1.0, 1.8),  # 1 1 2
        "referred": (3, 1.0, 1.0),
        "accepted_by_partner": (3, 1.0, 3.4),  # 1 1 4
        "travel_booked": (3, 7.0, 9.4),  # 7 7 10
        "departed": (1, 2.0, 2.0),  # c1 only: c2 and c4 are still there
    }
    # Stays that ended in 2024 (c6) are not in 2025's figures, and the other way round.
    old = report_for(programme.admin, replace(PERIOD, date_from=date(2024, 1, 1),
                                              date_to=date(2024, 12, 31)))
    assert durations(old) == {"registered": (1, 31.0, 31.0)}


def test_services_by_type_and_outcome(programme):
    report = report_for(programme.admin)
    rows = {r.label: r for r in report.services}
    assert set(rows) == {"Civil registration", "Personal ID card",
                         "Health insurance registration"}
    civil = rows["Civil registration"]
    assert civil.counts == {"completed": 2} and civil.total == 2  # the 2024 one is out
    assert (civil.completion_rate, civil.median_days, round(civil.p90_days, 4)) == (1.0, 7.0,
                                                                                   9.4)
    card = rows["Personal ID card"]
    assert card.counts == {"completed": 1, "in_progress": 1}
    assert (card.completion_rate, card.median_days, card.p90_days) == (0.5, 30.0, 30.0)
    health = rows["Health insurance registration"]
    assert (health.counts, health.completion_rate, health.median_days) == (
        {"not_possible": 1}, 0.0, None)
    total = report.services_total
    assert total.total == 5 and total.completion_rate == pytest.approx(0.6)
    assert (total.median_days, round(total.p90_days, 4)) == (10.0, 26.0)  # 4 10 30


def test_budget_committed_and_delivered(programme):
    report = report_for(programme.admin)
    assert {r.key: (r.committed, r.delivered) for r in report.budget} == {
        "business": (Decimal("1500.00"), Decimal("1500.00")),
        "housing": (Decimal("1250.00"), Decimal("0.00")),  # 450 delivered in 2026
        "education": (Decimal("300.00"), Decimal("300.00")),
    }  # the cancelled medical line counts nowhere
    assert (report.budget_total.committed, report.budget_total.delivered) == (
        Decimal("3050.00"), Decimal("1800.00"))


def test_followups_done_due_and_overdue(programme):
    report = report_for(programme.admin)
    assert (report.followups.done, report.followups.due, report.followups.overdue) == (1 + 1,
                                                                                       1, 1)


def test_rss_averages_by_dimension(programme):
    rss = report_for(programme.admin).rss
    assert rss.surveys == 2
    assert (rss.economic, rss.social, rss.psychosocial, rss.composite) == pytest.approx(
        (0.6, 0.8, 0.6, 0.7))


def test_country_filter(programme):
    report = report_for(programme.admin, replace(PERIOD, country="RS"))
    assert stages(report) == {"departed": 1}
    assert [(r.country, r.count) for r in report.returns] == [("RS", 1)]
    assert durations(report)["counselling"] == (1, 21.0, 21.0)
    assert report.services == [] and report.budget == []
    assert report.rss.surveys == 0 and report.rss.economic is None
    assert report.followups.done == 0


def test_partner_filter(programme):
    report = report_for(programme.admin, replace(PERIOD, partner_id=programme.p1.id))
    assert stages(report) == {"counselling": 1, "departed": 1, "arrival_confirmed": 1}
    assert report.returns_total == 2
    assert durations(report)["registered"] == (3, 4.0, 8.8)  # 2 4 10


def test_office_filter(programme):
    report = report_for(programme.admin, replace(PERIOD, office_id=programme.o2.id))
    assert stages(report) == {"counselling": 1}
    assert durations(report) == {"registered": (1, 10.0, 10.0)}
    assert report.returns_total == 0


def test_period_filter(programme):
    spring = replace(PERIOD, date_from=date(2025, 3, 1), date_to=date(2025, 5, 31))
    report = report_for(programme.admin, spring)
    assert report.returns_total == 2 and len(report.months) == 3
    assert report.followups.done == 1  # the June visit is out
    assert report.rss.surveys == 1 and report.rss.economic == pytest.approx(0.5)
    assert report.budget_total.committed == Decimal("2300.00")  # c1's plan only


def test_a_manager_sees_their_own_office_only(programme):
    report = report_for(programme.manager)
    assert report.filters.office_id == programme.o1.id
    assert stages(report) == {"application_submitted": 1, "departed": 2, "arrival_confirmed": 1}
    assert "registered" in durations(report) and durations(report)["registered"][0] == 4
    with pytest.raises(AccessDenied):
        restrict_filters(replace(PERIOD, office_id=programme.o2.id), programme.manager)
    # Any partner may be chosen: the scope stays the manager's office.
    partner = report_for(programme.manager, replace(PERIOD, partner_id=programme.p1.id))
    assert stages(partner) == {"departed": 1, "arrival_confirmed": 1}


def test_a_partner_manager_sees_the_cases_referred_to_them(programme):
    manager = factories.make_user(Role.manager, office=programme.p1)
    report = report_for(manager)
    assert report.filters.partner_id == programme.p1.id
    assert stages(report) == {"departed": 1, "arrival_confirmed": 1}  # c5 is not referred yet
    with pytest.raises(AccessDenied):
        restrict_filters(replace(PERIOD, partner_id=programme.p2.id), manager)


def test_caseworkers_and_officers_get_no_report(programme):
    for user in (programme.caseworker, programme.officer):
        assert not can_view_programme_report(user)
        with pytest.raises(AccessDenied):
            restrict_filters(PERIOD, user)
        with pytest.raises(AccessDenied):
            build_report(PERIOD, user)
    assert can_view_programme_report(programme.manager)
    assert can_view_programme_report(programme.admin)


@pytest.mark.parametrize(("params", "field"), [
    ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_to"),
    ({"date_from": "2015-01-01", "date_to": "2025-01-01"}, "date_to"),
    ({"date_from": "yesterday", "date_to": "2025-01-01"}, "date_from"),
    ({"date_from": "2025-01-01", "date_to": "2025-02-01", "country": "FR"}, "country"),
    ({"date_from": "2025-01-01", "date_to": "2025-02-01", "office_id": "1; drop"},
     "office_id"),
])
def test_bad_filters_are_refused(app, params, field):
    with pytest.raises(ValidationFailed) as caught:
        ReportFilters.from_params(params)
    assert field in caught.value.errors


def test_filters_survive_the_round_trip_through_json(app):
    filters = ReportFilters(date(2025, 1, 1), date(2025, 6, 30), "XK", 3, None)
    assert ReportFilters.from_params(filters.to_params()) == filters


def test_percentiles_over_a_histogram_match_the_database_percentile_cont():
    """The histogram interpolation gives what percentile_cont gives over the values
    themselves: checked against PostgreSQL when it runs the tests, else against the values
    expanded and interpolated by hand."""
    import random
    from collections import Counter

    from sqlalchemy import text

    from caseflow.extensions import db
    from caseflow.programme.queries import MEDIAN, P90, percentile

    rng = random.Random(7)
    for size in (1, 2, 3, 10, 101):
        values = [rng.randint(0, 40) for _ in range(size)]
        histogram = sorted(Counter(values).items())
        if db.session.get_bind().dialect.name == "postgresql":
            row = db.session.execute(text(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v),"
                " percentile_cont(0.9) WITHIN GROUP (ORDER BY v) FROM unnest(:vs) AS v"),
                {"vs": values}).one()
            expected = (float(row[0]), float(row[1]))
        else:
            ordered = sorted(values)

            def cont(q: float, ordered: list[int] = ordered) -> float:
                rank = q * (len(ordered) - 1)
                low = int(rank)
                high = min(low + 1, len(ordered) - 1)
                return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)

            expected = (cont(0.5), cont(0.9))
        got = (percentile(histogram, MEDIAN), percentile(histogram, P90))
        assert got == pytest.approx(expected), (values, got, expected)
    assert percentile([], MEDIAN) is None
