"""The assistance pages over HTTP: the case page's checklist, requesting and updating a
service, each role's access, per-field errors, and the admin's service types."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from caseflow.accounts.models import OfficeKind, Role
from caseflow.assistance import services
from caseflow.assistance.models import ServiceRequest, ServiceStatus, ServiceType
from caseflow.extensions import db
from tests import factories
from tests.assistance import TODAY, arrived_case, days_ago, service_type
from tests.cases.helpers import S, case_at


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def requested(case, world, code="civil_registration", person=None):
    made = services.request_service(case, (person or case.principal).id,
                                    service_type(code).id, days_ago(20), by=world.officer)
    db.session.commit()
    return made


def officer_of(world, login_as):
    return login_as(Role.reintegration_officer, office=world.partner)


def stored(service_id) -> ServiceRequest:
    db.session.expire_all()
    return db.session.get(ServiceRequest, service_id)


# -- the case page ----------------------------------------------------------------------
def test_the_partner_officer_sees_the_checklist_with_its_links(client, login_as):
    case, world = arrived_case(people=2, given_names="Arben", family_name="Hoxha")
    service = requested(case, world)
    officer_of(world, login_as)
    page = client.get(f"/cases/{case.number}")
    assert page.status_code == 200
    text = page.text
    assert "Administrative assistance" in text and 'id="services"' in text
    assert "Civil registration" in text and "Health insurance registration" in text
    assert text.count('id="services-p') == 2  # one checklist, every person
    assert f"/cases/{case.number}/services/new" in text
    assert f"/cases/{case.number}/services/{service.id}/update" in text
    assert "after “Civil registration”" in text  # the ID card waits
    # Partner users see no asylum data of the household.
    assert case.principal.oe_number is None or case.principal.oe_number not in text


@pytest.mark.parametrize("role", [Role.caseworker, Role.manager])
def test_the_sending_office_sees_the_checklist_without_links(client, login_as, role):
    case, world = arrived_case()
    service = requested(case, world)
    login_as(role, office=world.office)
    text = client.get(f"/cases/{case.number}").text
    assert "Administrative assistance" in text and "Civil registration" in text
    assert "/services/new" not in text and f"/services/{service.id}/update" not in text


def test_no_section_before_the_arrival(client, login_as):
    case, world = case_at(S.departed)
    db.session.commit()
    officer_of(world, login_as)
    page = client.get(f"/cases/{case.number}")
    assert page.status_code == 200 and "Administrative assistance" not in page.text


def test_the_case_page_shows_status_dates_outcome_and_fees(client, login_as):
    case, world = arrived_case()
    service = requested(case, world, "job_seeking")
    services.update_service(service, ServiceStatus.completed, by=world.officer,
                            completed_on=days_ago(3), outcome="CV written.", fees_paid="4.5")
    db.session.commit()
    officer_of(world, login_as)
    text = client.get(f"/cases/{case.number}").text
    assert "CV written." in text and "EUR 4.50" in text and "Completed" in text


# -- requesting a service ---------------------------------------------------------------
def test_the_officer_requests_a_service(client, login_as):
    case, world = arrived_case()
    db.session.commit()
    officer_of(world, login_as)
    form = client.get(f"/cases/{case.number}/services/new?person={case.principal.id}")
    assert form.status_code == 200
    assert f'value="{TODAY.isoformat()}"' in form.text  # requested on: today by default
    assert f'<option selected value="{case.principal.id}">' in form.text
    response = client.post(f"/cases/{case.number}/services/new", data={
        "beneficiary_id": str(case.principal.id),
        "service_type_id": str(service_type("id_card").id),
        "requested_on": days_ago(2).isoformat()})
    assert response.status_code == 302, response.text
    assert response.location.startswith(f"/cases/{case.number}#services-p")
    [made] = db.session.scalars(select(ServiceRequest).where(ServiceRequest.case_id == case.id))
    assert made.service_type.code == "id_card" and made.requested_on == days_ago(2)
    assert made.partner_id == world.partner.id


@pytest.mark.parametrize(("data", "fields"), [
    ({"beneficiary_id": "", "service_type_id": "", "requested_on": ""},
     ["beneficiary_id", "service_type_id", "requested_on"]),
    ({"service_type_id": "999999", "requested_on": "2999-01-01"},
     ["service_type_id", "requested_on"]),
    ({"requested_on": "not a date"}, ["requested_on"]),
    ({"beneficiary_id": "abc"}, ["beneficiary_id"]),
])
def test_bad_requests_show_errors_per_field_and_save_nothing(client, login_as, data, fields):
    case, world = arrived_case()
    db.session.commit()
    officer_of(world, login_as)
    valid = {"beneficiary_id": str(case.principal.id),
             "service_type_id": str(service_type("id_card").id),
             "requested_on": TODAY.isoformat()}
    response = client.post(f"/cases/{case.number}/services/new", data={**valid, **data})
    assert response.status_code == 200
    for name in fields:
        assert f'id="{name}-error"' in response.text, name
    assert count(ServiceRequest) == 0


def test_a_duplicate_request_is_explained_next_to_the_service(client, login_as):
    case, world = arrived_case()
    requested(case, world, "id_card")
    officer_of(world, login_as)
    response = client.post(f"/cases/{case.number}/services/new", data={
        "beneficiary_id": str(case.principal.id),
        "service_type_id": str(service_type("id_card").id),
        "requested_on": TODAY.isoformat()})
    assert response.status_code == 200
    assert 'id="service_type_id-error"' in response.text and "already open" in response.text
    assert count(ServiceRequest) == 1


# -- updating a service -----------------------------------------------------------------
def test_the_officer_updates_a_service(client, login_as):
    case, world = arrived_case()
    service = requested(case, world, "social_welfare")
    officer_of(world, login_as)
    url = f"/cases/{case.number}/services/{service.id}/update"
    form = client.get(url)
    assert form.status_code == 200
    assert f'name="version" type="hidden" value="{service.version}"' in form.text
    response = client.post(url, data={"status": "in_progress", "outcome": "Filed.",
                                      "fees_paid": "12.30", "completed_on": "",
                                      "version": str(service.version)})
    assert response.status_code == 302, response.text
    saved = stored(service.id)
    assert saved.status is ServiceStatus.in_progress and saved.fees_paid == Decimal("12.30")
    assert saved.outcome == "Filed."


def test_completing_before_the_dependency_is_refused_on_the_page(client, login_as):
    case, world = arrived_case(given_names="Arben", family_name="Hoxha")
    service = requested(case, world, "id_card")
    officer_of(world, login_as)
    url = f"/cases/{case.number}/services/{service.id}/update"
    assert "is not completed yet for Arben Hoxha" in client.get(url).text
    response = client.post(url, data={"status": "completed",
                                      "completed_on": days_ago(1).isoformat(),
                                      "fees_paid": "", "outcome": "",
                                      "version": str(service.version)})
    assert response.status_code == 200
    assert 'id="status-error"' in response.text
    assert "Complete “Civil registration” for Arben Hoxha first." in response.text
    assert stored(service.id).status is ServiceStatus.requested


@pytest.mark.parametrize(("data", "fields"), [
    ({"status": "completed", "completed_on": ""}, ["completed_on"]),
    ({"status": "not_possible", "outcome": ""}, ["outcome"]),
    ({"status": "in_progress", "fees_paid": "-1"}, ["fees_paid"]),
    ({"status": "in_progress", "fees_paid": "1.234"}, ["fees_paid"]),
    ({"status": "completed", "completed_on": "2999-01-01", "fees_paid": "x"},
     ["completed_on", "fees_paid"]),
    ({"status": "requested_twice"}, ["status"]),
])
def test_bad_updates_show_errors_per_field_and_save_nothing(client, login_as, data, fields):
    case, world = arrived_case()
    service = requested(case, world, "job_seeking")
    officer_of(world, login_as)
    version = service.version
    valid = {"status": "in_progress", "completed_on": "", "outcome": "", "fees_paid": "",
             "version": str(version)}
    response = client.post(f"/cases/{case.number}/services/{service.id}/update",
                           data={**valid, **data})
    assert response.status_code == 200
    for name in fields:
        assert f'id="{name}-error"' in response.text, name
    saved = stored(service.id)
    assert saved.status is ServiceStatus.requested and saved.version == version
    assert saved.fees_paid is None


def test_a_stale_update_is_refused_with_a_notice(client, login_as):
    case, world = arrived_case()
    service = requested(case, world, "job_seeking")
    opened_at = service.version
    services.update_service(service, ServiceStatus.in_progress, by=world.officer,
                            outcome="Someone else's note.")
    db.session.commit()
    officer_of(world, login_as)
    response = client.post(f"/cases/{case.number}/services/{service.id}/update", data={
        "status": "not_possible", "outcome": "Mine.", "completed_on": "", "fees_paid": "",
        "version": str(opened_at)})
    assert response.status_code == 409
    assert "Someone else updated this service" in response.text
    saved = stored(service.id)
    assert saved.status is ServiceStatus.in_progress and saved.outcome == "Someone else's note."
    assert f'value="{saved.version}"' in response.text  # saving again is deliberate


def test_a_final_service_cannot_be_opened_for_update(client, login_as):
    case, world = arrived_case()
    service = requested(case, world, "job_seeking")
    services.update_service(service, ServiceStatus.not_possible, by=world.officer,
                            outcome="Moved away.")
    db.session.commit()
    officer_of(world, login_as)
    response = client.get(f"/cases/{case.number}/services/{service.id}/update")
    assert response.status_code == 302


# -- access -----------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.caseworker, Role.manager])
def test_the_sending_office_gets_403_on_the_forms(client, login_as, role):
    case, world = arrived_case()
    service = requested(case, world)
    login_as(role, office=world.office)
    assert client.get(f"/cases/{case.number}/services/new").status_code == 403
    url = f"/cases/{case.number}/services/{service.id}/update"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"status": "in_progress"}).status_code == 403
    assert stored(service.id).status is ServiceStatus.requested


def test_an_officer_of_another_partner_gets_404(client, login_as):
    case, world = arrived_case()
    service = requested(case, world)
    login_as(Role.reintegration_officer, office=factories.make_office(kind=OfficeKind.partner))
    assert client.get(f"/cases/{case.number}/services/new").status_code == 404
    url = f"/cases/{case.number}/services/{service.id}/update"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"status": "in_progress"}).status_code == 404


def test_the_officer_gets_403_before_the_arrival(client, login_as):
    case, world = case_at(S.departed)
    db.session.commit()
    officer_of(world, login_as)
    assert client.get(f"/cases/{case.number}/services/new").status_code == 403


def test_a_service_of_another_case_is_404(client, login_as):
    case, world = arrived_case()
    other, _ = arrived_case(world)
    service = requested(other, world)
    officer_of(world, login_as)
    assert client.get(f"/cases/{case.number}/services/{service.id}/update").status_code == 404


# -- service types (admin) --------------------------------------------------------------
def test_an_admin_adds_a_service_type_that_appears_in_the_request_form(client, login_as):
    login_as(Role.admin)
    page = client.get("/admin/service-types")
    assert page.status_code == 200 and "civil_registration" in page.text
    assert client.get("/admin/service-types/new").status_code == 200
    response = client.post("/admin/service-types/new", data={
        "code": "driving_licence", "name_en": "Driving licence",
        "name_fr": "Permis de conduire", "name_nl": "Rijbewijs",
        "depends_on_id": str(service_type("id_card").id), "position": ""})
    assert response.status_code == 302, response.text
    created = service_type("driving_licence")
    assert created.depends_on.code == "id_card"
    assert "Driving licence" in client.get("/admin/service-types").text

    case, world = arrived_case()
    db.session.commit()
    client.post("/logout")
    officer_of(world, login_as)
    form = client.get(f"/cases/{case.number}/services/new")
    assert f'<option value="{created.id}">Driving licence</option>' in form.text


def test_service_type_errors_are_shown_per_field(client, login_as):
    login_as(Role.admin)
    before = count(ServiceType)
    response = client.post("/admin/service-types/new", data={
        "code": "Bad Code", "name_en": "", "name_fr": "x", "name_nl": "y",
        "depends_on_id": "999999"})
    assert response.status_code == 200
    for name in ("code", "name_en"):
        assert f'id="{name}-error"' in response.text, name
    response = client.post("/admin/service-types/new", data={
        "code": "civil_registration", "name_en": "a", "name_fr": "b", "name_nl": "c",
        "depends_on_id": "999999"})
    for name in ("code", "depends_on_id"):
        assert f'id="{name}-error"' in response.text, name
    assert count(ServiceType) == before


def test_an_admin_edits_and_deactivates_a_type_and_cycles_are_refused(client, login_as):
    login_as(Role.admin)
    civil = service_type("civil_registration")
    url = f"/admin/service-types/{civil.id}/edit"
    assert client.get(url).status_code == 200
    names = {"name_en": civil.name_en, "name_fr": civil.name_fr, "name_nl": civil.name_nl,
             "position": str(civil.position), "is_active": "y"}
    cycle = client.post(url, data={**names,
                                   "depends_on_id": str(service_type("id_card").id)})
    assert cycle.status_code == 200 and 'id="depends_on_id-error"' in cycle.text
    db.session.expire_all()
    assert service_type("civil_registration").depends_on_id is None
    job = service_type("job_seeking")
    response = client.post(f"/admin/service-types/{job.id}/edit", data={
        "name_en": "Job search", "name_fr": "Recherche d'emploi", "name_nl": "Werk zoeken",
        "depends_on_id": "", "position": "3"})  # "is_active" unchecked
    assert response.status_code == 302, response.text
    db.session.expire_all()
    job = service_type("job_seeking")
    assert job.name_en == "Job search" and job.position == 3 and not job.is_active


@pytest.mark.parametrize("role", [Role.caseworker, Role.manager, Role.reintegration_officer])
def test_non_admins_get_403_on_the_admin_pages(client, login_as, role):
    login_as(role)
    job = service_type("job_seeking")
    for url in ("/admin/service-types", "/admin/service-types/new",
                f"/admin/service-types/{job.id}/edit"):
        assert client.get(url).status_code == 403, url
    response = client.post("/admin/service-types/new", data={
        "code": "driving_licence", "name_en": "a", "name_fr": "b", "name_nl": "c"})
    assert response.status_code == 403
    assert db.session.scalar(select(ServiceType).where(
        ServiceType.code == "driving_licence")) is None


def test_an_unknown_service_type_page_is_404(client, login_as):
    login_as(Role.admin)
    assert client.get("/admin/service-types/999999/edit").status_code == 404
