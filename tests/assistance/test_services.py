"""Administrative assistance rules, without HTTP: requesting and following services, the
dependency rule per person, exact fees, dates, access, the checklist and service types."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from caseflow.accounts.models import OfficeKind, Role, User
from caseflow.assistance import services
from caseflow.assistance.models import ServiceRequest, ServiceStatus, ServiceType
from caseflow.cases.models import Case, CaseEvent, EventKind
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from tests import factories
from tests.assistance import ARRIVED_ON, TODAY, arrived_case, days_ago, service_type
from tests.cases.helpers import S, case_at, make_world, move

DONE = ServiceStatus.completed


def request(case, person, code, on=None, by=None):
    return services.request_service(case, person.id, service_type(code).id,
                                    on or days_ago(20), by=by or _officer(case))


def _officer(case):
    """The reintegration officer of the case's partner (make_world makes one)."""
    return db.session.scalar(select(User).where(
        User.office_id == case.partner_id, User.role == Role.reintegration_officer).limit(1))


def complete(service, on=None, **kwargs):
    return services.update_service(service, DONE, by=_officer(service.case),
                                   completed_on=on or days_ago(10), **kwargs)


def edits_of(case) -> int:
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.edited)) or 0


# -- requesting and following a service ----------------------------------------------------
def test_request_and_complete_a_service_writes_the_timeline_and_moves_the_version():
    case, world = arrived_case()
    version, edits = case.version, edits_of(case)
    civil = request(case, case.principal, "civil_registration", by=world.officer)
    assert civil.status is ServiceStatus.requested and civil.partner_id == world.partner.id
    assert civil.created_by_id == world.officer.id and civil.requested_on == days_ago(20)
    assert case.version > version and edits_of(case) == edits + 1

    services.update_service(civil, ServiceStatus.in_progress, by=world.officer,
                            outcome="Appointment at the civil registry on Monday.")
    assert civil.status is ServiceStatus.in_progress
    complete(civil, on=days_ago(5), fees_paid="12.30",
             outcome="Registered in Shkodër.", expected_version=civil.version)
    db.session.expire_all()
    stored = db.session.get(ServiceRequest, civil.id)
    assert stored.status is DONE and stored.completed_on == days_ago(5)
    assert stored.fees_paid == Decimal("12.30") and str(stored.fees_paid) == "12.30"
    assert stored.outcome == "Registered in Shkodër."
    last = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.id.desc()).limit(1))
    assert last.kind is EventKind.edited and last.by_id == world.officer.id
    assert any(k.endswith(": status") and v == ["in_progress", "completed"]
               for k, v in last.data.items())


def test_not_possible_needs_an_outcome_and_is_final():
    case, world = arrived_case()
    service = request(case, case.principal, "housing_referral")
    with pytest.raises(ValidationFailed) as failed:
        services.update_service(service, ServiceStatus.not_possible, by=world.officer,
                                outcome="   ")
    assert set(failed.value.errors) == {"outcome"}
    services.update_service(service, ServiceStatus.not_possible, by=world.officer,
                            outcome="No social housing in the municipality.")
    with pytest.raises(ValidationFailed) as final:
        services.update_service(service, ServiceStatus.in_progress, by=world.officer)
    assert "status" in final.value.errors
    assert service.status is ServiceStatus.not_possible


@pytest.mark.parametrize(("path", "refused"), [
    ([ServiceStatus.completed], ServiceStatus.in_progress),
    ([ServiceStatus.in_progress], ServiceStatus.requested),
    ([], "lost"),
])
def test_status_moves_forward_only(path, refused):
    case, world = arrived_case()
    service = request(case, case.principal, "job_seeking")
    for status in path:
        services.update_service(service, status, by=world.officer,
                                completed_on=days_ago(1) if status is DONE else None)
    with pytest.raises(ValidationFailed) as failed:
        services.update_service(service, refused, by=world.officer)
    assert set(failed.value.errors) == {"status"}


def test_a_request_can_go_straight_to_completed():
    case, _world = arrived_case()
    service = request(case, case.principal, "accompaniment")
    complete(service)
    assert service.status is DONE


