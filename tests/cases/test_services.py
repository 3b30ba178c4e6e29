"""Registering a case and editing its household: numbers, validation, access, history."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from caseflow.accounts.models import OfficeKind, Role
from caseflow.cases import services
from caseflow.cases.models import Case, CaseCounter, CaseEvent, CaseStatus, EventKind
from caseflow.cases.services import (
    CaseDetails,
    Registration,
    SchoolData,
    SessionData,
    TravelDocumentData,
    register_case,
)
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.people import names
from caseflow.people.models import (
    Beneficiary,
    BeneficiaryVulnerability,
    Consent,
    ConsentPurpose,
    DocumentKind,
    HouseholdRole,
    IdentityDocument,
    NameKey,
    SchoolLevel,
    SchoolRecord,
    Vulnerability,
)
from tests import factories
from tests.cases.helpers import S, case_at, count, make_world

TODAY = date.today()
WRITTEN = (Case, Beneficiary, CaseEvent, Consent, NameKey, IdentityDocument,
           BeneficiaryVulnerability, CaseCounter)


# Distinct names and birth dates, so that registrations in one test are not look-alikes.
GIVEN = ("Arta", "Besnik", "Dardan", "Fatmir", "Genta", "Ilir", "Jeta", "Kujtim", "Luan",
         "Mimoza", "Nora", "Petrit", "Rina", "Shpend", "Teuta", "Valon", "Zana")
FAMILY = ("Berisha", "Gashi", "Krasniqi", "Morina", "Shala", "Hoti", "Kelmendi", "Rama",
          "Bytyqi", "Hasani", "Leka", "Dervishi", "Ismaili", "Zeqiri", "Osmani", "Prifti",
          "Mustafa", "Selimi", "Tahiri")
_people = itertools.count()


def person(role: str = "principal", **fields):
    n = next(_people)
    defaults = {"given_names": GIVEN[n % len(GIVEN)], "family_name": FAMILY[n % len(FAMILY)]}
    if role != "child":
        defaults["date_of_birth"] = date(1950 + n % 40, 1 + n % 12, 1 + n % 28)
    return factories.person_data(role, **{**defaults, **fields})


def registration(household=None, **fields) -> Registration:
    defaults = {"details": CaseDetails("AL", "Shkodër"),
                "household": household if household is not None else [person()],
                "consent_on": TODAY,
                "consent_purposes": [ConsentPurpose.case_processing,
                                     ConsentPurpose.partner_sharing],
                "duplicate_reason": None}
    return Registration(**{**defaults, **fields})


def row_counts() -> dict[str, int]:
    db.session.flush()
    return {model.__tablename__: count(model) for model in WRITTEN}


def events_of(case: Case, kind: EventKind) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == kind).order_by(CaseEvent.id)))


def keys_of(beneficiary: Beneficiary) -> set[str]:
    return set(db.session.scalars(select(NameKey.key).where(
        NameKey.beneficiary_id == beneficiary.id)))


def counter(year: int) -> int:
    return db.session.scalar(select(CaseCounter.last_value).where(CaseCounter.year == year)) \
        or 0


# -- registering ---------------------------------------------------------------------------
def test_case_numbers_follow_a_per_year_sequence():
    caseworker = factories.make_user(Role.caseworker)
    first = register_case(registration(), by=caseworker)
    second = register_case(registration(), by=caseworker)
    match = re.fullmatch(r"BE-(\d{4})-(\d{6})", first.number)
    assert match and int(match[1]) == TODAY.year
    assert second.number == f"BE-{TODAY.year}-{int(match[2]) + 1:06d}"
    assert counter(TODAY.year) == int(match[2]) + 1

    # another year keeps its own sequence, untouched by this year's
    earlier = date(2019, 6, 1)
    before = counter(2019)
    old = register_case(registration(consent_on=earlier), by=caseworker, today=earlier)
    register_case(registration(), by=caseworker)
    older = register_case(registration(consent_on=earlier), by=caseworker, today=earlier)
    assert old.number == f"BE-2019-{before + 1:06d}"
    assert older.number == f"BE-2019-{before + 2:06d}"
    assert counter(TODAY.year) == int(match[2]) + 2


def test_registration_writes_the_household_consents_keys_and_history():
    world = make_world()
    household = [
        person("spouse", given_names="Drita", family_name="Hoxha"),
        person(given_names="Arben", family_name="Hoxha", name_original=None,
               oe_number=" 8.123.456 ", vulnerabilities=[Vulnerability.serious_illness],
               documents=[TravelDocumentData(DocumentKind.passport, " ba1234567 ", "AL",
                                             date(2031, 1, 1))]),
        person("child", given_names="Elira", family_name="Hoxha"),
    ]
    case = register_case(registration(household), by=world.caseworker)

    assert case.status is CaseStatus.registered and case.version == 1
    assert case.office_id == world.office.id and case.registered_by_id == world.caseworker.id
    assert case.assignee_id == world.caseworker.id
    assert (case.principal_name, case.household_size) == ("Arben Hoxha", 3)
    assert case.duplicate_override_reason is None
    principal = case.principal
    assert principal.position == 1 and principal.oe_number == "8.123.456"
    assert principal.identity_documents[0].number == "BA1234567"
    assert principal.vulnerability_codes == [Vulnerability.serious_illness]
    link = db.session.scalar(select(BeneficiaryVulnerability).where(
        BeneficiaryVulnerability.beneficiary_id == principal.id))
    assert link.case_id == case.id

    consents = db.session.scalars(select(Consent).order_by(Consent.id)).all()
    assert [(c.beneficiary_id, c.purpose, c.given_on, c.recorded_by_id) for c in consents] \
        == [(principal.id, purpose, TODAY, world.caseworker.id) for purpose in
            (ConsentPurpose.case_processing, ConsentPurpose.partner_sharing)]

    for member in case.beneficiaries:
        assert keys_of(member) == names.name_keys(member.full_name, member.name_original)
    assert db.session.scalar(select(NameKey.case_id).where(
        NameKey.beneficiary_id == principal.id).limit(1)) == case.id

    [created] = events_of(case, EventKind.created)
    assert (created.by_id, created.to_status, created.version) == \
        (world.caseworker.id, CaseStatus.registered, 1)
    assert created.data == {"household_size": 3} and created.note is None


def test_registration_keeps_the_original_script_name_in_the_keys():
    caseworker = factories.make_user(Role.caseworker)
    case = register_case(registration([person(
        given_names="Đorđe", family_name="Petrović", name_original="Ђорђе Петровић",
        nationality="RS")], details=CaseDetails("RS", "Niš")), by=caseworker)
    assert keys_of(case.principal) >= {"f:djordje", "f:petrovic"}


def test_a_chosen_assignee_of_the_office_is_kept():
    world = make_world()
    case = register_case(registration(details=CaseDetails(
        "AL", "Tirana", assignee_id=world.manager.id)), by=world.caseworker)
    assert case.assignee_id == world.manager.id


def test_a_principal_under_18_marked_unaccompanied_may_register():
    minor = person(date_of_birth=TODAY.replace(year=TODAY.year - 16),
                   vulnerabilities=[Vulnerability.unaccompanied_minor])
    case = register_case(registration([minor]), by=factories.make_user(Role.caseworker))
    assert case.principal.vulnerability_codes == [Vulnerability.unaccompanied_minor]


def test_a_household_of_twenty_is_allowed():
    household = [person(), *(person("child") for _ in range(19))]
    case = register_case(registration(household), by=factories.make_user(Role.caseworker))
    assert case.household_size == 20


def other_office_user():
    return factories.make_user(Role.caseworker).id


INVALID_REGISTRATIONS = {
    "no principal": (lambda: registration([person("spouse")]), {"household"}),
    "empty household": (lambda: registration([]), {"household"}),
    "two principals": (lambda: registration([person(), person()]), {"household"}),
    "future birth date": (lambda: registration(
        [person(), person("child", date_of_birth=TODAY + timedelta(days=1))]),
        {"household.1.date_of_birth"}),
    "born 130 years ago": (lambda: registration(
        [person(date_of_birth=date(TODAY.year - 130, 1, 1))]),
        {"household.0.date_of_birth"}),
    "blank given names": (lambda: registration([person(given_names="   ")]),
                          {"household.0.given_names"}),
    "blank family name": (lambda: registration([person(), person("spouse", family_name="")]),
                          {"household.1.family_name"}),
    "lower-case nationality": (lambda: registration([person(nationality="al")]),
                               {"household.0.nationality"}),
    "three-letter nationality": (lambda: registration([person(nationality="ALB")]),
                                 {"household.0.nationality"}),
    "asylum before birth": (lambda: registration([person(
        date_of_birth=date(1985, 3, 14), asylum_applied_on=date(1980, 1, 1))]),
                            {"household.0.asylum_applied_on"}),
    "asylum in the future": (lambda: registration(
        [person(asylum_applied_on=TODAY + timedelta(days=3))]),
        {"household.0.asylum_applied_on"}),
    "minor principal not unaccompanied": (lambda: registration(
        [person(date_of_birth=TODAY.replace(year=TODAY.year - 16))]), {"household.0.role"}),
    "blank document number": (lambda: registration([person(documents=[
        TravelDocumentData(DocumentKind.passport, "  ", "AL")])]),
        {"household.0.documents.0.number"}),
    "household over 20": (lambda: registration([person(), *(person("child")
                                                              for _ in range(20))]),
                          {"household"}),
    "no processing consent": (lambda: registration(
        consent_purposes=[ConsentPurpose.partner_sharing]), {"consent_purposes"}),
    "consent in the future": (lambda: registration(consent_on=TODAY + timedelta(days=1)),
                              {"consent_on"}),
    "country not a return country": (lambda: registration(
        details=CaseDetails("DE", "Berlin")), {"country_of_return"}),
    "Belgium as country of return": (lambda: registration(
        details=CaseDetails("BE", "Brussels")), {"country_of_return"}),
    "blank municipality": (lambda: registration(details=CaseDetails("AL", "  ")),
                           {"municipality"}),
    "assignee from another office": (lambda: registration(
        details=CaseDetails("AL", "Tirana", assignee_id=other_office_user())),
        {"assignee_id"}),
    "unknown assignee": (lambda: registration(
        details=CaseDetails("AL", "Tirana", assignee_id=987654321)), {"assignee_id"}),
    "many problems at once": (lambda: registration(
        [person(given_names=""), person("child", nationality="xx")],
        details=CaseDetails("XX", "")),
        {"household.0.given_names", "household.1.nationality", "country_of_return",
         "municipality"}),
}


@pytest.mark.parametrize("problem", list(INVALID_REGISTRATIONS))
def test_invalid_registrations_are_refused_and_write_nothing(problem):
    build, fields = INVALID_REGISTRATIONS[problem]
    data = build()
    caseworker = factories.make_user(Role.caseworker)
    before = row_counts()
    with pytest.raises(ValidationFailed) as failed:
        register_case(data, by=caseworker)
    assert set(failed.value.errors) == fields
    assert all(failed.value.errors[f] for f in fields)
    assert row_counts() == before


def test_an_inactive_or_admin_assignee_is_refused():
    world = make_world()
    gone = factories.make_user(Role.caseworker, office=world.office, is_active=False)
    admin = factories.make_user(Role.admin, office=world.office)
    for user in (gone, admin):
        with pytest.raises(ValidationFailed) as failed:
            register_case(registration(details=CaseDetails("AL", "Fier", assignee_id=user.id)),
                          by=world.caseworker)
        assert set(failed.value.errors) == {"assignee_id"}


def test_a_document_already_recorded_is_refused_at_registration():
    caseworker = factories.make_user(Role.caseworker)
    taken = TravelDocumentData(DocumentKind.passport, "AA0000001", "AL", date(2033, 1, 1))
    register_case(registration([person(documents=[taken])]), by=caseworker)
    before = row_counts()
    again = TravelDocumentData(DocumentKind.passport, " aa0000001", "AL", date(2033, 1, 1))
    with pytest.raises(ValidationFailed) as failed:
        register_case(registration([person(given_names="Besnik", documents=[again])],
                                   duplicate_reason="Different person, same passport?"),
                      by=caseworker)
    assert set(failed.value.errors) == {"household.0.documents.0.number"}
    assert row_counts() == before


def test_one_document_given_twice_in_a_household_is_refused():
    caseworker = factories.make_user(Role.caseworker)
    doc = TravelDocumentData(DocumentKind.passport, "AB7654321", "AL")
    before = row_counts()
    with pytest.raises(ValidationFailed) as failed:
        register_case(registration([person(documents=[doc]),
                                    person("spouse", documents=[doc])]), by=caseworker)
    assert set(failed.value.errors) == {"household.1.documents.0.number"}
    assert row_counts() == before


@pytest.mark.parametrize("who", ["reintegration_officer", "admin", "partner manager",
                                 "inactive caseworker"])
def test_only_sending_offices_register_cases(who):
    if who == "partner manager":
        user = factories.make_user(Role.manager,
                                   office=factories.make_office(kind=OfficeKind.partner))
    elif who == "inactive caseworker":
        user = factories.make_user(Role.caseworker, is_active=False)
    else:
        user = factories.make_user(Role(who))
    before = row_counts()
    with pytest.raises(AccessDenied):
        register_case(registration(), by=user)
    assert row_counts() == before


# -- editing people ----------------------------------------------------------------------------
def test_update_person_changes_names_keys_summary_and_history():
    case, world = case_at(S.registered)
    principal = case.principal
    old_keys = keys_of(principal)
    version = case.version
    changed = person(given_names="Arben", family_name="Krasniqi",
                     vulnerabilities=[Vulnerability.disabled])
    event = services.update_person(case, principal, changed, by=world.caseworker,
                                   expected_version=version)
    assert case.version > version and event.version == case.version
    assert case.principal_name == "Arben Krasniqi"
    assert keys_of(principal) == names.name_keys("Arben Krasniqi")
    assert keys_of(principal) != old_keys
    assert event.kind is EventKind.edited and event.by_id == world.caseworker.id
    changes = {key.split(": ", 1)[1]: value for key, value in event.data.items()}
    assert changes["family_name"][1] == "Krasniqi"
    assert changes["vulnerabilities"] == [[], ["disabled"]]
    assert principal.vulnerability_codes == [Vulnerability.disabled]


def test_update_person_without_changes_records_nothing():
    case, world = case_at(S.registered)
    principal = case.principal
    same = services.PersonData(**{f: getattr(principal, f) for f in services.PERSON_FIELDS},
                               vulnerabilities=principal.vulnerability_codes)
    version = case.version
    assert services.update_person(case, principal, same, by=world.caseworker,
                                  expected_version=version) is None
    assert case.version == version and events_of(case, EventKind.edited) == []


def test_update_person_refuses_a_stale_version():
    case, world = case_at(S.registered)
    opened_at = case.version
    services.update_person(case, case.principal, person(family_name="First"),
                           by=world.manager, expected_version=opened_at)
    with pytest.raises(StaleEdit) as stale:
        services.update_person(case, case.principal, person(family_name="Second"),
                               by=world.caseworker, expected_version=opened_at)
    [change] = [c for c in stale.value.changes if c["field"].endswith(": family_name")]
    assert change["new"] == "First" and change["by"] == world.manager.full_name
    assert case.principal.family_name == "First"


def test_a_second_principal_is_refused_and_the_principal_stays():
    world = make_world()
    case = world.new_case(household=[person(), person("spouse")])
    principal, spouse = case.beneficiaries
    with pytest.raises(ValidationFailed) as failed:
        services.update_person(case, spouse, person(), by=world.caseworker,
                               expected_version=case.version)
    assert set(failed.value.errors) == {"role"}
    with pytest.raises(ValidationFailed) as failed:
        services.update_person(case, principal, person("spouse"), by=world.caseworker,
                               expected_version=case.version)
    assert set(failed.value.errors) == {"role"}
    assert (principal.role, spouse.role) == (HouseholdRole.principal, HouseholdRole.spouse)


def test_update_person_validates_like_registration():
    case, world = case_at(S.registered)
    with pytest.raises(ValidationFailed) as failed:
        services.update_person(case, case.principal,
                               person(given_names=" ", nationality="xx"),
                               by=world.caseworker, expected_version=case.version)
    assert set(failed.value.errors) == {"given_names", "nationality"}


def test_add_person_grows_the_household():
    case, world = case_at(S.counselling)
    version = case.version
    child = services.add_person(case, person("child", given_names="Lule", family_name="Berisha"),
                                by=world.caseworker, expected_version=version)
    assert case.household_size == 2 and child.position == 1
    assert keys_of(child) == names.name_keys("Lule Berisha")
    assert case.version > version
    [event] = events_of(case, EventKind.edited)
    assert event.data == {"household": [None, "Lule Berisha"]}


def test_add_person_refuses_a_second_principal_a_stale_version_and_a_21st_member():
    world = make_world()
    case = world.new_case(household=[person(), *(person("child") for _ in range(19))])
    with pytest.raises(ValidationFailed) as failed:
        services.add_person(case, person(), by=world.caseworker,
                            expected_version=case.version)
    assert "role" in failed.value.errors
    with pytest.raises(ValidationFailed) as failed:
        services.add_person(case, person("child"), by=world.caseworker,
                            expected_version=case.version)
    assert set(failed.value.errors) == {""}
    with pytest.raises(StaleEdit):
        services.add_person(case, person("child"), by=world.caseworker,
                            expected_version=case.version - 1)
    assert case.household_size == 20


def test_remove_person_takes_them_and_their_keys_out():
    world = make_world()
    case = world.new_case(household=[person(), person("spouse", given_names="Drita")])
    spouse = case.beneficiaries[1]
    spouse_id, version = spouse.id, case.version
    services.remove_person(case, spouse, by=world.caseworker, expected_version=version)
    assert case.household_size == 1 and case.version > version
    assert db.session.get(Beneficiary, spouse_id) is None
    assert db.session.scalar(select(NameKey.key).where(NameKey.beneficiary_id == spouse_id)) \
        is None
    assert events_of(case, EventKind.edited)[-1].data["household"][1] is None


def test_the_principal_cannot_be_removed():
    case, world = case_at(S.registered)
    with pytest.raises(ValidationFailed):
        services.remove_person(case, case.principal, by=world.caseworker,
                               expected_version=case.version)
    assert case.household_size == 1


def test_remove_person_refuses_a_stale_version():
    world = make_world()
    case = world.new_case(household=[person(), person("spouse")])
    opened_at = case.version
    services.update_case_details(case, CaseDetails("AL", "Elbasan",
                                                   assignee_id=world.caseworker.id),
                                 by=world.manager, expected_version=opened_at)
    with pytest.raises(StaleEdit):
        services.remove_person(case, case.beneficiaries[1], by=world.caseworker,
                               expected_version=opened_at)
    assert case.household_size == 2


@pytest.mark.parametrize("editor", ["other office", "reintegration officer", "admin",
                                    "closed case", "other case"])
def test_edits_are_refused_to_those_who_may_not_edit(editor):
    case, world = case_at(S.registered)
    target = case.principal
    user = world.caseworker
    if editor == "other office":
        user = factories.make_user(Role.caseworker)
    elif editor == "reintegration officer":
        user = world.officer
    elif editor == "admin":
        user = factories.make_user(Role.admin, office=world.office)
    elif editor == "closed case":
        case, _world = case_at(S.closed, world)
        target = case.principal
    else:
        target = world.new_case().principal
    version = case.version
    with pytest.raises(AccessDenied):
        services.update_person(case, target, person(), by=user, expected_version=version)
    with pytest.raises(AccessDenied):
        services.remove_person(case, target, by=user, expected_version=version)
    if editor != "other case":
        with pytest.raises(AccessDenied):
            services.add_person(case, person("child"), by=user, expected_version=version)
    assert case.version == version


# -- case details --------------------------------------------------------------------------------
def test_update_case_details_records_old_and_new_values():
    case, world = case_at(S.registered)
    event = services.update_case_details(
        case, CaseDetails("XK", " Prizren ", assignee_id=world.manager.id),
        by=world.caseworker, expected_version=case.version)
    assert (case.country_of_return, case.municipality, case.assignee_id) == \
        ("XK", "Prizren", world.manager.id)
    assert event.data == {"country_of_return": ["AL", "XK"],
                          "municipality": ["Shkodër", "Prizren"],
                          "assignee_id": [world.caseworker.id, world.manager.id]}


def test_the_country_is_fixed_once_a_partner_is_involved():
    case, world = case_at(S.referred)
    with pytest.raises(ValidationFailed) as failed:
        services.update_case_details(case, CaseDetails("RS", "Niš"), by=world.caseworker,
                                     expected_version=case.version)
    assert "country_of_return" in failed.value.errors
    assert case.country_of_return == "AL"


# -- school records ------------------------------------------------------------------------------
def school(**fields) -> SchoolData:
    defaults = {"school": "Athénée Royal", "town": "Ixelles", "year_from": 2021,
                "year_to": 2023, "level": SchoolLevel.primary, "grade": " 3rd year "}
    return SchoolData(**{**defaults, **fields})


def test_school_years_are_recorded_for_children():
    world = make_world()
    case = world.new_case(household=[person(), person("child")])
    child = case.beneficiaries[1]
    version = case.version
    record = services.add_school_record(case, child, school(), by=world.caseworker)
    services.add_school_record(case, child, school(year_from=2019, year_to=2020,
                                                   level=SchoolLevel.nursery, grade=""),
                               by=world.caseworker)
    assert record.grade == "3rd year" and case.version > version
    db.session.expire(child, ["school_records"])
    assert [r.year_from for r in child.school_records] == [2019, 2021]
    assert db.session.scalars(select(SchoolRecord.grade).where(
        SchoolRecord.beneficiary_id == child.id).order_by(SchoolRecord.year_from)).all() \
        == [None, "3rd year"]


@pytest.mark.parametrize(("fields", "errors"), [
    ({"year_from": 2023, "year_to": 2021}, {"year_to"}),
    ({"year_from": 2010, "year_to": 2012}, {"year_from"}),  # before the child was born
    ({"year_to": TODAY.year + 1}, {"year_from"}),
    ({"school": " ", "town": ""}, {"school", "town"}),
])
def test_school_years_are_validated(fields, errors):
    world = make_world()
    case = world.new_case(household=[person(), person("child")])
    child = case.beneficiaries[1]
    with pytest.raises(ValidationFailed) as failed:
        services.add_school_record(case, child, school(**fields), by=world.caseworker)
    assert set(failed.value.errors) == errors
    assert child.school_records == []


def test_school_records_are_only_for_children():
    case, world = case_at(S.registered)
    with pytest.raises(ValidationFailed) as failed:
        services.add_school_record(case, case.principal, school(year_from=2000,
                                                                year_to=2001),
                                   by=world.caseworker)
    assert set(failed.value.errors) == {""}


# -- counselling sessions -------------------------------------------------------------------------
def test_a_counselling_session_is_logged_with_an_event():
    case, world = case_at(S.registered)
    session = services.log_counselling_session(case, SessionData(
        held_on=TODAY, language=" Albanian ", interpreter=" ", notes=" Talked. "),
        by=world.caseworker)
    assert (session.language, session.interpreter, session.notes) == ("Albanian", None,
                                                                      "Talked.")
    assert session.counsellor_id == world.caseworker.id
    [event] = events_of(case, EventKind.session_logged)
    assert event.data == {"held_on": TODAY.isoformat(), "language": "Albanian"}


@pytest.mark.parametrize(("held_on", "language", "errors"), [
    (TODAY + timedelta(days=1), "Albanian", {"held_on"}),
    (TODAY - timedelta(days=2), "Albanian", {"held_on"}),  # before the case existed
    (TODAY, "  ", {"language"}),
])
def test_counselling_session_dates_and_language_are_checked(held_on, language, errors):
    case, world = case_at(S.registered)
    with pytest.raises(ValidationFailed) as failed:
        services.log_counselling_session(case, SessionData(held_on=held_on,
                                                           language=language),
                                         by=world.caseworker)
    assert set(failed.value.errors) == errors
    assert case.sessions == []


def test_partner_staff_do_not_log_counselling_sessions():
    case, world = case_at(S.referred)
    with pytest.raises(AccessDenied):
        services.log_counselling_session(case, SessionData(TODAY, "Albanian"),
                                         by=world.officer)


# -- identity documents and consent --------------------------------------------------------------
def test_identity_documents_are_unique_across_caseflow():
    world = make_world()
    first = world.new_case()
    second = world.new_case()
    taken = first.principal.identity_documents[0]
    spec = TravelDocumentData(taken.kind, f" {taken.number.lower()} ", taken.issuing_country)
    with pytest.raises(ValidationFailed) as failed:
        services.add_identity_document(second, second.principal, spec, by=world.caseworker)
    assert set(failed.value.errors) == {"number"}
    # the same number from another country, or of another kind, is another document
    for other in (TravelDocumentData(taken.kind, taken.number, "RS"),
                  TravelDocumentData(DocumentKind.identity_card, taken.number, "AL")):
        services.add_identity_document(second, second.principal, other, by=world.caseworker)
    assert len(second.principal.identity_documents) == 3


def test_identity_document_numbers_and_expiry_are_checked():
    case, world = case_at(S.registered)
    with pytest.raises(ValidationFailed) as failed:
        services.add_identity_document(case, case.principal, TravelDocumentData(
            DocumentKind.passport, " ", "AL"), by=world.caseworker)
    assert set(failed.value.errors) == {"number"}
    with pytest.raises(ValidationFailed) as failed:
        services.add_identity_document(case, case.principal, TravelDocumentData(
            DocumentKind.passport, "NEW123", "AL", date(1970, 1, 1)), by=world.caseworker)
    assert set(failed.value.errors) == {"expires_on"}


def test_a_consent_is_recorded_once_and_not_in_the_future():
    world = make_world()
    case = world.new_case(household=[person(), person("spouse")])
    spouse = case.beneficiaries[1]
    with pytest.raises(ValidationFailed):
        services.record_consent(case, spouse, ConsentPurpose.medical_sharing,
                                TODAY + timedelta(days=1), by=world.caseworker)
    consent = services.record_consent(case, spouse, ConsentPurpose.medical_sharing, TODAY,
                                      by=world.caseworker)
    assert spouse.consent_for(ConsentPurpose.medical_sharing) is consent
    with pytest.raises(ValidationFailed):
        services.record_consent(case, spouse, ConsentPurpose.medical_sharing, TODAY,
                                by=world.caseworker)


def test_very_long_names_sharing_their_first_80_characters_are_indexed_once():
    case = factories.make_case(household=[factories.person_data(
        name_original="a" * 85 + "x " + "a" * 85 + "y")])
    assert case.id is not None


def test_overlong_fields_are_refused_with_a_message_not_a_database_error():
    with pytest.raises(ValidationFailed) as refused:
        factories.make_case(household=[factories.person_data(given_names="a" * 121,
                                                             place_of_birth="b" * 121)])
    assert set(refused.value.errors) >= {"household.0.given_names",
                                         "household.0.place_of_birth"}
