"""Scheduling follow-up visits from the arrival date, and the due and overdue lists."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from caseflow.accounts.models import Role
from caseflow.cases.models import CaseStatus
from caseflow.extensions import db
from caseflow.followups.models import VisitMode
from caseflow.followups.services import (
    add_months,
    due_visits,
    overdue_visits,
    record_visit,
    schedule_followups,
    workload,
)
from tests import factories
from tests.cases.helpers import bring_to, make_world, move
from tests.followups import arrived_case, other_partner_world, set_due, visit

TODAY = date.today()


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
    (date(2026, 1, 31), 3, date(2026, 4, 30)),
    (date(2026, 1, 31), 6, date(2026, 7, 31)),
    (date(2026, 1, 31), 12, date(2027, 1, 31)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 3, 15), 1, date(2026, 4, 15)),
])
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("arrived_on, expected", [
    (date(2026, 1, 31), [date(2026, 2, 28), date(2026, 4, 30), date(2026, 7, 31),
                         date(2027, 1, 31)]),
    (date(2028, 1, 31), [date(2028, 2, 29), date(2028, 4, 30), date(2028, 7, 31),
                         date(2029, 1, 31)]),
])
def test_schedule_from_the_arrival_date(arrived_on, expected):
    case = make_world().new_case()
    visits = schedule_followups(case, arrived_on=arrived_on)
    assert [v.due_on for v in visits] == expected
    assert [(v.sequence, v.months_after_arrival) for v in visits] == [
        (1, 1), (2, 3), (3, 6), (4, 12)]
    assert all(v.schedule_version == 1 and v.done_on is None for v in visits)


def test_a_second_call_keeps_the_visits():
    case = make_world().new_case()
    first = schedule_followups(case, arrived_on=date(2026, 1, 31))
    again = schedule_followups(case, arrived_on=date(2026, 3, 1))
    assert [v.id for v in again] == [v.id for v in first]
    assert again[0].due_on == date(2026, 2, 28)


def test_confirming_arrival_schedules_four_visits():
    world = make_world()
    case = world.new_case()
    bring_to(case, CaseStatus.departed, world)
    assert case.visits == []
    move(case, "confirm_arrival", world)
    db.session.flush()
    assert case.status is CaseStatus.arrival_confirmed
    assert [v.due_on for v in case.visits] == [add_months(TODAY, m) for m in (1, 3, 6, 12)]


# -- due and overdue ---------------------------------------------------------------------
@pytest.fixture
def two_partners():
    """Two cases of one sending office, each referred to another partner organisation."""
    world = make_world()
    other = other_partner_world(world)
    mine, _ = arrived_case(world)
    theirs, _ = arrived_case(other)
    # mine: overdue (5 days), due today, due in 6 days (this week), due in 7 days (next week)
    set_due(mine, TODAY - timedelta(5), TODAY, TODAY + timedelta(6), TODAY + timedelta(7))
    # theirs: overdue (1 day) and due in 3 days
    set_due(theirs, TODAY - timedelta(1), TODAY + timedelta(3))
    return world, other, mine, theirs


def keys(listing):
    return [(item.case.number, item.visit.sequence) for item in listing.items]


def test_due_this_week_and_overdue_for_the_partner_officer(two_partners):
    world, _other, mine, _theirs = two_partners
    due = due_visits(world.officer, TODAY)
    assert keys(due) == [(mine.number, 2), (mine.number, 3)]
    assert due.total == 2
    overdue = overdue_visits(world.officer, TODAY)
    assert keys(overdue) == [(mine.number, 1)]
    assert overdue.items[0].days_late == 5
    assert overdue.items[0].officers == [world.officer]
    assert overdue.by_partner == [(world.partner, 1)]
    assert overdue.by_officer == [(world.officer, 1)]


def test_another_partners_visits_never_appear(two_partners):
    world, other, _mine, theirs = two_partners
    for listing in (due_visits(other.officer, TODAY), overdue_visits(other.officer, TODAY)):
        assert {number for number, _ in keys(listing)} == {theirs.number}
    for listing in (due_visits(world.officer, TODAY), overdue_visits(world.officer, TODAY)):
        assert theirs.number not in {number for number, _ in keys(listing)}
    # An officer of a third organisation, and a caseworker of another office, see nothing.
    stranger = factories.make_user(Role.reintegration_officer)
    elsewhere = factories.make_user(Role.manager)
    for user in (stranger, elsewhere):
        assert due_visits(user, TODAY).total == overdue_visits(user, TODAY).total == 0


def test_manager_sees_both_partners_with_counts(two_partners):
    world, other, mine, theirs = two_partners
    second_officer = factories.make_user(Role.reintegration_officer, office=world.partner)
    due = due_visits(world.manager, TODAY)
    overdue = overdue_visits(world.manager, TODAY, limit=1)
    assert keys(due) == [(mine.number, 2), (theirs.number, 2), (mine.number, 3)]
    assert keys(overdue) == [(mine.number, 1)] and overdue.total == 2
    assert dict(overdue.by_partner) == {world.partner: 1, other.partner: 1}
    assert dict(due.by_partner) == {world.partner: 2, other.partner: 1}
    # Each officer of a partner counts its visits.
    assert dict(due.by_officer) == {world.officer: 2, second_officer: 2, other.officer: 1}
    table = workload(due, overdue)
    assert {(o.id, d, late) for o, d, late in table["partners"]} == {
        (world.partner.id, 2, 1), (other.partner.id, 1, 1)}


def test_done_visits_and_closed_cases_are_not_listed(two_partners):
    world, other, mine, theirs = two_partners
    record_visit(visit(mine, 1), by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                 notes="", next_steps="", answers=None)
    assert overdue_visits(world.officer, TODAY).total == 0
    assert visit(mine, 1).officer == world.officer
    due = overdue_visits(world.manager, TODAY)
    assert due.items[0].last_officer is None
    move(theirs, "close", other)
    assert overdue_visits(world.manager, TODAY).total == 0
    assert due_visits(other.officer, TODAY).total == 0


def test_last_visiting_officer_is_shown(two_partners):
    world, _other, mine, _theirs = two_partners
    record_visit(visit(mine, 2), by=world.officer, done_on=TODAY, mode=VisitMode.office,
                 answers=None)
    item = overdue_visits(world.officer, TODAY).items[0]
    assert item.visit.sequence == 1 and item.last_officer == world.officer