# -- the dependency rule --------------------------------------------------------------------
def test_id_card_waits_for_civil_registration_of_the_same_person():
    case, _world = arrived_case(people=2, given_names="Arben", family_name="Hoxha")
    arben, child = case.beneficiaries
    id_card = request(case, arben, "id_card")
    with pytest.raises(ValidationFailed) as failed:
        complete(id_card)
    assert failed.value.errors == {"status": ["Complete “Civil registration” for Arben Hoxha "
                                              "first."]}
    # The child's civil registration does not unlock the father's ID card.
    complete(request(case, child, "civil_registration"))
    with pytest.raises(ValidationFailed):
        complete(id_card)
    # An open civil registration of his own does not either.
    own = request(case, arben, "civil_registration")
    with pytest.raises(ValidationFailed):
        complete(id_card)
    complete(own, on=days_ago(10))
    complete(id_card, on=days_ago(8))
    assert id_card.status is DONE


def test_a_service_cannot_be_completed_on_a_date_before_its_dependency():
    case, _world = arrived_case()
    civil = request(case, case.principal, "civil_registration", on=days_ago(25))
    complete(civil, on=days_ago(10))
    id_card = request(case, case.principal, "id_card", on=days_ago(25))
    with pytest.raises(ValidationFailed) as failed:
        complete(id_card, on=days_ago(12))
    assert set(failed.value.errors) == {"completed_on"}
    complete(id_card, on=days_ago(10))


def test_dependencies_chain_id_card_before_health_insurance():
    case, _world = arrived_case()
    insurance = request(case, case.principal, "health_insurance")
    complete(request(case, case.principal, "civil_registration"))
    with pytest.raises(ValidationFailed) as failed:
        complete(insurance)
    assert "Personal ID card" in failed.value.errors["status"][0]


def test_a_deactivated_dependency_no_longer_blocks():
    case, _world = arrived_case()
    admin = factories.make_user(Role.admin)
    civil = service_type("civil_registration")
    id_card = request(case, case.principal, "id_card")
    services.deactivate_service_type(civil, by=admin)
    complete(id_card)
    assert id_card.status is DONE


# -- fees -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("given", "stored"), [
    ("12.30", Decimal("12.30")), ("12,3", Decimal("12.30")), ("0", Decimal("0.00")),
    (Decimal("7.05"), Decimal("7.05")), ("", None), (None, None),
])
def test_fees_are_exact_decimals(given, stored):
    case, world = arrived_case()
    service = request(case, case.principal, "birth_certificate_international")
    services.update_service(service, ServiceStatus.in_progress, by=world.officer,
                            fees_paid=given)
    db.session.expire_all()
    assert db.session.get(ServiceRequest, service.id).fees_paid == stored


@pytest.mark.parametrize("given", ["-1", "1.234", "abc", "1e3000", "2000000"])
def test_bad_fees_are_refused_and_nothing_changes(given):
    case, world = arrived_case()
    service = request(case, case.principal, "birth_certificate_international")
    with pytest.raises(ValidationFailed) as failed:
        services.update_service(service, ServiceStatus.in_progress, by=world.officer,
                                fees_paid=given)
    assert set(failed.value.errors) == {"fees_paid"}
    assert service.status is ServiceStatus.requested and service.fees_paid is None


# -- dates ----------------------------------------------------------------------------------
@pytest.mark.parametrize("requested_on", [None, TODAY + timedelta(days=1),
                                          ARRIVED_ON - timedelta(days=1)])
def test_request_dates_are_checked(requested_on):
    case, world = arrived_case()
    with pytest.raises(ValidationFailed) as failed:
        services.request_service(case, case.principal.id, service_type("id_card").id,
                                 requested_on, by=world.officer)
    assert set(failed.value.errors) == {"requested_on"}
    assert not case.services


def test_the_arrival_day_and_today_are_fine():
    case, world = arrived_case()
    for code, day in (("id_card", ARRIVED_ON), ("job_seeking", TODAY)):
        services.request_service(case, case.principal.id, service_type(code).id, day,
                                 by=world.officer)
    assert len(case.services) == 2


