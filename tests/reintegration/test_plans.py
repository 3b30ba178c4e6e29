"""Reintegration plans: exact money, amounts from user input, who changes the lines and when,
delivery of an approved plan, and the 12-month support deadline."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from caseflow.accounts.models import OfficeKind, Role
from caseflow.cases.models import Case, CaseEvent, CaseStatus, EventKind
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.reintegration import services
from caseflow.reintegration.models import LineStatus, PlanLine, SupportKind
from tests import factories
from tests.cases.helpers import World, add_plan_line, case_at, count, move

S = CaseStatus
TODAY = date.today()


def line_data(amount: str = "100.00", description: str = "Rent for three months",
              beneficiary_id: int | None = None) -> services.LineData:
    return services.LineData(SupportKind.housing, description, amount,
                             beneficiary_id=beneficiary_id)


def approve_and_start(case: Case, world: World) -> None:
    """Submit (with a reason when over budget), approve (with the box) and implement."""
    move(case, "submit_plan", world, over_budget_reason="Needed for the family.")
    move(case, "approve_plan", world, approve_over_budget="y")
    move(case, "start_implementation", world)


def in_implementation(*amounts: str, dated: date | None = None) -> tuple[Case, World]:
    case, world = case_at(S.plan_drafted, dated=dated)
    for n, amount in enumerate(amounts):
        add_plan_line(case, world, amount=amount, description=f"Line {n + 1}")
    approve_and_start(case, world)
    return case, world


def edits_of(case: Case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.edited)
        .order_by(CaseEvent.id)))


# -- exact money -------------------------------------------------------------------------------
def test_ten_and_twenty_cents_make_thirty_exactly():
    case, world = case_at(S.plan_drafted)
    add_plan_line(case, world, amount="0.10")
    add_plan_line(case, world, amount="0.20")
    assert case.plan.committed == Decimal("0.30")
    db.session.expire_all()  # as stored in the database
    amounts = [line.amount for line in case.plan.lines]
    assert amounts == [Decimal("0.10"), Decimal("0.20")]
    assert all(isinstance(a, Decimal) for a in amounts)
    assert case.plan.committed == Decimal("0.30") and str(case.plan.committed) == "0.30"


def test_large_amounts_keep_their_cents():
    case, world = case_at(S.plan_drafted)
    for amount in ("999999.99", "0.01", "333333.33"):
        add_plan_line(case, world, amount=amount)
    db.session.expire_all()
    assert case.plan.committed == Decimal("1333333.33")


def test_committed_leaves_out_cancelled_lines_and_delivered_counts_delivered_ones():
    case, world = in_implementation("100.10", "200.20", "300.30", "400.40")
    first, second, third, _fourth = case.plan.lines
    assert (case.plan.committed, case.plan.delivered) == (Decimal("1001.00"), Decimal("0.00"))
    services.update_line_status(case, first, LineStatus.delivered, by=world.officer,
                                delivered_on=TODAY)
    services.update_line_status(case, second, LineStatus.cancelled, by=world.officer)
    services.update_line_status(case, third, LineStatus.in_progress, by=world.officer)
    db.session.expire_all()
    plan = case.plan
    assert plan.committed == Decimal("800.80")  # 100.10 + 300.30 + 400.40
    assert plan.delivered == Decimal("100.10")
    assert services.budget_of(case) == plan.approved_ceiling == Decimal("1001.00")


def test_an_empty_plan_costs_nothing():
    case, _world = case_at(S.plan_drafted)
    assert case.plan.committed == Decimal("0.00") == case.plan.delivered
    assert isinstance(case.plan.committed, Decimal)


# -- amounts from user input -------------------------------------------------------------------
@pytest.mark.parametrize(("text", "amount"), [
    ("12,50", "12.50"), ("12.5", "12.50"), (" 7 ", "7.00"), ("0", "0.00"), ("0,01", "0.01"),
    ("999999.99", "999999.99"), (Decimal("3.1"), "3.10"), (42, "42.00"),
    ("-0", "0.00"), ("-0,00", "0.00"),
])
def test_amounts_are_read_exactly(text, amount):
    parsed = services.parse_amount(text)
    assert parsed == Decimal(amount) and str(parsed) == amount


@pytest.mark.parametrize(("text", "says"), [
    ("12.345", "two decimals"), ("0,001", "two decimals"), ("1e-3", "Enter an amount"),
    ("-1", "negative"), ("-0.01", "negative"),
    ("abc", "Enter an amount"), ("", "Enter an amount"), (None, "Enter an amount"),
    ("1,234.56", "Enter an amount"), ("12 50", "Enter an amount"),
    ("1000000", "too large"), ("1e9", "Enter an amount"), ("9" * 30, "too large"),
    ("NaN", "Enter an amount"), ("nan", "Enter an amount"), ("sNaN", "Enter an amount"),
    ("Infinity", "Enter an amount"), ("-Infinity", "Enter an amount"),
    ("inf", "Enter an amount"), (Decimal("NaN"), "Enter an amount"),
])
def test_bad_amounts_are_refused(text, says):
    with pytest.raises(ValidationFailed) as refused:
        services.parse_amount(text, field="price")
    assert set(refused.value.errors) == {"price"}
    assert says in refused.value.errors["price"][0]


# -- adding and removing lines -------------------------------------------------------------------
def test_the_partner_officer_adds_lines_to_a_draft():
    case, world = case_at(S.plan_drafted)
    person = case.beneficiaries[0]
    line = services.add_line(case, services.LineData(
        SupportKind.business, "  Tools for a workshop  ", "1200,50",
        beneficiary_id=person.id, supplier=" Brico Shkodër "), by=world.officer)
    assert (line.kind, line.description, line.amount, line.beneficiary_id, line.supplier) == \
        (SupportKind.business, "Tools for a workshop", Decimal("1200.50"), person.id,
         "Brico Shkodër")
    assert line.status is LineStatus.planned and line.delivered_on is None
    [edit] = edits_of(case)
    assert edit.by_id == world.officer.id
    assert edit.data == {"plan line": [None, "business: EUR 1200.50"]}


def strangers(world: World) -> dict[str, object]:
    other_partner = factories.make_office(kind=OfficeKind.partner, country=world.country)
    return {
        "caseworker": world.caseworker, "manager": world.manager,
        "admin": factories.make_user(Role.admin),
        "other partner": factories.make_user(Role.reintegration_officer,
                                             office=other_partner),
        "manager at the partner": factories.make_user(Role.manager, office=world.partner),
    }


def test_no_one_else_adds_lines():
    case, world = case_at(S.plan_drafted)
    for who, user in strangers(world).items():
        with pytest.raises(AccessDenied):
            services.add_line(case, line_data(), by=user)
        assert not services.can_edit_lines(case, user), who
    world.officer.is_active = False
    with pytest.raises(AccessDenied):
        services.add_line(case, line_data(), by=world.officer)
    assert count(PlanLine) == 0


@pytest.mark.parametrize("stage", [S.plan_submitted, S.plan_approved, S.in_implementation,
                                   S.monitoring])
def test_lines_are_fixed_once_the_plan_is_submitted(stage):
    case, world = case_at(stage)
    lines = list(case.plan.lines)
    assert not services.can_edit_lines(case, world.officer)
    with pytest.raises(AccessDenied):
        services.add_line(case, line_data(), by=world.officer)
    with pytest.raises(AccessDenied):
        services.remove_line(case, lines[0], by=world.officer)
    assert case.plan.lines == lines


def test_a_line_is_for_a_person_of_this_household_only():
    case, world = case_at(S.plan_drafted)
    other, _other_world = case_at(S.registered)
    with pytest.raises(ValidationFailed) as refused:
        services.add_line(case, line_data(beneficiary_id=other.beneficiaries[0].id),
                          by=world.officer)
    assert set(refused.value.errors) == {"beneficiary_id"}
    assert case.plan.lines == []
    line = services.add_line(case, line_data(beneficiary_id=0), by=world.officer)
    assert line.beneficiary_id is None  # 0 (the form's "whole household") is nobody


def test_a_line_with_several_problems_lists_them_all():
    case, world = case_at(S.plan_drafted)
    other, _w = case_at(S.registered)
    for description, amount in (("   ", "-3"), ("x" * 501, "1.234")):
        with pytest.raises(ValidationFailed) as refused:
            services.add_line(case, line_data(amount, description,
                                              beneficiary_id=other.beneficiaries[0].id),
                              by=world.officer)
        assert set(refused.value.errors) == {"description", "amount", "beneficiary_id"}
    assert services.add_line(case, line_data(description="x" * 500), by=world.officer)
    assert len(case.plan.lines) == 1


def test_the_partner_officer_removes_a_line_of_the_draft():
    case, world = case_at(S.plan_drafted)
    keep = add_plan_line(case, world, amount="10.00")
    drop = add_plan_line(case, world, amount="20.00", description="Not needed")
    with pytest.raises(AccessDenied):
        services.remove_line(case, drop, by=world.caseworker)
    services.remove_line(case, drop, by=world.officer)
    db.session.expire_all()
    assert [line.id for line in case.plan.lines] == [keep.id]
    assert case.plan.committed == Decimal("10.00")
    assert edits_of(case)[-1].data == {
        "plan line": ["administrative_assistance: EUR 20.00", None]}


def test_a_line_of_another_plan_cannot_be_removed():
    case, world = case_at(S.plan_drafted)
    other, _same_world = case_at(S.plan_drafted, world=world)  # same partner and officer
    foreign = add_plan_line(other, world)
    with pytest.raises(AccessDenied):
        services.remove_line(case, foreign, by=world.officer)
    assert other.plan.lines == [foreign]


# -- delivery ----------------------------------------------------------------------------------
def test_a_delivered_line_needs_a_date_that_is_not_in_the_future():
    case, world = in_implementation("50.00")
    [line] = case.plan.lines
    for day, field in ((None, "delivered_on"), (TODAY + timedelta(days=1), "delivered_on")):
        with pytest.raises(ValidationFailed) as refused:
            services.update_line_status(case, line, LineStatus.delivered, by=world.officer,
                                        delivered_on=day)
        assert set(refused.value.errors) == {field}
        assert line.status is LineStatus.planned and line.delivered_on is None
    services.update_line_status(case, line, LineStatus.delivered, by=world.officer,
                                delivered_on=TODAY)
    db.session.expire_all()
    assert (line.status, line.delivered_on) == (LineStatus.delivered, TODAY)
    assert edits_of(case)[-1].data == {f"plan line {line.id}": ["planned", "delivered"]}


def test_support_is_not_delivered_before_the_arrival():
    arrived = date(2025, 2, 28)
    case, world = in_implementation("50.00", "60.00", dated=arrived)
    first, second = case.plan.lines
    with pytest.raises(ValidationFailed) as refused:
        services.update_line_status(case, first, LineStatus.delivered, by=world.officer,
                                    delivered_on=arrived - timedelta(days=1))
    assert set(refused.value.errors) == {"delivered_on"}
    assert "2025-02-28" in refused.value.errors["delivered_on"][0]
    services.update_line_status(case, first, LineStatus.delivered, by=world.officer,
                                delivered_on=arrived)  # the day itself is fine
    # "today" is the service's own clock unless given: a later day on that day is fine
    services.update_line_status(case, second, LineStatus.delivered, by=world.officer,
                                delivered_on=date(2025, 3, 10), today=date(2025, 3, 10))
    assert [line.delivered_on for line in case.plan.lines] == [arrived, date(2025, 3, 10)]


@pytest.mark.parametrize("final", [LineStatus.delivered, LineStatus.cancelled])
def test_a_delivered_or_cancelled_line_cannot_change_any_more(final):
    case, world = in_implementation("50.00")
    [line] = case.plan.lines
    services.update_line_status(case, line, final, by=world.officer, delivered_on=TODAY)
    assert line.delivered_on == (TODAY if final is LineStatus.delivered else None)
    for status in LineStatus:
        with pytest.raises(ValidationFailed) as refused:
            services.update_line_status(case, line, status, by=world.officer,
                                        delivered_on=TODAY)
        assert set(refused.value.errors) == {"status"}
    assert line.status is final


def test_a_line_goes_through_in_progress_and_a_cancelled_line_has_no_date():
    case, world = in_implementation("50.00", "70.00")
    first, second = case.plan.lines
    services.update_line_status(case, first, LineStatus.in_progress, by=world.officer)
    services.update_line_status(case, first, LineStatus.delivered, by=world.officer,
                                delivered_on=TODAY)
    services.update_line_status(case, second, LineStatus.cancelled, by=world.officer,
                                delivered_on=TODAY)
    db.session.expire_all()
    assert [(line.status, line.delivered_on) for line in case.plan.lines] == \
        [(LineStatus.delivered, TODAY), (LineStatus.cancelled, None)]


def test_delivery_is_recorded_by_the_partner_officer_of_an_approved_plan_only():
    case, world = in_implementation("50.00")
    [line] = case.plan.lines
    for user in strangers(world).values():
        with pytest.raises(AccessDenied):
            services.update_line_status(case, line, LineStatus.cancelled, by=user)
    draft, draft_world = case_at(S.plan_drafted)
    draft_line = add_plan_line(draft, draft_world)
    with pytest.raises(AccessDenied):  # not approved yet
        services.update_line_status(draft, draft_line, LineStatus.cancelled,
                                    by=draft_world.officer)
    with pytest.raises(AccessDenied):  # a line of another case
        services.update_line_status(case, draft_line, LineStatus.cancelled, by=world.officer)
    assert line.status is LineStatus.planned and draft_line.status is LineStatus.planned


def test_delivery_starts_once_the_plan_is_approved_and_stops_at_monitoring():
    case, world = case_at(S.plan_approved)
    [line] = case.plan.lines
    assert services.can_update_delivery(case, world.officer)
    services.update_line_status(case, line, LineStatus.in_progress, by=world.officer)
    move(case, "start_implementation", world)
    move(case, "start_monitoring", world)
    assert not services.can_update_delivery(case, world.officer)


# -- the support deadline --------------------------------------------------------------------
@pytest.mark.parametrize(("arrived", "deadline"), [
    (date(2025, 2, 28), date(2026, 2, 28)),
    (date(2024, 2, 29), date(2025, 2, 28)),  # no 29 February in 2025
    (date(2024, 12, 31), date(2025, 12, 31)),
    (date(2025, 1, 1), date(2026, 1, 1)),
])
def test_support_must_be_used_within_12_months_of_arrival(arrived, deadline):
    case, _world = case_at(S.arrival_confirmed, dated=arrived)
    assert case.arrived_on == arrived
    assert services.support_deadline(case) == deadline


def test_there_is_no_deadline_before_the_arrival():
    case, _world = case_at(S.departed)
    assert services.support_deadline(case) is None
