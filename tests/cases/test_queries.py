"""Lists of cases: who sees what, filters, sorting, keyset pages and the search box."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from caseflow.accounts.models import OfficeKind, Role, User
from caseflow.cases.models import Case, CaseStatus
from caseflow.cases.queries import BadCursor, CaseFilters, list_cases
from caseflow.extensions import db
from caseflow.people.models import Vulnerability
from tests import factories
from tests.cases.helpers import S, World, bring_to, iso, make_world, move


def person(given: str = "Arben", family: str = "Hoxha", role: str = "principal", **fields):
    return factories.person_data(role, given_names=given, family_name=family, **fields)


def new_case(world: World, given: str = "Arben", family: str = "Hoxha",
             registered_at: datetime | None = None, **kwargs) -> Case:
    household = kwargs.pop("household", None) or [person(given, family)]
    case = world.new_case(household=household, **kwargs)
    if registered_at is not None:
        case.registered_at = registered_at
        db.session.flush()
    return case


def ids(cases) -> list[int]:
    return [c.id for c in cases]


def everything(user: User, filters: CaseFilters | None = None, page_size: int = 1000):
    page = list_cases(user, filters or CaseFilters(), page_size=page_size)
    assert page.next_cursor is None
    return page.cases


def seen(user: User, **filters) -> set[int]:
    return set(ids(everything(user, CaseFilters(**filters))))


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 3, day, hour, tzinfo=UTC)


# -- who sees what -----------------------------------------------------------------------
@dataclass
class Scene:
    world: World
    other: World  # another sending office that refers to the same partner
    own: dict[str, Case]
    theirs: dict[str, Case]
    elsewhere: Case  # referred by `world` to a second partner in the same country
    second_officer: User


def scene() -> Scene:
    world = make_world()
    other_office = factories.make_office(kind=OfficeKind.sending)
    other = World(office=other_office,
                  caseworker=factories.make_user(Role.caseworker, office=other_office),
                  manager=factories.make_user(Role.manager, office=other_office),
                  partner=world.partner, officer=world.officer)
    own = {stage.value: bring_to(new_case(world), stage, world) for stage in
           (S.registered, S.approved, S.referred, S.arrival_confirmed)}
    held = bring_to(new_case(world), S.accepted_by_partner, world)
    move(held, "hold", world)
    own["held"] = held
    closed = bring_to(new_case(world), S.departed, world)
    move(closed, "close", world, closure_reason="unreachable")
    own["closed"] = closed
    theirs = {stage.value: bring_to(new_case(other), stage, other) for stage in
              (S.registered, S.referred)}
    second = factories.make_office(kind=OfficeKind.partner, country="AL")
    second_world = World(office=world.office, caseworker=world.caseworker,
                         manager=world.manager, partner=second,
                         officer=factories.make_user(Role.reintegration_officer,
                                                     office=second))
    elsewhere = bring_to(new_case(world), S.referred, second_world)
    return Scene(world, other, own, theirs, elsewhere, second_world.officer)


def test_a_caseworker_sees_the_cases_of_their_office():
    s = scene()
    expected = {c.id for c in s.own.values()} | {s.elsewhere.id}
    assert seen(s.world.caseworker) == expected
    assert seen(s.other.caseworker) == {c.id for c in s.theirs.values()}


def test_a_manager_sees_their_office_and_what_is_referred_to_their_partner_office():
    s = scene()
    assert seen(s.world.manager) == {c.id for c in s.own.values()} | {s.elsewhere.id}
    partner_manager = factories.make_user(Role.manager, office=s.world.partner)
    partner_cases = {s.own[k].id for k in ("referred", "arrival_confirmed", "held", "closed")}
    assert seen(partner_manager) == partner_cases | {s.theirs["referred"].id}


def test_a_reintegration_officer_sees_only_cases_referred_to_their_organisation():
    s = scene()
    expected = {s.own[k].id for k in ("referred", "arrival_confirmed", "held", "closed")}
    assert seen(s.world.officer) == expected | {s.theirs["referred"].id}
    assert seen(s.second_officer) == {s.elsewhere.id}
    assert seen(factories.make_user(Role.reintegration_officer)) == set()


def test_an_admin_sees_everything_and_an_inactive_user_nothing():
    s = scene()
    every = {c.id for c in [*s.own.values(), *s.theirs.values(), s.elsewhere]}
    assert seen(factories.make_user(Role.admin)) == every
    s.world.caseworker.is_active = False
    s.world.officer.is_active = False
    assert seen(s.world.caseworker) == set()
    assert seen(s.world.officer) == set()


def test_the_list_agrees_with_can_view():
    s = scene()
    every = [*s.own.values(), *s.theirs.values(), s.elsewhere]
    users = [s.world.caseworker, s.world.manager, s.world.officer, s.other.caseworker,
             s.second_officer, factories.make_user(Role.admin),
             factories.make_user(Role.manager, office=s.world.partner)]
    for user in users:
        assert seen(user) == {c.id for c in every if c.can_view(user)}, user


# -- filters -----------------------------------------------------------------------------------
def test_filters_by_status_country_office_assignee_and_partner():
    world = make_world()
    registered = new_case(world)
    approved = bring_to(new_case(world), S.approved, world)
    referred = bring_to(new_case(world), S.referred, world)
    serbia = make_world("RS")
    in_serbia = bring_to(new_case(serbia, household=[
        person("Marko", "Jovanović", nationality="RS")]), S.referred, serbia)
    admin = factories.make_user(Role.admin)
    mine = {registered.id, approved.id, referred.id}

    assert seen(admin, statuses=[S.registered, S.approved]) == {registered.id, approved.id}
    assert seen(world.caseworker, statuses=[S.registered, S.approved]) == \
        {registered.id, approved.id}
    assert seen(world.caseworker, statuses=[S.closed]) == set()
    assert seen(admin, country="RS") == {in_serbia.id}
    assert seen(admin, office_id=world.office.id) == mine
    assert seen(admin, partner_id=world.partner.id) == {referred.id}
    assert seen(admin, partner_id=serbia.partner.id, statuses=[S.referred]) == {in_serbia.id}
    assert seen(world.caseworker, office_id=serbia.office.id) == set()  # never widens


def test_filter_by_assignee():
    world = make_world()
    new_case(world)
    managed = factories.make_case(by=world.manager)  # assigned to whoever registers
    assert seen(world.caseworker, assignee_id=world.manager.id) == {managed.id}


def test_filter_by_vulnerability_of_any_member():
    world = make_world()
    new_case(world)
    pregnant = new_case(world, household=[
        person(), person("Drita", "Hoxha", "spouse", vulnerabilities=[Vulnerability.pregnant])])
    assert seen(world.caseworker, vulnerability=Vulnerability.pregnant) == {pregnant.id}
    assert seen(world.caseworker, vulnerability=Vulnerability.elderly) == set()


def test_filter_by_registration_dates_counts_whole_days():
    world = make_world()
    early = new_case(world, registered_at=datetime(2024, 3, 1, 0, 0, tzinfo=UTC))
    late = new_case(world, registered_at=datetime(2024, 3, 10, 23, 59, tzinfo=UTC))
    new_case(world, registered_at=datetime(2024, 3, 11, 0, 0, tzinfo=UTC))
    new_case(world, registered_at=datetime(2024, 2, 29, 23, 59, tzinfo=UTC))
    assert seen(world.caseworker, registered_from=date(2024, 3, 1),
                registered_to=date(2024, 3, 10)) == {early.id, late.id}
    assert seen(world.caseworker, registered_from=date(2024, 3, 10),
                registered_to=date(2024, 3, 10)) == {late.id}


def departed(world: World, on: date) -> Case:
    case = bring_to(new_case(world), S.approved, world)
    move(case, "refer", world, referred_on=iso(date(2024, 1, 2)))
    move(case, "accept_referral", world)
    move(case, "book_travel", world)
    move(case, "confirm_departure", world, departed_on=iso(on))
    return case


def test_filter_by_departure_dates():
    world = make_world()
    new_case(world)
    first = departed(world, date(2024, 2, 1))
    second = departed(world, date(2024, 2, 29))
    third = departed(world, date(2024, 3, 1))
    assert seen(world.caseworker, departed_from=date(2024, 2, 1),
                departed_to=date(2024, 2, 29)) == {first.id, second.id}
    assert seen(world.caseworker, departed_from=date(2024, 2, 2)) == {second.id, third.id}
    assert seen(world.caseworker, departed_to=date(2024, 2, 1)) == {first.id}


# -- sorting and pages ---------------------------------------------------------------------------
def sorting_world() -> tuple[World, list[Case]]:
    """Five cases whose number, registration time and name orders all differ; two share a
    registration time and two share a name (ties are broken by id)."""
    world = make_world()
    cases = [
        new_case(world, "Luan", "Shala", registered_at=at(5)),
        new_case(world, "Besa", "Morina", registered_at=at(9)),
        new_case(world, "Teuta", "Gashi", registered_at=at(1)),
        new_case(world, "Besa", "Morina", registered_at=at(5)),
        new_case(world, "Agim", "Rama", registered_at=at(7)),
    ]
    return world, cases


def test_each_sort_orders_the_list():
    world, c = sorting_world()
    expected = {
        "newest": [c[1], c[4], c[3], c[0], c[2]],
        "oldest": [c[2], c[0], c[3], c[4], c[1]],
        "number": c,
        "name": [c[4], c[1], c[3], c[0], c[2]],
    }
    for sort, order in expected.items():
        assert ids(everything(world.caseworker, CaseFilters(sort=sort))) == ids(order), sort
    assert ids(everything(world.caseworker, CaseFilters(sort="nonsense"))) == \
        ids(expected["newest"])


def walk_forward(user: User, filters: CaseFilters, page_size: int) -> list:
    pages, cursor = [], None
    while True:
        page = list_cases(user, filters, cursor, page_size=page_size)
        pages.append(page)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
        assert len(pages) < 50, "pagination does not end"


@pytest.mark.parametrize("sort", ["newest", "oldest", "number", "name"])
def test_keyset_pages_return_every_case_once_and_go_back(sort):
    world, _cases = sorting_world()
    for n in range(4):  # more ties: same time, same name
        new_case(world, "Besa", "Morina", registered_at=at(5))
        new_case(world, f"Zef{n}", "Prifti", registered_at=at(20 + n))
    other_office = make_world()
    new_case(other_office, "Besa", "Morina", registered_at=at(5))
    filters = CaseFilters(sort=sort)
    whole = ids(everything(world.caseworker, filters))
    assert len(whole) == 13

    pages = walk_forward(world.caseworker, filters, page_size=3)
    assert [len(p.cases) for p in pages] == [3, 3, 3, 3, 1]
    assert [i for p in pages for i in ids(p.cases)] == whole
    assert pages[0].prev_cursor is None and pages[-1].next_cursor is None

    for n in range(1, len(pages)):
        back = list_cases(world.caseworker, filters, pages[n].prev_cursor, page_size=3)
        assert ids(back.cases) == ids(pages[n - 1].cases), n
        assert back.next_cursor is not None
        assert (back.prev_cursor is None) == (n == 1)
        # and forward again from the page we went back to
        again = list_cases(world.caseworker, filters, back.next_cursor, page_size=3)
        assert ids(again.cases) == ids(pages[n].cases)


def test_an_empty_list_has_no_cursors():
    page = list_cases(make_world().caseworker, CaseFilters())
    assert (page.cases, page.next_cursor, page.prev_cursor) == ([], None, None)


def forged(*parts) -> str:
    raw = json.dumps(list(parts) if len(parts) != 1 else parts[0]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(("sort", "cursor"), [
    ("newest", "not a cursor at all"),
    ("newest", "%%%"),
    ("newest", forged("sideways", "2024-03-01T00:00:00+00:00", 1)),
    ("newest", forged("after", "2024-03-01T00:00:00+00:00", "1")),
    ("newest", forged("after", "yesterday", 1)),
    ("newest", forged("after", 20240301, 1)),
    ("newest", forged("after", "2024-03-01T00:00:00", 1)),  # no time zone
    ("newest", forged("after", "2024-03-01T00:00:00+00:00", 2**40)),  # beyond the id type
    ("newest", forged("after", "2024-03-01T00:00:00+00:00", True)),
    ("name", forged("after", "Besa\u0000", 1)),
    ("newest", forged("after", 1)),
    ("newest", forged({"direction": "after"})),
    ("number", forged("after", 7, 1)),
    ("name", forged("before", None, 1)),
    ("newest", base64.urlsafe_b64encode(b"\xff\xfe").decode()),
])
def test_a_forged_cursor_is_refused(sort, cursor):
    world, _cases = sorting_world()
    with pytest.raises(BadCursor):
        list_cases(world.caseworker, CaseFilters(sort=sort), cursor)


def test_a_cursor_of_another_sort_is_refused():
    world, _cases = sorting_world()
    page = list_cases(world.caseworker, CaseFilters(sort="name"), page_size=2)
    with pytest.raises(BadCursor):
        list_cases(world.caseworker, CaseFilters(sort="newest"), page.next_cursor)


# -- the search box -------------------------------------------------------------------------------
@dataclass
class Searchable:
    world: World
    cases: dict[str, Case]


@pytest.fixture
def people() -> Searchable:
    world = make_world("RS")
    albania = World(office=world.office, caseworker=world.caseworker, manager=world.manager,
                    partner=factories.make_office(kind=OfficeKind.partner),
                    officer=world.officer, country="AL")
    return Searchable(world, {
        "djordje": new_case(world, household=[
            person("Đorđe", "Petrović", name_original="Ђорђе Петровић", nationality="RS",
                   oe_number="8.123.456"),
            person("Drita", "Krasniqi", "spouse")]),
        "hoxhe": new_case(albania, "Arben", "Hoxhë"),
        "krasniqi": new_case(albania, "Besnik", "Krasniqi"),
        "jelena": new_case(world, household=[person("Jelena", "Nikolić", nationality="RS")]),
    })


def found(people: Searchable, query: str, user: User | None = None) -> set[str]:
    hits = seen(user or people.world.caseworker, text=query)
    return {name for name, case in people.cases.items() if case.id in hits}


@pytest.mark.parametrize(("query", "expected"), [
    ("Ђорђе", {"djordje"}),
    ("Петровић", {"djordje"}),
    ("Đorđe Petrović", {"djordje"}),
    ("djordje petrovic", {"djordje"}),
    ("PETROVIC, Djordje", {"djordje"}),
    ("Dorde", {"djordje"}),
    ("Petrovich", {"djordje"}),
    ("Petrov", {"djordje"}),
    ("Djor", {"djordje"}),
    ("Ђор", {"djordje"}),
    ("Hoxha", {"hoxhe"}),
    ("Hodža", {"hoxhe"}),
    ("hoxh", {"hoxhe"}),
    ("Krasnici", {"krasniqi", "djordje"}),  # Drita Krasniqi is Đorđe's wife
    ("Krasnići Besnik", {"krasniqi"}),
    ("Kras", {"krasniqi", "djordje"}),
    ("Nikolic", {"jelena"}),
    ("Petrovski", set()),
    ("Arben Petrović", set()),
    ("Jovana", set()),
    ("a", set()),
])
def test_names_are_found_across_scripts_diacritics_and_spellings(people, query, expected):
    assert found(people, query) == expected


def test_every_word_must_fit_one_person_of_the_household(people):
    # Đorđe Petrović and Drita Krasniqi share a case, but nobody is called Đorđe Krasniqi
    assert found(people, "Đorđe Krasniqi") == set()
    assert found(people, "Drita Krasniqi") == {"djordje"}


def test_case_numbers_are_found_in_full_and_by_prefix(people):
    number = people.cases["djordje"].number
    assert found(people, number) == {"djordje"}
    assert found(people, f"  {number.lower()} ") == {"djordje"}
    assert found(people, number.replace("-", "")) == {"djordje"}
    all_of_them = {"djordje", "hoxhe", "krasniqi", "jelena"}
    common = number[:-1]
    expected = {k for k in all_of_them if people.cases[k].number.startswith(common)}
    assert found(people, common) == expected and "djordje" in expected
    year_prefix = number[:len("BE-2026-0")]
    assert found(people, year_prefix) == all_of_them


def test_the_immigration_office_number_is_found(people):
    assert found(people, "8.123.456") == {"djordje"}
    assert found(people, "8.123.457") == set()


def test_a_search_never_shows_cases_the_user_may_not_see(people):
    stranger = make_world("RS")
    hidden = new_case(stranger, household=[person("Đorđe", "Petrović", nationality="RS",
                                                  oe_number="8.123.456")])
    for query in ("Đorđe", "Petrović", "8.123.456", hidden.number):
        assert hidden.id not in seen(people.world.caseworker, text=query), query
        assert found(people, query, stranger.caseworker) == set(), query
    assert seen(stranger.caseworker, text="Petrov") == {hidden.id}
    assert seen(people.world.officer, text="Petrov") == set()


def test_case_number_prefixes_work_whatever_the_database_collation(people):
    """Production databases often use a language collation, where punctuation and control
    characters sort differently from byte order."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("collations are a PostgreSQL matter")
    if not db.session.scalar(text("SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'")):
        pytest.skip("no ICU collations on this server")
    db.session.execute(text(
        'ALTER TABLE cases ALTER COLUMN number TYPE varchar(20) COLLATE "und-x-icu"'))
    number = people.cases["djordje"].number
    assert found(people, number[:-1]) >= {"djordje"}
    assert found(people, number) == {"djordje"}


def test_search_combines_with_filters(people):
    world = people.world
    bring_to(people.cases["jelena"], S.counselling, world)
    assert seen(world.caseworker, text="Nikolic", statuses=[CaseStatus.registered]) == set()
    assert seen(world.caseworker, text="Nikolic", statuses=[CaseStatus.counselling]) == \
        {people.cases["jelena"].id}
    assert seen(world.caseworker, text="Krasniqi", country="AL") == {people.cases["krasniqi"].id}


def test_registration_date_filter_uses_utc_days():
    world = make_world()
    case = new_case(world, registered_at=datetime(2024, 3, 5, 23, 30, tzinfo=UTC))
    assert seen(world.caseworker, registered_to=date(2024, 3, 5)) == {case.id}
    assert seen(world.caseworker, registered_from=date(2024, 3, 5) + timedelta(days=1)) == \
        set()