@pytest.mark.parametrize(("completed_on", "status"), [
    (None, DONE), (TODAY + timedelta(days=1), DONE), (days_ago(21), DONE),
    (days_ago(5), ServiceStatus.in_progress),
])
def test_completion_dates_are_checked(completed_on, status):
    case, world = arrived_case()
    service = request(case, case.principal, "job_seeking", on=days_ago(20))
    with pytest.raises(ValidationFailed) as failed:
        services.update_service(service, status, by=world.officer, completed_on=completed_on)
    assert set(failed.value.errors) == {"completed_on"}
    assert service.status is ServiceStatus.requested and service.completed_on is None


# -- what can be requested ------------------------------------------------------------------
@pytest.mark.parametrize("type_id", [999_999, None, "x", -1])
def test_an_unknown_service_type_is_refused(type_id):
    case, world = arrived_case()
    with pytest.raises(ValidationFailed) as failed:
        services.request_service(case, case.principal.id, type_id, days_ago(1),
                                 by=world.officer)
    assert set(failed.value.errors) == {"service_type_id"}


def test_a_deactivated_service_type_cannot_be_requested():
    case, _world = arrived_case()
    admin = factories.make_user(Role.admin)
    services.deactivate_service_type(service_type("referral_other"), by=admin)
    with pytest.raises(ValidationFailed) as failed:
        request(case, case.principal, "referral_other")
    assert "service_type_id" in failed.value.errors


def test_a_person_of_another_household_is_refused():
    case, world = arrived_case()
    other, _ = arrived_case(world)
    with pytest.raises(ValidationFailed) as failed:
        services.request_service(case, other.principal.id, service_type("id_card").id,
                                 days_ago(1), by=world.officer)
    assert set(failed.value.errors) == {"beneficiary_id"}


def test_a_second_open_request_of_the_same_service_for_the_same_person_is_refused():
    case, world = arrived_case(people=2)
    principal, child = case.beneficiaries
    first = request(case, principal, "school_enrolment")
    with pytest.raises(ValidationFailed) as failed:
        request(case, principal, "school_enrolment")
    assert "already open" in failed.value.errors["service_type_id"][0]
    services.update_service(first, ServiceStatus.in_progress, by=world.officer)
    with pytest.raises(ValidationFailed):
        request(case, principal, "school_enrolment")
    request(case, child, "school_enrolment")  # another person: fine
    services.update_service(first, ServiceStatus.not_possible, by=world.officer,
                            outcome="The school is full.")
    again = request(case, principal, "school_enrolment")  # the first one is over
    assert again.status is ServiceStatus.requested and len(case.services) == 3


# -- concurrent edits -----------------------------------------------------------------------
def test_a_stale_version_is_refused_and_nothing_changes():
    case, world = arrived_case()
    service = request(case, case.principal, "social_welfare")
    opened_at = service.version
    services.update_service(service, ServiceStatus.in_progress, by=world.officer,
                            expected_version=opened_at, outcome="Application filed.")
    with pytest.raises(StaleEdit) as stale:
        services.update_service(service, ServiceStatus.not_possible, by=world.officer,
                                outcome="Refused.", expected_version=opened_at)
    assert stale.value.current_version == service.version > opened_at
    # The difference: what is stored (theirs) next to what this save sent (yours).
    assert {"field": "outcome", "theirs": "Application filed.", "yours": "Refused."} \
        in stale.value.changes
    assert service.status is ServiceStatus.in_progress and service.outcome == "Application filed."


