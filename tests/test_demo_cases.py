"""The demo cases of `flask demo load` and the generated cases of `flask demo generate`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from caseflow.accounts.models import Office, Role, User
from caseflow.cases.duplicates import find_duplicates
from caseflow.cases.models import (
    PARTNER_STAGES,
    Case,
    CaseCounter,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    CounsellingSession,
    EventKind,
)
from caseflow.cases.services import PersonData
from caseflow.demo import cases as demo_cases
from caseflow.demo import data
from caseflow.demo.services import load_demo
from caseflow.extensions import db
from caseflow.people import names
from caseflow.people.models import (
    Beneficiary,
    BeneficiaryVulnerability,
    Consent,
    HouseholdRole,
    IdentityDocument,
    NameKey,
    SchoolRecord,
    Sex,
)
from tests import factories
from tests.databases import backend

S = CaseStatus
# The stages the generator covers; the demo also has households after their return, at the
# stages of the reintegration plan (tests/test_demo_after_return.py).
COVERED = {S.registered, S.counselling, S.application_submitted, S.approved, S.rejected,
           S.withdrawn, S.referred, S.accepted_by_partner, S.travel_booked, S.departed,
           S.no_show, S.arrival_confirmed, S.on_hold, S.closed}
DEMO_COVERED = COVERED | {S.plan_drafted, S.plan_submitted, S.plan_approved,
                          S.in_implementation, S.monitoring}
TABLES = (Case, Beneficiary, BeneficiaryVulnerability, IdentityDocument, Consent,
          SchoolRecord, CounsellingSession, CaseEvent, NameKey, CaseCounter)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> dict[str, int]:
    return {model.__name__: count(model) for model in TABLES}


def demo_user(role: Role, slug: str) -> User:
    return db.session.scalar(select(User).where(User.email == data.demo_email(role, slug)))


def transitions(case: Case) -> list[CaseEvent]:
    return [e for e in case.events if e.kind is EventKind.transition]


# -- flask demo load ---------------------------------------------------------------------
def test_demo_load_creates_realistic_cases_through_the_services(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    cases = db.session.scalars(select(Case).order_by(Case.registered_at)).unique().all()
    assert len(cases) >= 55
    assert f"{len(cases)} demo cases" in result.output
    assert {c.status for c in cases} == DEMO_COVERED
    assert {c.country_of_return for c in cases} == {"AL", "MK", "XK", "RS"}

    people = db.session.scalars(select(Beneficiary)).all()
    assert any(p.name_original and any("\u0400" <= ch <= "\u04ff" for ch in p.name_original)
               for p in people)
    schooled = [p for p in people if p.school_records]
    assert schooled and all(p.role is HouseholdRole.child for p in schooled)
    assert any(p.role is HouseholdRole.principal and p.oe_number == "8.765.432"
               for p in people)

    now = datetime.now(UTC)
    numbers = [c.number for c in cases]
    assert len(set(numbers)) == len(numbers)
    for case in cases:
        assert case.registered_at < now
        assert case.number.startswith(f"BE-{case.registered_at.year}-")
        events = case.events
        assert events[0].kind is EventKind.created and events[0].at == case.registered_at
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert events[-1].at <= now and case.updated_at == events[-1].at
        moves = transitions(case)
        if case.status is not S.registered:
            assert moves and moves[-1].to_status is case.status, case.number
        assert case.version == 1 + sum(e.kind is not EventKind.session_logged
                                       for e in events[1:])
        for session in case.sessions:
            assert case.registered_at.date() <= session.held_on < now.date()
        for move in moves:
            if move.to_status in (S.approved, S.rejected):
                assert move.by.role is Role.manager and move.by_id != case.assignee_id
                assert move.by.office_id == case.office_id
            if move.to_status in (S.accepted_by_partner, S.arrival_confirmed):
                assert move.by.role is Role.reintegration_officer
                assert move.by.office_id == case.partner_id
        if case.partner is not None:
            assert case.partner.country == case.country_of_return
        if case.departed_on:
            assert case.referred_on <= case.departed_on < now.date()
            assert case.planned_departure_on == case.departed_on
        if case.arrived_on:
            assert case.departed_on <= case.arrived_on
        if case.status is S.travel_booked:
            assert case.planned_departure_on >= now.date()
        if case.status is S.closed:
            assert case.closure_reason and case.closed_at == moves[-1].at
        if case.status is S.on_hold:
            assert case.held_from is not None


def test_demo_load_shows_look_alikes_for_the_duplicate_warning(runner):
    runner.invoke(args=["demo", "load"])

    def same_person(oe_number: str) -> dict[str, Case]:
        # The look-alikes share the Immigration Office number of the person they are.
        return {c.principal_name: c for c in db.session.scalars(
            select(Case).join(Beneficiary).where(Beneficiary.oe_number == oe_number,
                                                 Beneficiary.role == HouseholdRole.principal)
        ).unique()}

    petrovic, hoxha = same_person("8.765.432"), same_person("8.512.377")
    original, again = petrovic["Đorđe Petrović"], petrovic["Djordje Petrovic"]
    assert original.status is S.closed and original.closure_reason is ClosureReason.re_migrated
    assert original.number in again.duplicate_override_reason
    assert hoxha["Arben Hoxha"].number in hoxha["Arben Hoxhë"].duplicate_override_reason
    assert hoxha["Arben Hoxhë"].closure_reason is ClosureReason.duplicate
    # A third spelling, from a Cyrillic document, is caught before it is registered.
    caseworker = demo_user(Role.caseworker, "iom-brussels")
    newcomer = PersonData(role=HouseholdRole.principal, given_names="Dorde",
                          family_name="Petrovich", sex=Sex.male,
                          date_of_birth=original.principal.date_of_birth, nationality="RS",
                          name_original="Ђорђе Петровић")
    matches = find_duplicates([newcomer], viewer=caseworker)
    assert {m.case_number for m in matches} >= {original.number, again.number}


def test_demo_load_twice_creates_nothing_new(runner):
    first = runner.invoke(args=["demo", "load"])
    before = counts()
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert counts() == before
    assert before["Case"] >= 55
    assert first.output.splitlines()[-1] == second.output.splitlines()[-1]


def test_demo_households_are_deterministic():
    today = date(2026, 3, 2)
    first, again = demo_cases.demo_cases(today), demo_cases.demo_cases(today)
    assert [(s.key, s.plan, s.people, s.schools) for s in first] == \
        [(s.key, s.plan, s.people, s.schools) for s in again]
    assert len(first) >= 55
    assert all(s.plan.registered_on < today for s in first)


def test_name_pools_read_the_same_in_both_scripts():
    for country, pools in data.RETURN_NAMES.items():
        for pool, pairs in pools.items():
            assert len(set(pairs)) == len(pairs) >= 15, (country, pool)
            for latin, original in pairs:
                assert (original is None) == (country in ("AL", "XK"))
                if original:
                    assert names.fold(latin) == names.fold(original), (latin, original)
    assert data.female_family_name(("Gjorgjievski", "Ѓорѓиевски")) == \
        ("Gjorgjievska", "Ѓорѓиевска")
    assert data.female_family_name(("Petrović", "Петровић")) == ("Petrović", "Петровић")


# -- flask demo generate --cases -----------------------------------------------------------
@pytest.fixture
def world():
    load_demo(with_cases=False)
    return demo_cases.demo_world()


NOW = datetime(2026, 5, 6, 10, 30, tzinfo=UTC)


def test_generated_cases_are_deterministic(world):
    first = list(demo_cases.generated_cases(1100, 7, world, {}, NOW))
    again = list(demo_cases.generated_cases(1100, 7, world, {}, NOW))
    other = list(demo_cases.generated_cases(1100, 8, world, {}, NOW))
    assert first == again
    assert [g.case["principal_name"] for g in first] != \
        [g.case["principal_name"] for g in other]
    numbers = [g.case["number"] for g in first]
    assert len(set(numbers)) == len(numbers)
    by_year: dict[int, list[int]] = {}
    for g in first:
        by_year.setdefault(g.case["registered_at"].year, []).append(
            int(g.case["number"].rsplit("-", 1)[1]))
    assert all(n == list(range(1, len(n) + 1)) for n in by_year.values())
    continued = list(demo_cases.generated_cases(1100, 7, world, {2025: 41}, NOW))
    first_2025 = next(g for g in continued if g.case["registered_at"].year == 2025)
    assert first_2025.case["number"] == "BE-2025-000042"


def test_generated_statuses_follow_realistic_weights(world):
    statuses = [g.case["status"] for g in demo_cases.generated_cases(3000, 3, world, {}, NOW)]
    assert set(statuses) == COVERED
    share = {s: statuses.count(s) / len(statuses) for s in COVERED}
    assert share[S.arrival_confirmed] + share[S.closed] > 0.4  # three years: mostly done
    assert share[S.no_show] < 0.05


def test_generate_inserts_consistent_rows(world):
    starts = {c.year: c.last_value for c in db.session.scalars(select(CaseCounter))}
    before = counts()
    made = demo_cases.generate_cases(700, 11, now=NOW)
    assert made == 700
    after = counts()
    assert after["Case"] == before["Case"] + 700
    expected = list(demo_cases.generated_cases(700, 11, world, starts, NOW))

    office_users = {o.id: o for o in world.sending}
    partners = {p.id: p for ps in world.partners.values() for p in ps}
    cases = db.session.scalars(select(Case).where(Case.id.in_(
        select(CaseEvent.case_id).where(CaseEvent.note == "Generated for benchmarks (seed 11)")
    )).order_by(Case.id)).unique().all()
    assert [(c.number, c.principal_name) for c in cases] == \
        [(g.case["number"], g.case["principal_name"]) for g in expected]
    assert len({c.status for c in cases}) >= 12
    for case in cases:
        office = office_users[case.office_id]
        people = case.beneficiaries
        assert 1 <= len(people) <= 6
        assert case.household_size == len(people)
        assert [p.role for p in people].count(HouseholdRole.principal) == 1
        assert people[0].role is HouseholdRole.principal
        assert case.principal_name == people[0].full_name
        assert case.assignee_id == case.registered_by_id == office.caseworker_id
        assert case.registered_at.tzinfo is not None
        assert NOW - timedelta(days=3 * 366) < case.registered_at < NOW
        assert case.number.startswith(f"BE-{case.registered_at.year}-")
        events = case.events
        assert events[0].kind is EventKind.created and events[0].at == case.registered_at
        assert [e.at for e in events] == sorted(e.at for e in events) and events[-1].at < NOW
        moves = transitions(case)
        assert case.version == 1 + len(moves) == events[-1].version
        if case.status is not S.registered:
            assert moves[-1].to_status is case.status
        for move in moves:
            if move.to_status in (S.approved, S.rejected):
                assert move.by_id == case.decided_by_id == office.manager_id
            if move.to_status in (S.accepted_by_partner, S.arrival_confirmed):
                assert move.by_id == partners[case.partner_id].officer_id
        reached = {m.to_status for m in moves}
        if S.counselling in reached:
            assert case.sessions and case.sessions[0].held_on >= case.registered_at.date()
        if reached & set(PARTNER_STAGES):
            assert partners[case.partner_id].country == case.country_of_return
        if S.travel_booked in reached:
            for person in people:
                assert any(d.kind.is_travel_document and d.expires_on
                           >= case.planned_departure_on for d in person.identity_documents)
        if case.departed_on:
            assert case.referred_on <= case.departed_on < NOW.date()
        if case.arrived_on:
            assert case.departed_on <= case.arrived_on
        if case.status is S.closed:
            assert case.closed_at == moves[-1].at and case.closed_from is not None
        for person in people:
            assert person.oe_number and not person.oe_number.startswith("8.")
            if person.role is HouseholdRole.child:
                assert person.age_on(case.registered_at.date()) < 18
    # Every person has the search keys of their names, so name search finds them.
    keys: dict[int, set[str]] = {}
    for person_id, key in db.session.execute(select(NameKey.beneficiary_id, NameKey.key)):
        keys.setdefault(person_id, set()).add(key)
    for case in cases:
        for person in case.beneficiaries:
            assert keys[person.id] == names.name_keys(person.full_name, person.name_original)


def test_generated_numbers_continue_the_counter(world):
    demo_cases.generate_cases(120, 5)
    year = date.today().year
    last = db.session.scalar(select(CaseCounter.last_value).where(CaseCounter.year == year))
    assert last is not None and db.session.scalar(select(func.count()).where(
        Case.number.like(f"BE-{year}-%"))) == last
    case = factories.make_case()
    assert case.number == f"BE-{year}-{last + 1:06d}"


def test_generate_command(runner):
    runner.invoke(args=["demo", "load"])
    before = count(Case)
    result = runner.invoke(args=["demo", "generate", "--cases", "40", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "Generated 40 cases with seed 4" in result.output and "cases/s" in result.output
    assert count(Case) == before + 40
    again = runner.invoke(args=["demo", "generate", "--cases", "5", "--seed", "4"])
    assert again.exit_code != 0 and "already generated with seed 4" in again.output
    assert count(Case) == before + 40
    both = runner.invoke(args=["demo", "generate", "--users", "3", "--cases", "3",
                               "--seed", "9"])
    assert both.exit_code == 0, both.output
    assert "Generated 3 users with seed 9." in both.output
    assert "Generated 3 cases with seed 9" in both.output
    neither = runner.invoke(args=["demo", "generate", "--seed", "10"])
    assert neither.exit_code == 2 and "--users N, --cases N or both" in neither.output


def test_generate_needs_the_demo_world(runner):
    result = runner.invoke(args=["demo", "generate", "--cases", "5"])
    assert result.exit_code != 0 and "flask demo load" in result.output


# -- the SQLite fast path ---------------------------------------------------------------------
sqlite_only = pytest.mark.skipif(backend() != "sqlite", reason="SQLite bulk insert path")


@sqlite_only
def test_parallel_generation_inserts_the_same_rows(world):
    starts = {c.year: c.last_value for c in db.session.scalars(select(CaseCounter))}
    demo_cases.generate_cases(1700, 12, now=NOW, parallel=True)
    expected = list(demo_cases.generated_cases(1700, 12, world, starts, NOW))
    rows = db.session.execute(select(Case.number, Beneficiary.position,
                                     Beneficiary.given_names, Beneficiary.family_name)
                              .join(Beneficiary, Beneficiary.case_id == Case.id)
                              .where(Case.number.in_([g.case["number"] for g in expected]))
                              .order_by(Beneficiary.id)).all()
    assert rows == [(g.case["number"], p["position"], p["given_names"], p["family_name"])
                    for g in expected for p in g.people]
    orphans = db.session.scalar(select(func.count()).select_from(NameKey).join(
        Beneficiary, Beneficiary.id == NameKey.beneficiary_id).where(
        NameKey.case_id != Beneficiary.case_id))
    assert orphans == 0


@sqlite_only
def test_check_constraints_are_verified_and_enforced_again(world):
    demo_cases.generate_cases(30, 13, now=NOW)
    office = db.session.get(Office, world.sending[0].id)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(text(
            "INSERT INTO cases (number, office_id, country_of_return, municipality, status, "
            "version, registered_at, updated_at, registered_by_id, principal_name, "
            "household_size, escort_needed) VALUES ('BE-1999-000001', :office, 'AL', 'Fier', "
            "'lost', 1, '2025-01-01 10:00:00.000000', '2025-01-01 10:00:00.000000', :user, "
            "'X', 0, 0)"), {"office": office.id, "user": world.sending[0].caseworker_id})

    after = {t.name: db.session.scalar(select(func.max(demo_cases.rowid)).select_from(t))
             or 0 for t in demo_cases.TABLES}
    db.session.execute(text("PRAGMA ignore_check_constraints = ON"))
    try:
        db.session.execute(text(
            "UPDATE cases SET status = 'lost' WHERE id = (SELECT max(id) FROM cases)"))
    finally:
        db.session.execute(text("PRAGMA ignore_check_constraints = OFF"))
    after["cases"] -= 1
    with pytest.raises(demo_cases.ChecksFailed, match="ck_cases_case_status"):
        demo_cases.verify_checks(after)


@sqlite_only
def test_a_failing_worker_stops_the_run_cleanly(world, monkeypatch):
    import multiprocessing

    make = demo_cases._block_tuples

    def broken(job, block, statements, first_case):
        if block == 2:
            raise ValueError("broken block")
        return make(job, block, statements, first_case)

    monkeypatch.setattr(demo_cases, "_block_tuples", broken)
    with pytest.raises((RuntimeError, ValueError), match="broken block"):
        demo_cases.generate_cases(2000, 14, now=NOW, parallel=True)
    assert multiprocessing.active_children() == []
    assert db.session.execute(text("PRAGMA ignore_check_constraints")).scalar() == 0
