"""The stage table of a case: every move allowed where it should be, refused everywhere else,
with the reason; stage data checked; history written; invariants held by the database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from caseflow.accounts.models import OfficeKind, Role
from caseflow.cases import services, workflow
from caseflow.cases.models import PARTNER_STAGES, Case, CaseStatus, ClosureReason
from caseflow.cases.workflow import MOVES, MOVES_BY_NAME, InvalidTransition, transition
from caseflow.errors import StaleEdit
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit
from caseflow.people.models import ConsentPurpose, DocumentKind, Vulnerability
from caseflow.reintegration import services as plans
from caseflow.reintegration.models import LineStatus
from tests import factories
from tests.cases.helpers import (
    NOTES,
    PATHS,
    S,
    add_plan_line,
    bring_to,
    case_at,
    count,
    iso,
    log_session,
    make_world,
    move,
    prepare,
    stage_data,
    stored_status,
    tomorrow,
    transitions_of,
    yesterday,
)

ALL_ROLES = tuple(Role)

# What each stage may move to, written out from DOMAIN.md (independent of the MOVES table).
# On hold and closed go back to where they came from: "registered" in these tests.
REACHABLE = {
    S.registered: {S.counselling, S.on_hold, S.closed},
    S.counselling: {S.application_submitted, S.on_hold, S.closed},
    S.application_submitted: {S.approved, S.rejected, S.withdrawn, S.on_hold, S.closed},
    S.approved: {S.referred, S.withdrawn, S.on_hold, S.closed},
    S.rejected: {S.application_submitted, S.on_hold, S.closed},
    S.withdrawn: {S.on_hold, S.closed},
    S.referred: {S.accepted_by_partner, S.approved, S.on_hold, S.closed},
    S.accepted_by_partner: {S.travel_booked, S.on_hold, S.closed},
    S.travel_booked: {S.departed, S.no_show, S.on_hold, S.closed},
    S.departed: {S.arrival_confirmed, S.on_hold, S.closed},
    S.no_show: {S.travel_booked, S.on_hold, S.closed},
    S.arrival_confirmed: {S.plan_drafted, S.on_hold, S.closed},
    S.plan_drafted: {S.plan_submitted, S.on_hold, S.closed},
    S.plan_submitted: {S.plan_drafted, S.plan_approved, S.on_hold, S.closed},
    S.plan_approved: {S.in_implementation, S.on_hold, S.closed},
    S.in_implementation: {S.monitoring, S.on_hold, S.closed},
    S.monitoring: {S.on_hold, S.closed},
    S.on_hold: {S.registered, S.closed},
    S.closed: {S.registered},
}

# A partner's officer acts on a case only while it is at a partner stage (referred onwards).
ALLOWED = [(m.name, source, role) for m in MOVES for source in m.sources
           for role in sorted(m.roles)
           if role is not Role.reintegration_officer or source in PARTNER_STAGES]
WRONG_STAGE = [(stage, m.name) for stage in CaseStatus for m in MOVES
               if stage not in m.sources]
WRONG_ROLE = [(m.name, role) for m in MOVES for role in ALL_ROLES if role not in m.roles]
REQUIRED = [(m.name, f.name) for m in MOVES for f in workflow.field_specs(m) if f.required]
SENDING_MOVES = [m.name for m in MOVES if Role.caseworker in m.roles]
PARTNER_MOVES = [m.name for m in MOVES if Role.reintegration_officer in m.roles]
# Stage data that goes on the reintegration plan rather than on the case.
ON_THE_PLAN = {"plan_approved_on": "approved_on", "over_budget_reason": "over_budget_reason"}


def expect_refusal(case: Case, target: str, by, data=None, code: str | None = None
                   ) -> InvalidTransition:
    """transition() refuses and leaves the case, its version and its history alone."""
    status, version, history = case.status, case.version, len(transitions_of(case))
    with pytest.raises(InvalidTransition) as refused:
        transition(case, target, by=by, data=data)
    if code is not None:
        assert refused.value.code == code, (refused.value.code, refused.value.message)
    assert case.status is status and stored_status(case) is status
    assert case.version == version
    assert len(transitions_of(case)) == history
    return refused.value


def jsonable(name: str, value, world) -> tuple[str, object]:
    if name == "partner_id":
        return "partner", {"id": world.partner.id, "name": world.partner.name}
    if name == "escort_needed":
        return name, bool(value)
    if name == "flight_number":
        return name, value.upper()
    return name, value


# -- every allowed move ----------------------------------------------------------------
@pytest.mark.parametrize(("move_name", "source", "role"), ALLOWED,
                         ids=[f"{m}-from-{s}-by-{r}" for m, s, r in ALLOWED])
def test_every_move_is_allowed_from_its_sources_to_its_roles(move_name, source, role):
    case, world = case_at(source)
    prepare(case, move_name, world)
    actor = world.user(role)
    data = stage_data(move_name, world)
    spec = MOVES_BY_NAME[move_name]
    version = case.version
    history = transitions_of(case)

    event = transition(case, move_name, by=actor, data=data)

    expected = spec.target or S.registered  # resume / reopen: back to where it was held
    assert case.status is expected and stored_status(case) is expected
    assert case.version > version
    new = transitions_of(case)
    assert len(new) == len(history) + 1 and new[-1].id == event.id
    assert (event.from_status, event.to_status, event.by_id) == (source, expected, actor.id)
    assert event.version == case.version
    note_field = next((f for f in ("note", "optional_note") if f in spec.fields), None)
    assert event.note == (NOTES[note_field] if note_field else None)
    stage_fields = {k: v for k, v in data.items() if k not in NOTES}
    assert event.data == dict(jsonable(k, v, world) for k, v in stage_fields.items())
    for name, value in stage_fields.items():  # the stage data is on the case (or plan) too
        if name in ON_THE_PLAN:
            stored = getattr(case.plan, ON_THE_PLAN[name])
            assert stored == (date.fromisoformat(value) if name.endswith("_on") else value)
        elif name == "approve_over_budget":  # a confirmation: only in the history
            continue
        elif name == "partner_id":
            assert case.partner_id == world.partner.id
        elif name == "closure_reason":
            assert case.closure_reason is ClosureReason(value)
        elif name.endswith("_on"):
            assert getattr(case, name) == date.fromisoformat(value), name
        else:
            assert getattr(case, name) == jsonable(name, value, world)[1], name
    if move_name in ("approve", "reject"):
        assert case.decided_by_id == actor.id
    check_effect(case, move_name, actor, world)


def check_effect(case: Case, move_name: str, actor, world) -> None:
    """What a move does besides its stage data."""
    if move_name == "decline_referral":
        assert (case.partner_id, case.referred_on) == (None, None)
        assert not case.can_view(world.officer)
    if move_name == "confirm_arrival":
        assert [v.months_after_arrival for v in case.visits] == [1, 3, 6, 12]
    if move_name == "draft_plan":
        assert case.plan is not None and case.plan.created_by_id == actor.id
        assert case.plan.lines == [] and case.plan.approved_on is None
    if move_name == "approve_plan":
        plan = case.plan
        assert (plan.approved_by_id, plan.approved_on) == (actor.id, date.today())
        assert plan.entitlement_version == plans.current_rules().version
        assert plan.approved_budget == plans.entitlement(case).budget
        assert plan.approved_ceiling == max(plan.approved_budget, plan.committed)
    if move_name == "start_monitoring":
        assert all(line.status in (LineStatus.delivered, LineStatus.cancelled)
                   for line in case.plan.lines)


def test_moves_accept_dates_as_date_objects():
    case, world = case_at(S.counselling)
    move(case, "submit_application", world, application_submitted_on=date.today())
    assert case.application_submitted_on == date.today()


def test_a_move_can_be_named_by_its_target_status():
    case, world = case_at(S.application_submitted)
    event = transition(case, S.rejected, by=world.manager,
                       data=stage_data("reject", world))
    assert event.to_status is S.rejected
    assert case.rejection_reason == "Not eligible on this route."


# -- refused by stage --------------------------------------------------------------------
@pytest.mark.parametrize(("stage", "move_name"), WRONG_STAGE,
                         ids=[f"{m}-from-{s}" for s, m in WRONG_STAGE])
def test_a_move_is_refused_from_a_stage_that_is_not_its_source(stage, move_name):
    case, world = case_at(stage)
    refused = expect_refusal(case, move_name, world.actor_for(move_name),
                             stage_data(move_name, world), code="wrong_stage")
    assert f"\u201c{stage.label}\u201d" in refused.message
    possible = refused.message.split("From here it can move to:")[1]
    for target in REACHABLE[stage]:
        assert target.label in possible, (target, refused.message)


@pytest.mark.parametrize("stage", list(CaseStatus))
def test_targets_outside_the_table_are_refused_by_stage(stage):
    case, world = case_at(stage)
    for target in CaseStatus:
        found = workflow.find_move(case, target)
        if target in REACHABLE[stage]:
            assert found is not None, target
            continue
        assert found is None, target
        refused = expect_refusal(case, target, world.manager, code="wrong_stage")
        assert f"\u201c{target.label}\u201d" in refused.message
        assert f"\u201c{stage.label}\u201d" in refused.message


def test_an_unknown_target_is_refused_by_stage():
    case, world = case_at(S.registered)
    refused = expect_refusal(case, "teleport", world.caseworker, code="wrong_stage")
    assert "teleport" in refused.message


# -- refused by role ---------------------------------------------------------------------
@pytest.mark.parametrize(("move_name", "role"), WRONG_ROLE,
                         ids=[f"{m}-by-{r}" for m, r in WRONG_ROLE])
def test_a_move_is_refused_to_roles_that_do_not_make_it(move_name, role):
    case, world = case_at(MOVES_BY_NAME[move_name].sources[0])
    prepare(case, move_name, world)
    refused = expect_refusal(case, move_name, world.user(role),
                             stage_data(move_name, world), code="wrong_role")
    assert Role(role).label in refused.message


def test_an_inactive_user_cannot_move_a_case():
    case, world = case_at(S.registered)
    world.caseworker.is_active = False
    expect_refusal(case, "hold", world.caseworker, stage_data("hold", world),
                   code="wrong_role")


@pytest.mark.parametrize("move_name", SENDING_MOVES)
def test_a_caseworker_of_another_office_cannot_move_the_case(move_name):
    case, world = case_at(MOVES_BY_NAME[move_name].sources[0])
    prepare(case, move_name, world)
    stranger = factories.make_user(Role.caseworker)
    expect_refusal(case, move_name, stranger, stage_data(move_name, world),
                   code="not_your_case")


@pytest.mark.parametrize("move_name", ["approve", "reject", "reopen", "return_plan",
                                       "approve_plan"])
def test_a_manager_of_another_office_cannot_decide(move_name):
    case, world = case_at(MOVES_BY_NAME[move_name].sources[0])
    stranger = factories.make_user(Role.manager)
    expect_refusal(case, move_name, stranger, stage_data(move_name, world),
                   code="not_your_case")


@pytest.mark.parametrize("move_name", PARTNER_MOVES)
def test_an_officer_of_another_partner_cannot_act_on_the_case(move_name):
    sources = MOVES_BY_NAME[move_name].sources
    case, world = case_at(next(s for s in sources if s in PARTNER_STAGES))
    prepare(case, move_name, world)
    same_country = factories.make_office(kind=OfficeKind.partner, country=world.country)
    stranger = factories.make_user(Role.reintegration_officer, office=same_country)
    expect_refusal(case, move_name, stranger, stage_data(move_name, world),
                   code="not_your_case")


def test_allowed_moves_lists_what_the_user_may_try():
    case, world = case_at(S.referred)
    names = {m.name for m in workflow.allowed_moves(case, world.caseworker)}
    assert names == {"hold", "close"}
    assert {m.name for m in workflow.allowed_moves(case, world.officer)} == \
        {"accept_referral", "decline_referral", "close"}
    assert workflow.allowed_moves(case, factories.make_user(Role.admin)) == []
    assert workflow.allowed_moves(case, factories.make_user(Role.caseworker)) == []


# -- missing and invalid data ------------------------------------------------------------
@pytest.mark.parametrize(("move_name", "field"), REQUIRED,
                         ids=[f"{m}-{f}" for m, f in REQUIRED])
def test_each_required_field_is_asked_for(move_name, field):
    case, world = case_at(MOVES_BY_NAME[move_name].sources[0])
    data = stage_data(move_name, world)
    del data[field]
    refused = expect_refusal(case, move_name, world.actor_for(move_name), data,
                             code="missing_data")
    assert set(refused.errors) == {field}
    assert str(workflow.FIELDS[field].label) in refused.message


@pytest.mark.parametrize("move_name", sorted({m for m, _f in REQUIRED}))
def test_all_missing_fields_are_listed_at_once(move_name):
    case, world = case_at(MOVES_BY_NAME[move_name].sources[0])
    refused = expect_refusal(case, move_name, world.actor_for(move_name), {},
                             code="missing_data")
    assert set(refused.errors) == {f for m, f in REQUIRED if m == move_name}


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_a_blank_note_counts_as_missing(blank):
    case, world = case_at(S.registered)
    refused = expect_refusal(case, "hold", world.caseworker, {"note": blank},
                             code="missing_data")
    assert set(refused.errors) == {"note"}


INVALID = [
    ("submit_application", "application_submitted_on", tomorrow, "future"),
    ("approve", "decision_on", tomorrow, "future"),
    ("reject", "decision_on", tomorrow, "future"),
    ("resubmit", "application_submitted_on", tomorrow, "future"),
    ("refer", "referred_on", tomorrow, "future"),
    ("accept_referral", "partner_accepted_on", tomorrow, "future"),
    ("confirm_departure", "departed_on", tomorrow, "future"),
    ("confirm_arrival", "arrived_on", tomorrow, "future"),
    ("approve_plan", "plan_approved_on", tomorrow, "future"),
    ("book_travel", "planned_departure_on", yesterday, "past"),
    ("rebook_travel", "planned_departure_on", yesterday, "past"),
    ("approve", "decision_on", lambda: "2024-02-30", "YYYY-MM-DD"),
    ("approve", "decision_on", lambda: "yesterday", "YYYY-MM-DD"),
    ("book_travel", "flight_number", lambda: "SN-2911", "flight number"),
    ("book_travel", "flight_number", lambda: "12345678", "flight number"),
    ("book_travel", "flight_number", lambda: "S 1", "flight number"),
    ("rebook_travel", "flight_number", lambda: "flight 12", "flight number"),
    ("book_travel", "flight_carrier", lambda: "X" * 81, "80"),
    ("refer", "partner_id", lambda: "not-a-number", "partner"),
    ("refer", "partner_id", lambda: "999999999", "partner"),
    ("close", "closure_reason", lambda: "got_bored", "reason"),
    ("close", "closure_reason", lambda: "Completed", "reason"),
    ("approve_plan", "plan_approved_on", lambda: "2025-13-01", "YYYY-MM-DD"),
    ("decline_referral", "note", lambda: "x" * 2001, "2000"),
    ("return_plan", "note", lambda: "x" * 2001, "2000"),
    ("submit_plan", "over_budget_reason", lambda: "x" * 2001, "2000"),
]


@pytest.mark.parametrize(("move_name", "field", "value", "says"), INVALID,
                         ids=[f"{m}-{f}-{n}" for n, (m, f, _v, _s) in enumerate(INVALID)])
def test_invalid_stage_data_is_refused(move_name, field, value, says):
    case, world = case_at(MOVES_BY_NAME[move_name].sources[0])
    prepare(case, move_name, world)
    data = {**stage_data(move_name, world), field: value()}
    refused = expect_refusal(case, move_name, world.actor_for(move_name), data,
                             code="invalid_data")
    assert set(refused.errors) == {field}
    assert says in refused.errors[field][0]


def test_a_lower_case_flight_number_is_accepted_in_capitals():
    case, world = case_at(S.accepted_by_partner)
    event = move(case, "book_travel", world, flight_number="ju331")
    assert case.flight_number == "JU331" and event.data["flight_number"] == "JU331"


def test_missing_and_invalid_together_is_invalid_data_listing_both():
    case, world = case_at(S.accepted_by_partner)
    data = {**stage_data("book_travel", world), "flight_number": "??", "flight_carrier": ""}
    refused = expect_refusal(case, "book_travel", world.caseworker, data, code="invalid_data")
    assert set(refused.errors) == {"flight_number", "flight_carrier"}


def test_a_partner_in_another_country_is_refused():
    case, world = case_at(S.approved)
    elsewhere = factories.make_office(kind=OfficeKind.partner, country="MK")
    refused = expect_refusal(case, "refer", world.caseworker,
                             {**stage_data("refer", world), "partner_id": elsewhere.id},
                             code="invalid_data")
    assert set(refused.errors) == {"partner_id"}
    assert "country of return" in refused.errors["partner_id"][0]
    assert case.partner_id is None


def test_a_sending_office_is_not_a_partner():
    case, world = case_at(S.approved)
    refused = expect_refusal(case, "refer", world.caseworker,
                             {**stage_data("refer", world), "partner_id": world.office.id},
                             code="invalid_data")
    assert set(refused.errors) == {"partner_id"}


def test_an_inactive_partner_is_refused():
    case, world = case_at(S.approved)
    world.partner.is_active = False
    db.session.flush()
    expect_refusal(case, "refer", world.caseworker, stage_data("refer", world),
                   code="invalid_data")


# -- four eyes ---------------------------------------------------------------------------
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_the_assigned_manager_cannot_decide_but_another_manager_can(decision):
    world = make_world()
    case = factories.make_case(by=world.manager)  # the registering manager is the assignee
    assert case.assignee_id == world.manager.id
    bring_to(case, S.application_submitted, world)
    refused = expect_refusal(case, decision, world.manager, stage_data(decision, world),
                             code="precondition")
    assert "another manager" in refused.message
    other = factories.make_user(Role.manager, office=world.office)
    event = transition(case, decision, by=other, data=stage_data(decision, world))
    assert event.by_id == other.id and case.decided_by_id == other.id


# -- preconditions -----------------------------------------------------------------------
def test_counselling_starts_only_after_a_session_is_logged():
    case, world = case_at(S.registered)
    refused = expect_refusal(case, "start_counselling", world.caseworker, {},
                             code="precondition")
    assert "counselling session" in refused.message
    log_session(case, world.caseworker)
    transition(case, "start_counselling", by=world.caseworker)
    assert case.status is S.counselling


def withdraw_consent(case: Case, purpose: ConsentPurpose) -> None:
    consent = case.principal.consent_for(purpose)
    consent.withdrawn_on = date.today()
    db.session.flush()


def test_no_application_without_consent_to_data_processing():
    case, world = case_at(S.counselling)
    withdraw_consent(case, ConsentPurpose.case_processing)
    refused = expect_refusal(case, "submit_application", world.caseworker,
                             stage_data("submit_application", world), code="precondition")
    assert "consent" in refused.message


def test_no_referral_without_consent_to_share_with_the_partner():
    case, world = case_at(S.approved)
    withdraw_consent(case, ConsentPurpose.partner_sharing)
    refused = expect_refusal(case, "refer", world.caseworker, stage_data("refer", world),
                             code="precondition")
    assert "sharing with the partner" in refused.message
    assert case.partner_id is None


@pytest.mark.parametrize("move_name", ["book_travel", "rebook_travel"])
def test_travel_needs_a_valid_travel_document_for_everyone(move_name):
    world = make_world()
    departure = date.today() + timedelta(days=30)

    def member(role, given, family, kind=DocumentKind.passport, expires=date(2040, 1, 1)):
        document = services.TravelDocumentData(kind, f"{family.upper()}01", "AL", expires)
        return factories.person_data(role, given_names=given, family_name=family,
                                     documents=[document])

    case = world.new_case(household=[
        factories.person_data(), member("spouse", "Drita", "Expiring"),
        member("child", "Elira", "Idcard"),
        member("other", "Agim", "Laissez", DocumentKind.laissez_passer, departure)])
    bring_to(case, MOVES_BY_NAME[move_name].sources[0], world)
    principal, spouse, child, _other = case.beneficiaries
    spouse.identity_documents[0].expires_on = departure - timedelta(days=1)
    child.identity_documents[0].kind = DocumentKind.identity_card
    db.session.flush()

    data = {**stage_data(move_name, world), "planned_departure_on": iso(departure)}
    refused = expect_refusal(case, move_name, world.caseworker, data, code="precondition")
    assert "Drita Expiring" in refused.message and "Elira Idcard" in refused.message
    assert principal.full_name not in refused.message
    assert "Agim Laissez" not in refused.message  # valid on the day itself
    # a day earlier, with a passport for the child, everyone can travel
    data["planned_departure_on"] = iso(departure - timedelta(days=1))
    child.identity_documents[0].kind = DocumentKind.passport
    db.session.flush()
    transition(case, move_name, by=world.caseworker, data=data)
    assert case.status is S.travel_booked
    assert case.planned_departure_on == departure - timedelta(days=1)


def test_arrival_cannot_be_before_departure():
    case, world = case_at(S.approved)
    days_ago = {n: iso(date.today() - timedelta(days=n)) for n in (3, 4, 20)}
    move(case, "refer", world, referred_on=days_ago[20])
    move(case, "accept_referral", world)
    move(case, "book_travel", world)
    move(case, "confirm_departure", world, departed_on=days_ago[3])
    refused = expect_refusal(case, "confirm_arrival", world.officer,
                             {"arrived_on": days_ago[4]}, code="invalid_data")
    assert set(refused.errors) == {"arrived_on"}
    assert days_ago[3] in refused.errors["arrived_on"][0]
    move(case, "confirm_arrival", world, arrived_on=days_ago[3])
    assert case.status is S.arrival_confirmed


def test_departure_cannot_be_before_the_referral():
    case, world = case_at(S.travel_booked)
    refused = expect_refusal(case, "confirm_departure", world.caseworker,
                             {"departed_on": yesterday()}, code="invalid_data")
    assert set(refused.errors) == {"departed_on"}


# -- on hold, close, reopen and the side branches --------------------------------------------
HOLD_SOURCES = MOVES_BY_NAME["hold"].sources
CLOSE_SOURCES = MOVES_BY_NAME["close"].sources


@pytest.mark.parametrize("stage", HOLD_SOURCES)
def test_on_hold_resumes_to_the_stage_it_left(stage):
    case, world = case_at(stage)
    move(case, "hold", world)
    assert (case.status, case.held_from) == (S.on_hold, stage)
    event = move(case, "resume", world)
    assert (event.from_status, event.to_status) == (S.on_hold, stage)
    assert case.status is stage and case.held_from is None


@pytest.mark.parametrize("stage", CLOSE_SOURCES)
def test_close_remembers_and_reopen_returns_to_the_stage(stage):
    case, world = case_at(stage if stage is not S.on_hold else S.registered)
    if stage is S.on_hold:
        move(case, "hold", world)
    move(case, "close", world, closure_reason="re_migrated")
    assert case.status is S.closed and case.closed_from is stage
    assert case.closure_reason is ClosureReason.re_migrated and case.closed_at is not None
    expect_refusal(case, "reopen", world.caseworker, stage_data("reopen", world),
                   code="wrong_role")
    event = move(case, "reopen", world, by=world.manager)
    assert (event.from_status, event.to_status) == (S.closed, stage)
    assert case.status is stage and stored_status(case) is stage
    assert (case.closed_at, case.closed_from, case.closure_reason) == (None, None, None)
    if stage is S.on_hold:  # still remembers where it was held, so it can resume
        assert case.held_from is S.registered
        move(case, "resume", world)
        assert case.status is S.registered and stored_status(case) is S.registered


def test_no_show_then_travel_is_booked_again():
    case, world = case_at(S.no_show)
    event = move(case, "rebook_travel", world)
    assert event.from_status is S.no_show and case.status is S.travel_booked
    assert (case.flight_carrier, case.flight_number) == ("Air Serbia", "JU 331")
    move(case, "confirm_departure", world)
    assert case.status is S.departed


def test_rejected_then_resubmitted_and_approved():
    case, world = case_at(S.rejected)
    assert case.rejection_reason == "Not eligible on this route."
    move(case, "resubmit", world)
    assert case.status is S.application_submitted
    move(case, "approve", world)
    assert case.status is S.approved
    statuses = [(e.from_status, e.to_status) for e in transitions_of(case)]
    assert statuses[-3:] == [(S.application_submitted, S.rejected),
                             (S.rejected, S.application_submitted),
                             (S.application_submitted, S.approved)]


@pytest.mark.parametrize("stage", [S.arrival_confirmed, S.monitoring])
def test_the_timeline_records_the_whole_path(stage):
    case, _world = case_at(stage)
    events = transitions_of(case)
    assert [e.to_status for e in events] == [
        MOVES_BY_NAME[name].target for name in PATHS[stage]]
    versions = [e.version for e in events]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


# -- the partner's stages: referral declined, the reintegration plan ------------------------
def test_declining_the_referral_clears_the_partner_who_then_no_longer_sees_the_case():
    case, world = case_at(S.referred)
    assert case.can_view(world.officer)
    event = move(case, "decline_referral", world)
    assert (event.from_status, event.to_status, event.by_id) == \
        (S.referred, S.approved, world.officer.id)
    assert event.note == NOTES["note"]
    assert case.status is S.approved and stored_status(case) is S.approved
    assert (case.partner, case.partner_id, case.referred_on) == (None, None, None)
    assert not case.can_view(world.officer)
    visible = db.session.scalars(db.select(Case.id).where(Case.visible_to(world.officer)))
    assert case.id not in list(visible)
    assert workflow.allowed_moves(case, world.officer) == []
    expect_refusal(case, "close", world.officer, stage_data("close", world),
                   code="not_your_case")
    # the sending office still has it, and can refer it again (here to another partner)
    assert case.can_view(world.caseworker)
    other = factories.make_office(kind=OfficeKind.partner, country=world.country)
    move(case, "refer", world, partner_id=str(other.id))
    assert case.status is S.referred and case.partner_id == other.id
    assert not case.can_view(world.officer)


def test_a_referral_is_declined_only_by_the_partner_it_was_sent_to():
    case, world = case_at(S.referred)
    same_country = factories.make_office(kind=OfficeKind.partner, country=world.country)
    stranger = factories.make_user(Role.reintegration_officer, office=same_country)
    expect_refusal(case, "decline_referral", stranger, stage_data("decline_referral", world),
                   code="not_your_case")
    refused = expect_refusal(case, "decline_referral", world.officer, {}, code="missing_data")
    assert set(refused.errors) == {"note"}
    assert case.partner_id == world.partner.id


BEFORE_REFERRAL = [S.registered, S.counselling, S.application_submitted, S.approved,
                   S.rejected, S.withdrawn]


@pytest.mark.parametrize("stage", BEFORE_REFERRAL)
def test_the_partner_officer_cannot_close_a_case_before_it_is_referred(stage):
    case, world = case_at(stage)
    case.partner = world.partner  # even one that names the partner (e.g. imported data)
    db.session.flush()
    expect_refusal(case, "close", world.officer, stage_data("close", world),
                   code="not_your_case")
    assert "close" not in {m.name for m in workflow.allowed_moves(case, world.officer)}


@pytest.mark.parametrize("stage", PARTNER_STAGES)
def test_the_partner_officer_closes_in_partner_stages_and_a_manager_reopens(stage):
    case, world = case_at(stage)
    assert "close" in {m.name for m in workflow.allowed_moves(case, world.officer)}
    event = move(case, "close", world, by=world.officer, closure_reason="unreachable")
    assert (event.from_status, event.to_status, event.by_id) == \
        (stage, S.closed, world.officer.id)
    assert case.closed_from is stage and case.closure_reason is ClosureReason.unreachable
    assert case.can_view(world.officer)  # still the partner's case, closed
    expect_refusal(case, "reopen", world.officer, stage_data("reopen", world),
                   code="wrong_role")
    move(case, "reopen", world)
    assert case.status is stage and stored_status(case) is stage


def test_the_partner_officer_can_close_a_case_held_from_a_partner_stage_only():
    case, world = case_at(S.on_hold, via=S.plan_drafted)
    move(case, "close", world, by=world.officer)
    assert case.closed_from is S.on_hold
    early, early_world = case_at(S.on_hold, via=S.approved)
    expect_refusal(early, "close", early_world.officer, stage_data("close", early_world),
                   code="not_your_case")


def test_drafting_starts_an_empty_plan_that_submit_refuses_until_it_has_a_line():
    case, world = case_at(S.plan_drafted)
    assert case.plan is not None and case.plan.lines == []
    refused = expect_refusal(case, "submit_plan", world.officer, {}, code="precondition")
    assert set(refused.errors) == {""}
    assert "at least one line" in refused.message
    add_plan_line(case, world)
    move(case, "submit_plan", world)
    assert case.status is S.plan_submitted
    assert not plans.can_edit_lines(case, world.officer)


def test_submitting_over_budget_needs_a_reason_for_the_manager():
    case, world = case_at(S.plan_drafted)  # AL, no vulnerability: a budget of 0
    assert plans.budget_of(case) == Decimal("0.00")
    add_plan_line(case, world, amount="100.00", kind=plans.SupportKind.housing)
    for reason in ({}, {"over_budget_reason": "   "}):
        refused = expect_refusal(case, "submit_plan", world.officer, reason,
                                 code="invalid_data")
        assert set(refused.errors) == {"over_budget_reason"}
        assert "more than the budget" in refused.message
    assert case.plan.over_budget_reason is None
    event = move(case, "submit_plan", world, over_budget_reason="Family of six, no housing.")
    assert case.status is S.plan_submitted
    assert case.plan.over_budget_reason == "Family of six, no housing."
    assert event.data == {"over_budget_reason": "Family of six, no housing."}


@pytest.mark.parametrize(("amount", "over"), [("1500.00", False), ("1500.01", True)])
def test_a_plan_exactly_at_the_budget_is_not_over_it(amount, over):
    household = [factories.person_data(vulnerabilities=[Vulnerability.disabled])]
    case, world = case_at(S.plan_drafted, household=household)
    assert plans.budget_of(case) == Decimal("1500.00")  # the vulnerability top-up
    add_plan_line(case, world, amount=amount, kind=plans.SupportKind.business)
    if over:
        expect_refusal(case, "submit_plan", world.officer, {}, code="invalid_data")
        move(case, "submit_plan", world, over_budget_reason="A second machine is needed.")
    else:
        move(case, "submit_plan", world)
    assert case.status is S.plan_submitted


def test_approving_over_budget_needs_the_box_and_freezes_the_ceiling():
    case, world = case_at(S.plan_drafted)
    add_plan_line(case, world, amount="800.00", kind=plans.SupportKind.housing)
    add_plan_line(case, world, amount="250.50", kind=plans.SupportKind.education)
    move(case, "submit_plan", world, over_budget_reason="Rent for the first months.")
    refused = expect_refusal(case, "approve_plan", world.manager,
                             stage_data("approve_plan", world), code="invalid_data")
    assert set(refused.errors) == {"approve_over_budget"}
    assert "tick the box" in refused.message
    assert case.plan.approved_on is None and case.plan.approved_budget is None
    event = move(case, "approve_plan", world, approve_over_budget="y")
    assert event.data == {"plan_approved_on": iso(date.today()), "approve_over_budget": True}
    plan = case.plan
    assert case.status is S.plan_approved
    assert (plan.entitlement_version, plan.approved_budget, plan.approved_ceiling) == \
        (1, Decimal("0.00"), Decimal("1050.50"))
    assert plans.budget_of(case) == Decimal("1050.50")
    assert (plan.approved_by_id, plan.approved_on) == (world.manager.id, date.today())


def test_a_plan_within_budget_is_approved_without_the_box():
    household = [factories.person_data(vulnerabilities=[Vulnerability.pregnant])]
    case, world = case_at(S.plan_drafted, household=household)
    add_plan_line(case, world, amount="1000.00", kind=plans.SupportKind.medical)
    move(case, "submit_plan", world)
    move(case, "approve_plan", world)
    plan = case.plan
    assert (plan.approved_budget, plan.approved_ceiling) == \
        (Decimal("1500.00"), Decimal("1500.00"))


def test_a_returned_plan_goes_back_to_draft_for_the_partner_to_change():
    case, world = case_at(S.plan_submitted)
    [line] = case.plan.lines
    refused = expect_refusal(case, "return_plan", world.manager, {}, code="missing_data")
    assert set(refused.errors) == {"note"}
    event = move(case, "return_plan", world, note="Add the school fees for the children.")
    assert (event.from_status, event.to_status, event.by_id) == \
        (S.plan_submitted, S.plan_drafted, world.manager.id)
    assert event.note == "Add the school fees for the children."
    assert case.status is S.plan_drafted and case.plan.approved_on is None
    assert case.plan.lines == [line]
    assert plans.can_edit_lines(case, world.officer)
    add_plan_line(case, world, kind=plans.SupportKind.education, description="School fees")
    move(case, "submit_plan", world)
    move(case, "approve_plan", world)
    assert case.status is S.plan_approved and len(case.plan.lines) == 2


def test_approving_a_plan_is_for_a_manager_of_the_sending_office():
    case, world = case_at(S.plan_submitted)
    for who in (world.caseworker, world.officer):
        expect_refusal(case, "approve_plan", who, stage_data("approve_plan", world),
                       code="wrong_role")
    partner_manager = factories.make_user(Role.manager, office=world.partner)
    expect_refusal(case, "approve_plan", partner_manager, stage_data("approve_plan", world),
                   code="not_your_case")


@pytest.mark.parametrize("still_open", [LineStatus.planned, LineStatus.in_progress])
def test_monitoring_starts_only_when_every_line_is_delivered_or_cancelled(still_open):
    case, world = case_at(S.plan_drafted)
    for kind in (plans.SupportKind.housing, plans.SupportKind.education,
                 plans.SupportKind.psychosocial):
        add_plan_line(case, world, kind=kind, description=f"Support: {kind.value}")
    bring_to_implementation(case, world)
    first, second, third = case.plan.lines
    plans.update_line_status(case, first, LineStatus.delivered, by=world.officer,
                             delivered_on=date.today())
    plans.update_line_status(case, second, LineStatus.cancelled, by=world.officer)
    if still_open is LineStatus.in_progress:
        plans.update_line_status(case, third, LineStatus.in_progress, by=world.officer)
    refused = expect_refusal(case, "start_monitoring", world.officer, {},
                             code="precondition")
    assert "1 still open" in refused.message
    plans.update_line_status(case, third, LineStatus.cancelled, by=world.officer)
    event = transition(case, "start_monitoring", by=world.officer)
    assert event.to_status is S.monitoring and case.status is S.monitoring


def bring_to_implementation(case: Case, world) -> None:
    move(case, "submit_plan", world)
    move(case, "approve_plan", world)
    move(case, "start_implementation", world)
    assert case.status is S.in_implementation


def test_confirming_arrival_schedules_the_follow_up_visits():
    case, _world = case_at(S.arrival_confirmed, dated=date(2025, 1, 31))
    assert [(v.sequence, v.months_after_arrival, v.due_on) for v in case.visits] == [
        (1, 1, date(2025, 2, 28)), (2, 3, date(2025, 4, 30)), (3, 6, date(2025, 7, 31)),
        (4, 12, date(2026, 1, 31))]
    assert count(FollowUpVisit) >= 4


def test_on_hold_stops_plan_work_until_resumed():
    case, world = case_at(S.plan_drafted)
    move(case, "hold", world)
    assert case.held_from is S.plan_drafted
    assert not plans.can_edit_lines(case, world.officer)
    assert case.can_view(world.officer)
    assert {m.name for m in workflow.allowed_moves(case, world.officer)} == {"close"}
    expect_refusal(case, "resume", world.officer, stage_data("resume", world),
                   code="wrong_role")
    move(case, "resume", world)
    assert case.status is S.plan_drafted and plans.can_edit_lines(case, world.officer)
    add_plan_line(case, world)


def test_a_closed_and_reopened_plan_keeps_its_approval_and_lines():
    case, world = case_at(S.in_implementation)
    plan_id, approved = case.plan.id, case.plan.approved_on
    move(case, "close", world, by=world.officer, closure_reason="re_migrated")
    assert not plans.can_update_delivery(case, world.officer)
    move(case, "reopen", world)
    assert case.status is S.in_implementation
    assert (case.plan.id, case.plan.approved_on) == (plan_id, approved)
    assert plans.can_update_delivery(case, world.officer)
    move(case, "start_monitoring", world)
    assert case.status is S.monitoring


# -- the database keeps the invariants -------------------------------------------------------
def sql_update(case: Case, assignments: str) -> None:
    db.session.flush()
    with db.session.begin_nested():
        db.session.execute(text(f"UPDATE cases SET {assignments} WHERE id = :id"),
                           {"id": case.id})


def test_closed_without_reason_breaks_a_check_constraint():
    case, _world = case_at(S.registered)
    with pytest.raises(IntegrityError):
        sql_update(case, "status = 'closed', closed_at = CURRENT_TIMESTAMP")
    with pytest.raises(IntegrityError):
        sql_update(case, "status = 'closed', closure_reason = 'completed'")
    sql_update(case, "status = 'closed', closed_at = CURRENT_TIMESTAMP, "
                     "closure_reason = 'completed'")
    assert stored_status(case) is S.closed


def test_departed_without_departure_date_breaks_a_check_constraint():
    case, _world = case_at(S.travel_booked)
    with pytest.raises(IntegrityError):
        sql_update(case, "status = 'departed'")
    sql_update(case, "status = 'departed', departed_on = CURRENT_DATE")
    assert stored_status(case) is S.departed


# -- concurrent edits --------------------------------------------------------------------
def test_a_stale_edit_is_refused_with_what_changed():
    case, world = case_at(S.counselling)
    opened_at = case.version
    colleague = factories.make_user(Role.caseworker, office=world.office,
                                    full_name="Vera Colleague")
    services.update_case_details(
        case, services.CaseDetails("AL", "Durrës", assignee_id=world.caseworker.id),
        by=colleague, expected_version=opened_at)
    assert case.version > opened_at
    with pytest.raises(StaleEdit) as stale:
        services.update_case_details(case, services.CaseDetails("AL", "Vlorë"),
                                     by=world.caseworker, expected_version=opened_at)
    assert stale.value.current_version == case.version
    [change] = stale.value.changes
    assert change["field"] == "municipality" and change["by"] == "Vera Colleague"
    assert (change["old"], change["new"]) == ("Shkodër", "Durrës")
    assert case.municipality == "Durrës"


def test_a_stale_edit_lists_stage_changes_too():
    case, world = case_at(S.registered)
    opened_at = case.version
    move(case, "hold", world)
    with pytest.raises(StaleEdit) as stale:
        services.update_case_details(case, services.CaseDetails("AL", "Vlorë"),
                                     by=world.caseworker, expected_version=opened_at)
    [change] = stale.value.changes
    assert (change["field"], change["old"], change["new"]) == \
        ("transition", "registered", "on_hold")


def test_the_orm_refuses_to_overwrite_a_newer_version():
    case, _world = case_at(S.registered)
    sql_update(case, "version = version + 1")
    case.municipality = "Korçë"
    with pytest.raises(StaleDataError), db.session.begin_nested():
        db.session.flush()


# -- the table as data ---------------------------------------------------------------------
def test_describe_lists_every_status_and_move():
    described = workflow.describe()
    assert [s["status"] for s in described["statuses"]] == [s.value for s in CaseStatus]
    assert all(s["label"] for s in described["statuses"])
    moves = {m["name"]: m for m in described["moves"]}
    assert set(moves) == {m.name for m in MOVES}
    for spec in MOVES:
        row = moves[spec.name]
        assert row["from"] == [s.value for s in spec.sources]
        assert row["roles"] == sorted(r.value for r in spec.roles)
        assert [d["field"] for d in row["data"]] == list(spec.fields)
    assert moves["approve"]["to"] == "approved"
    assert moves["resume"]["to"] == "held_from" and moves["reopen"]["to"] == "closed_from"
    assert moves["approve"]["conditions"] == ["four_eyes"]
    assert moves["decline_referral"]["to"] == "approved"
    assert moves["submit_plan"]["conditions"] == ["own_partner", "plan_ready"]
    assert moves["approve_plan"]["conditions"] == ["budget_approval"]
    assert moves["start_monitoring"]["conditions"] == ["own_partner", "lines_settled"]
    assert moves["close"]["roles"] == ["caseworker", "manager", "reintegration_officer"]