@pytest.mark.parametrize("saved_by_someone_else", ["case", "request"])
def test_a_save_that_races_another_one_is_a_stale_edit(saved_by_someone_else):
    case, world = arrived_case()
    service = request(case, case.principal, "social_welfare")
    # Another transaction saved the row after this one loaded it (versions differ).
    model = Case if saved_by_someone_else == "case" else ServiceRequest
    row = case if saved_by_someone_else == "case" else service
    db.session.execute(update(model).where(model.id == row.id)
                       .values(version=model.version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(StaleEdit):
        services.update_service(service, ServiceStatus.in_progress, by=world.officer,
                                outcome="Filed.")
    db.session.rollback()


def test_a_request_that_races_a_save_of_the_case_is_a_stale_edit():
    case, world = arrived_case()
    db.session.execute(update(Case).where(Case.id == case.id).values(
        version=Case.version + 1).execution_options(synchronize_session=False))
    with pytest.raises(StaleEdit):
        request(case, case.principal, "social_welfare", by=world.officer)
    db.session.rollback()


# -- who may change services ----------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.caseworker, Role.manager, Role.admin])
def test_the_sending_office_and_admins_see_but_cannot_change(role):
    case, world = arrived_case()
    service = request(case, case.principal, "id_card")
    user = world.user(role)
    assert services.can_view_services(case, user)
    assert not services.can_manage_services(case, user)
    with pytest.raises(AccessDenied):
        services.request_service(case, case.principal.id, service_type("job_seeking").id,
                                 days_ago(1), by=user)
    with pytest.raises(AccessDenied):
        services.update_service(service, ServiceStatus.in_progress, by=user)


def test_an_officer_of_another_partner_cannot_change():
    case, _world = arrived_case()
    stranger = factories.make_user(Role.reintegration_officer,
                                   office=factories.make_office(kind=OfficeKind.partner))
    assert not case.can_view(stranger) and not services.can_manage_services(case, stranger)
    with pytest.raises(AccessDenied):
        request(case, case.principal, "id_card", by=stranger)


def test_an_inactive_officer_cannot_change():
    case, world = arrived_case()
    world.officer.is_active = False
    assert not services.can_manage_services(case, world.officer)


@pytest.mark.parametrize("stage", [S.accepted_by_partner, S.departed])
def test_the_officer_waits_for_the_arrival(stage):
    case, world = case_at(stage)
    assert case.can_view(world.officer)
    assert not services.can_manage_services(case, world.officer)
    with pytest.raises(AccessDenied):
        services.request_service(case, case.principal.id, service_type("id_card").id,
                                 TODAY, by=world.officer)


def test_a_case_on_hold_or_closed_cannot_change_but_still_shows_its_services():
    case, world = arrived_case()
    service = request(case, case.principal, "id_card")
    move(case, "hold", world)
    assert not services.can_manage_services(case, world.officer)
    assert services.has_assistance(case)
    with pytest.raises(AccessDenied):
        services.update_service(service, ServiceStatus.in_progress, by=world.officer)


def test_services_stay_open_through_the_plan_stages():
    case, world = arrived_case()
    move(case, "draft_plan", world)
    assert services.can_manage_services(case, world.officer)


# -- the checklist --------------------------------------------------------------------------
def test_the_checklist_lists_every_person_and_every_active_service_in_order():
    case, world = arrived_case(people=2)
    principal, child = case.beneficiaries
    first = request(case, principal, "civil_registration", on=days_ago(25))
    services.update_service(first, ServiceStatus.not_possible, by=world.officer,
                            outcome="Registry closed.")
    latest = request(case, principal, "civil_registration", on=days_ago(20))
    complete(latest)
    request(case, child, "id_card")

    result = services.checklist(case)
    assert [p.person for p in result] == [principal, child]
    active = services.service_types()
    for entry in result:
        assert [i.service_type for i in entry.items] == active
    rows = {(p.person.id, i.service_type.code): i for p in result for i in p.items}
    assert rows[(principal.id, "civil_registration")].request is latest
    assert rows[(principal.id, "id_card")].blocked_by is None
    assert rows[(principal.id, "id_card")].request is None
    assert rows[(principal.id, "health_insurance")].blocked_by.code == "id_card"
    child_id = rows[(child.id, "id_card")]
    assert child_id.blocked_by.code == "civil_registration" and child_id.is_open
    assert not child_id.can_request
    assert rows[(principal.id, "civil_registration")].can_request is False
    assert result[0].completed == 1 and result[1].open == 1


def test_the_checklist_keeps_requests_of_deactivated_services():
    case, _world = arrived_case()
    admin = factories.make_user(Role.admin)
    service = request(case, case.principal, "referral_other")
    services.deactivate_service_type(service_type("referral_other"), by=admin)
    services.deactivate_service_type(service_type("accompaniment"), by=admin)
    [entry] = services.checklist(case)
    codes = [i.service_type.code for i in entry.items]
    assert "referral_other" in codes and "accompaniment" not in codes
    assert next(i for i in entry.items if i.request is service).can_request is False


# -- service types --------------------------------------------------------------------------
def test_an_admin_adds_a_service_type_with_a_dependency_at_the_end():
    admin = factories.make_user(Role.admin)
    last = db.session.scalar(select(func.max(ServiceType.position)))
    created = services.create_service_type(
        "driving_licence", "Driving licence", "Permis de conduire", "Rijbewijs",
        service_type("id_card").id, by=admin)
    assert created.depends_on.code == "id_card" and created.position == last + 1
    assert created in services.service_types()

    case, world = arrived_case()
    licence = services.request_service(case, case.principal.id, created.id, days_ago(1),
                                       by=world.officer)
    with pytest.raises(ValidationFailed) as failed:
        complete(licence, on=TODAY)
    assert "Personal ID card" in failed.value.errors["status"][0]


@pytest.mark.parametrize(("code", "names", "field"), [
    ("Driving", ("a", "b", "c"), "code"),
    ("driving licence", ("a", "b", "c"), "code"),
    ("civil_registration", ("a", "b", "c"), "code"),
    ("", ("a", "b", "c"), "code"),
    ("driving_licence", ("a", " ", "c"), "name_fr"),
    ("driving_licence", ("a", "b", "x" * 161), "name_nl"),
])
def test_service_type_input_is_checked(code, names, field):
    admin = factories.make_user(Role.admin)
    with pytest.raises(ValidationFailed) as failed:
        services.create_service_type(code, *names, by=admin)
    assert set(failed.value.errors) == {field}


def test_an_unknown_or_inactive_dependency_is_refused():
    admin = factories.make_user(Role.admin)
    services.deactivate_service_type(service_type("accompaniment"), by=admin)
    for depends_on in (999_999, service_type("accompaniment").id):
        with pytest.raises(ValidationFailed) as failed:
            services.create_service_type("driving_licence", "a", "b", "c", depends_on,
                                         by=admin)
        assert set(failed.value.errors) == {"depends_on_id"}


@pytest.mark.parametrize(("code", "depends_on"), [
    ("civil_registration", "health_insurance"),  # civil -> id card -> insurance -> civil
    ("id_card", "id_card"),
])
def test_dependency_cycles_are_refused(code, depends_on):
    admin = factories.make_user(Role.admin)
    changed = service_type(code)
    before = changed.depends_on_id
    with pytest.raises(ValidationFailed) as failed:
        services.update_service_type(changed, name_en=changed.name_en,
                                     name_fr=changed.name_fr, name_nl=changed.name_nl,
                                     depends_on_id=service_type(depends_on).id, by=admin)
    assert set(failed.value.errors) == {"depends_on_id"}
    assert changed.depends_on_id == before


def test_an_admin_renames_moves_and_reactivates_a_type():
    admin = factories.make_user(Role.admin)
    job = service_type("job_seeking")
    services.update_service_type(job, name_en="Job search", name_fr="Recherche d'emploi",
                                 name_nl="Werk zoeken", depends_on_id=None, position=0,
                                 by=admin)
    assert job.name("fr") == "Recherche d'emploi" and job.position == 0
    services.deactivate_service_type(job, by=admin)
    assert job not in services.service_types()
    services.reactivate_service_type(job, by=admin)
    assert job in services.service_types()


@pytest.mark.parametrize("role", [Role.caseworker, Role.manager, Role.reintegration_officer])
def test_only_admins_change_service_types(role):
    user = make_world().user(role)
    with pytest.raises(AccessDenied):
        services.create_service_type("driving_licence", "a", "b", "c", by=user)
    job = service_type("job_seeking")
    with pytest.raises(AccessDenied):
        services.update_service_type(job, name_en="x", name_fr="y", name_nl="z",
                                     depends_on_id=None, by=user)
    with pytest.raises(AccessDenied):
        services.deactivate_service_type(job, by=user)
    assert job.is_active and job.name_en == "Job-seeking guidance"
