"""Spotting people already in caseflow: across scripts, diacritics and spelling, without
telling a user about cases they may not see."""

from __future__ import annotations

from datetime import date

import pytest

from caseflow.accounts.models import Role
from caseflow.cases.duplicates import THRESHOLD, DuplicatesFound, find_duplicates
from caseflow.cases.models import CaseEvent, EventKind
from caseflow.cases.services import CaseDetails, Registration, register_case
from caseflow.extensions import db
from caseflow.people.models import ConsentPurpose
from tests import factories
from tests.cases.helpers import count, make_world

BORN = date(1990, 5, 1)


def person(given: str, family: str, born: date = BORN, nationality: str = "RS",
           role: str = "principal", **fields):
    return factories.person_data(role, given_names=given, family_name=family,
                                 date_of_birth=born, nationality=nationality, **fields)


def djordje(world):
    """The existing case: Đorđe Petrović, with his name in Cyrillic too."""
    return world.new_case(household=[person("Đorđe", "Petrović",
                                            name_original="Ђорђе Петровић")])


def registration(*household, reason: str | None = None) -> Registration:
    return Registration(details=CaseDetails("RS", "Niš"), household=list(household),
                        consent_on=date.today(),
                        consent_purposes=[ConsentPurpose.case_processing],
                        duplicate_reason=reason)


def test_a_latin_spelling_finds_the_person_written_with_diacritics():
    world = make_world("RS")
    existing = djordje(world)
    [match] = find_duplicates([person("Djordje", "Petrovic")], viewer=world.caseworker)
    assert match.case_id == existing.id and match.case_number == existing.number
    assert match.beneficiary_id == existing.principal.id
    assert match.name == "Đorđe Petrović" and match.date_of_birth == BORN
    assert match.matched_for == "Djordje Petrovic"
    assert match.can_view and match.office == world.office.name
    assert match.score == pytest.approx(1.0)


def test_a_cyrillic_name_finds_the_person():
    world = make_world("RS")
    existing = djordje(world)
    [match] = find_duplicates([person("Ђорђе", "Петровић")], viewer=world.caseworker)
    assert match.case_id == existing.id


def test_the_albanian_definite_form_finds_the_indefinite():
    world = make_world()
    existing = world.new_case(household=[person("Arben", "Hoxha", nationality="AL")])
    [match] = find_duplicates([person("Arben", "Hoxhë", nationality="AL")],
                              viewer=world.caseworker)
    assert match.case_id == existing.id and match.score >= 0.9


def test_day_and_month_swapped_is_still_a_match_with_a_lower_score():
    world = make_world("RS")
    djordje(world)
    [exact] = find_duplicates([person("Djordje", "Petrovic")], viewer=world.caseworker)
    [swapped] = find_duplicates([person("Djordje", "Petrovic", born=date(1990, 1, 5))],
                                viewer=world.caseworker)
    assert swapped.case_id == exact.case_id
    assert THRESHOLD <= swapped.score < exact.score


def test_an_unrelated_name_with_the_same_birth_date_and_nationality_is_no_match():
    world = make_world("RS")
    djordje(world)
    assert find_duplicates([person("Jelena", "Nikolić")], viewer=world.caseworker) == []
    assert find_duplicates([person("Petar", "Jovanović")], viewer=world.caseworker) == []


def test_the_same_name_born_decades_apart_is_no_match():
    world = make_world("RS")
    djordje(world)
    assert find_duplicates([person("Djordje", "Petrovic", born=date(1961, 11, 23))],
                           viewer=world.caseworker) == []


def test_a_viewer_of_another_office_learns_only_number_and_office():
    world = make_world("RS")
    existing = djordje(world)
    elsewhere = factories.make_user(Role.caseworker)
    [match] = find_duplicates([person("Djordje", "Petrovic")], viewer=elsewhere)
    assert (match.case_number, match.office) == (existing.number, world.office.name)
    assert (match.name, match.beneficiary_id, match.date_of_birth) == (None, None, None)
    assert match.can_view is False
    shown = match.as_dict()
    assert shown["name"] is None and shown["date_of_birth"] is None
    assert "Đorđe" not in repr(shown)


def test_each_existing_person_is_listed_once_best_first():
    world = make_world("RS")
    first = djordje(world)
    second = world.new_case(household=[person("Đorđe", "Petrović", born=date(1990, 1, 5))])
    matches = find_duplicates([person("Djordje", "Petrovic"),
                               person("Đorđe", "Petrović", born=date(1990, 1, 5))],
                              viewer=world.caseworker)
    assert [m.case_id for m in matches] == [first.id, second.id]  # same score: by number
    assert len({m.beneficiary_id for m in matches}) == 2
    assert all(m.score == pytest.approx(1.0) for m in matches)
    assert find_duplicates([person("Djordje", "Petrovic")], viewer=world.caseworker,
                           exclude_case_id=first.id)[0].case_id == second.id


def test_registration_stops_at_a_look_alike_and_writes_nothing():
    world = make_world("RS")
    existing = djordje(world)
    db.session.flush()
    cases_before, events_before = count(type(existing)), count(CaseEvent)
    with pytest.raises(DuplicatesFound) as found:
        register_case(registration(person("Djordje", "Petrovic")), by=world.caseworker)
    [match] = found.value.matches
    assert match.case_number == existing.number
    assert (count(type(existing)), count(CaseEvent)) == (cases_before, events_before)


def test_a_reason_lets_the_registration_go_on_and_is_kept():
    world = make_world("RS")
    djordje(world)
    reason = "  Same name and birthday, but another father's name.  "
    case = register_case(registration(person("Djordje", "Petrovic"), reason=reason),
                         by=world.caseworker)
    assert case.duplicate_override_reason == reason.strip()
    [created] = [e for e in case.events if e.kind is EventKind.created]
    assert created.note == reason.strip()


def test_a_blank_reason_is_no_reason():
    world = make_world("RS")
    djordje(world)
    with pytest.raises(DuplicatesFound):
        register_case(registration(person("Djordje", "Petrovic"), reason="   "),
                      by=world.caseworker)


def test_a_household_member_can_be_the_look_alike():
    world = make_world("RS")
    existing = djordje(world)
    with pytest.raises(DuplicatesFound) as found:
        register_case(registration(person("Marija", "Ilić", born=date(1992, 2, 2)),
                                   person("Dorde", "Petrovic", role="spouse")),
                      by=world.caseworker)
    assert [m.case_id for m in found.value.matches] == [existing.id]
    assert found.value.matches[0].matched_for == "Dorde Petrovic"


def test_a_look_alike_is_found_among_many_namesakes():
    """A common given name must not crowd the real match out of the candidates."""
    world = make_world()
    for n in range(210):
        world.new_case(household=[person("Arben", f"Namesake{n:03d}", nationality="AL",
                                         born=date(1990, 5, 1))])
    existing = world.new_case(household=[person("Arben", "Hoxha", nationality="AL",
                                                born=date(1979, 8, 30))])
    matches = find_duplicates([person("Arben", "Hoxhë", nationality="AL",
                                      born=date(1979, 8, 30))], viewer=world.caseworker)
    assert existing.id in [m.case_id for m in matches]
