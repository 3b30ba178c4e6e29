"""No lost updates (issue 6, point 5).

For each editable record type, two people load the edit form and both save: the first save
is stored, the second is refused with 409 and the difference (field, their value, yours), and
nothing of the second is stored. Records edited only through their case (people, plan lines,
documents, consents, school records) are covered by the case's version: a test per record type
shows that changing one moves the case's version on, so a form opened before is stale.

Multi-row changes run in one transaction: a database refusal of the last row leaves nothing
of the change behind. The refusal is real: a trigger in the database (created and dropped by
the test, inside its transaction) rejects the row, as a constraint would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.accounts.tokens import create_token
from caseflow.assistance import services as assistance
from caseflow.assistance.models import ServiceRequest, ServiceStatus, ServiceType
from caseflow.cases import services as cases
from caseflow.cases import workflow
from caseflow.cases.models import Case, CaseEvent
from caseflow.errors import StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, RssAnswer, RssSurvey, VisitMode
from caseflow.followups.services import record_visit
from caseflow.people.models import (
    Beneficiary,
    Consent,
    ConsentPurpose,
    DocumentKind,
    IdentityDocument,
    NameKey,
    SchoolLevel,
)
from caseflow.printing import services as printing
from caseflow.printing.models import Certificate, CertificateKind
from caseflow.reintegration import services as plans
from caseflow.reintegration.models import EntitlementRules, LineStatus, PlanLine, SupportKind
from caseflow.versions import saving
from tests import factories
from tests.cases.helpers import S, add_plan_line, case_at, move, stage_data

TODAY = date.today()
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


# -- helpers -------------------------------------------------------------------------------
def session_of(app: Any, user: User) -> Any:
    """A second browser, logged in as `user` (the `client` fixture is the first)."""
    browser = app.test_client_class(app, app.response_class, use_cookies=True)
    response = factories.log_in(browser, user)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert not response.location.startswith("/login"), response.location
    return browser


def version_in(page: Any) -> str:
    """The version an edit form carries in its hidden field."""
    assert page.status_code == 200, page.status_code
    found = VERSION.search(page.get_data(as_text=True))
    assert found is not None, "the form carries no version"
    return found.group(1)


def assert_refused_with(response: Any, *texts: str) -> str:
    assert response.status_code == 409, response.status_code
    page = response.get_data(as_text=True)
    assert "Nothing of yours was" in page or "Nothing of yours" in page
    for expected in texts:
        assert expected in page, expected
    return page


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def fresh(model: Any, id_: int) -> Any:
    db.session.expire_all()
    return db.session.get(model, id_)


# -- records with their own version: two people, both save ----------------------------------
def test_case_details(app, client, login_as):
    first = login_as(Role.caseworker)
    colleague = factories.make_user(Role.caseworker, office=first.office)
    case = factories.make_case(by=first)
    db.session.commit()
    other = session_of(app, colleague)
    url = f"/cases/{case.number}/edit"
    mine, theirs = version_in(client.get(url)), version_in(other.get(url))
    fields = {"country_of_return": "AL", "assignee_id": first.id}
    assert client.post(url, data={**fields, "version": mine,
                                  "municipality": "Durrës"}).status_code == 302
    page = assert_refused_with(other.post(url, data={**fields, "version": theirs,
                                                     "municipality": "Vlorë"}),
                               "municipality", "Durrës")
    assert first.full_name in page  # who made the change the second person missed
    assert fresh(Case, case.id).municipality == "Durrës"


def test_person_through_the_case_version(app, client, login_as):
    first = login_as(Role.caseworker)
    colleague = factories.make_user(Role.manager, office=first.office)
    case = factories.make_case(by=first)
    db.session.commit()
    person = case.principal
    other = session_of(app, colleague)
    url = f"/cases/{case.number}/people/{person.id}/edit"
    mine, theirs = version_in(client.get(url)), version_in(other.get(url))
    fields = {"role": "principal", "given_names": person.given_names, "sex": "M",
              "date_of_birth": "1985-03-14", "nationality": "AL"}
    assert client.post(url, data={**fields, "version": mine,
                                  "family_name": "Krasniqi"}).status_code == 302
    assert_refused_with(other.post(url, data={**fields, "version": theirs,
                                              "family_name": "Gashi"}), "Krasniqi")
    assert fresh(Beneficiary, person.id).family_name == "Krasniqi"


def _user_fields(user: User, **changes: Any) -> dict[str, Any]:
    return {"email": user.email, "full_name": user.full_name, "role": user.role.value,
            "office_id": user.office_id, "preferred_language": "", **changes}


def test_user_edited_by_two_admins(app, client, login_as):
    login_as(Role.admin)
    second_admin = factories.make_user(Role.admin)
    someone = factories.make_user(Role.caseworker)
    db.session.commit()
    other = session_of(app, second_admin)
    url = f"/admin/users/{someone.id}/edit"
    mine, theirs = version_in(client.get(url)), version_in(other.get(url))
    assert client.post(url, data=_user_fields(someone, version=mine,
                                              full_name="Ana Mirković")).status_code == 302
    page = assert_refused_with(
        other.post(url, data=_user_fields(someone, version=theirs, full_name="Ana Mirkovic",
                                          preferred_language="fr")),
        "full_name", "Ana Mirković", "Ana Mirkovic", "preferred_language")
    assert "Someone else saved this user" in page
    saved = fresh(User, someone.id)
    assert saved.full_name == "Ana Mirković" and saved.preferred_language is None
    assert saved.version == int(mine) + 1
    # The refusal offers the stored version: saving again is a deliberate choice, and works.
    assert version_in_text(page) == str(saved.version)
    assert other.post(url, data=_user_fields(someone, version=saved.version,
                                             preferred_language="fr")).status_code == 302
    assert fresh(User, someone.id).preferred_language == "fr"


def version_in_text(page: str) -> str:
    found = VERSION.search(page)
    assert found is not None
    return found.group(1)


def test_a_login_does_not_make_an_open_user_form_stale(app, client, login_as):
    """Only an admin's edit moves a user's version on: the user logging in (which writes the
    row) neither refuses the admin's save nor fails itself."""
    login_as(Role.admin)
    someone = factories.make_user(Role.caseworker)
    db.session.commit()
    url = f"/admin/users/{someone.id}/edit"
    mine = version_in(client.get(url))
    session_of(app, someone)  # writes last_login_at on the users row
    assert client.post(url, data=_user_fields(someone, version=mine,
                                              full_name="Renamed")).status_code == 302
    assert fresh(User, someone.id).full_name == "Renamed"


def _office_fields(office: Office, **changes: Any) -> dict[str, Any]:
    return {"name": office.name, "kind": office.kind.value, "country": office.country,
            "city": office.city, "language": "", **changes}


def test_office_edited_by_two_admins(app, client, login_as):
    login_as(Role.admin)
    second_admin = factories.make_user(Role.admin)
    office = factories.make_office(kind=OfficeKind.partner, country="RS", city="Belgrade")
    db.session.commit()
    other = session_of(app, second_admin)
    url = f"/admin/offices/{office.id}/edit"
    mine, theirs = version_in(client.get(url)), version_in(other.get(url))
    assert client.post(url, data=_office_fields(office, version=mine,
                                                city="Niš")).status_code == 302
    assert_refused_with(other.post(url, data=_office_fields(office, version=theirs,
                                                            city="Novi Sad")),
                        "Someone else saved this office", "city", "Niš", "Novi Sad")
    assert fresh(Office, office.id).city == "Niš"


def test_service_type_edited_by_two_admins(app, client, login_as):
    login_as(Role.admin)
    second_admin = factories.make_user(Role.admin)
    db.session.commit()
    service_type = db.session.scalar(select(ServiceType).where(
        ServiceType.code == "job_seeking"))
    other = session_of(app, second_admin)
    url = f"/admin/service-types/{service_type.id}/edit"
    mine, theirs = version_in(client.get(url)), version_in(other.get(url))
    fields = {"name_en": service_type.name_en, "name_fr": service_type.name_fr,
              "name_nl": service_type.name_nl, "depends_on_id": "",
              "position": str(service_type.position), "is_active": "y"}
    assert client.post(url, data={**fields, "version": mine,
                                  "name_en": "Guidance to find a job"}).status_code == 302
    assert_refused_with(other.post(url, data={**fields, "version": theirs,
                                              "name_en": "Help finding work"}),
                        "Someone else saved this service type", "name_en",
                        "Guidance to find a job", "Help finding work")
    assert fresh(ServiceType, service_type.id).name_en == "Guidance to find a job"


def test_entitlement_rules_published_by_two_admins(app, client, login_as):
    login_as(Role.admin)
    second_admin = factories.make_user(Role.admin)
    db.session.commit()
    other = session_of(app, second_admin)
    url = "/admin/entitlements"
    mine, theirs = version_in(client.get(url)), version_in(other.get(url))
    before = count(EntitlementRules)
    fields = {"valid_from": TODAY.isoformat(), "visa_free_countries": "AL, MK, XK, RS",
              "premium_adult_visa_free": "50", "premium_child_visa_free": "25",
              "premium_adult_visa_required": "350", "premium_child_visa_required": "175",
              "budget_visa_free": "0", "budget_visa_required": "1500",
              "vulnerability_top_up": "1500", "note": ""}
    assert client.post(url, data={**fields, "version": mine,
                                  "premium_adult_visa_free": "60"}).status_code == 302
    assert_refused_with(other.post(url, data={**fields, "version": theirs,
                                              "premium_adult_visa_free": "70"}),
                        "Another administrator published", "premium_adult_visa_free",
                        "60.00", "70.00")
    assert count(EntitlementRules) == before + 1
    latest = db.session.scalar(select(EntitlementRules).order_by(
        EntitlementRules.version.desc()).limit(1))
    assert latest.premium_adult_visa_free == Decimal("60.00")


def _arrived(world_case: tuple[Case, Any]) -> tuple[Case, Any]:
    case, world = world_case
    case.departed_on = case.arrived_on = TODAY - timedelta(days=30)
    db.session.flush()
    return case, world


def test_service_request_updated_by_two_officers(app, client):
    case, world = _arrived(case_at(S.arrival_confirmed))
    colleague = factories.make_user(Role.reintegration_officer, office=world.partner)
    job = db.session.scalar(select(ServiceType).where(ServiceType.code == "job_seeking"))
    service = assistance.request_service(case, case.principal.id, job.id,
                                         TODAY - timedelta(days=5), by=world.officer)
    db.session.commit()
    first, other = session_of(app, world.officer), session_of(app, colleague)
    url = f"/cases/{case.number}/services/{service.id}/update"
    mine, theirs = version_in(first.get(url)), version_in(other.get(url))
    fields = {"completed_on": "", "fees_paid": ""}
    assert first.post(url, data={**fields, "version": mine, "status": "in_progress",
                                 "outcome": "Registered at the employment office."}
                      ).status_code == 302
    assert_refused_with(other.post(url, data={**fields, "version": theirs,
                                              "status": "not_possible",
                                              "outcome": "Moved away."}),
                        "Registered at the employment office.", "Moved away.")
    saved = fresh(ServiceRequest, service.id)
    assert saved.status is ServiceStatus.in_progress
    assert saved.outcome == "Registered at the employment office."


def test_followup_visit_recorded_by_two_officers(app, client):
    from tests.followups import arrived_case, visit

    case, world = arrived_case()
    colleague = factories.make_user(Role.reintegration_officer, office=world.partner)
    db.session.commit()
    first, other = session_of(app, world.officer), session_of(app, colleague)
    the_visit = visit(case, 1)
    url = f"/cases/{case.number}/visits/{the_visit.id}/record"
    mine, theirs = version_in(first.get(url)), version_in(other.get(url))
    fields = {"done_on": TODAY.isoformat(), "mode": "home_visit", "next_steps": ""}
    assert first.post(url, data={**fields, "version": mine,
                                 "notes": "Found work at a bakery."}).status_code == 302
    assert_refused_with(other.post(url, data={**fields, "version": theirs, "mode": "phone",
                                              "notes": "Unreachable."}),
                        "Someone else saved this visit", "Found work at a bakery.")
    assert fresh(FollowUpVisit, the_visit.id).notes == "Found work at a bakery."


def test_plan_line_delivery_through_the_case_version(app, client):
    case, world = case_at(S.in_implementation)
    colleague = factories.make_user(Role.reintegration_officer, office=world.partner)
    db.session.commit()
    line = case.plan.lines[0]
    first, other = session_of(app, world.officer), session_of(app, colleague)
    url = f"/cases/{case.number}/plan/lines/{line.id}/status"
    mine, theirs = version_in(first.get(url)), version_in(other.get(url))
    assert first.post(url, data={"version": mine, "status": "cancelled",
                                 "delivered_on": ""}).status_code == 302
    assert_refused_with(other.post(url, data={"version": theirs, "status": "delivered",
                                              "delivered_on": TODAY.isoformat()}),
                        "Someone else saved this case", f"plan line {line.id}", "cancelled")
    saved = fresh(PlanLine, line.id)
    assert saved.status is LineStatus.cancelled and saved.delivered_on is None


@pytest.mark.parametrize("model", [Office, User, ServiceType])
def test_a_save_racing_another_is_refused_by_the_versioned_update(model):
    """Between the version check and the UPDATE another transaction saved the row: the
    UPDATE matches no row, and the user is told what is stored now, not shown an error."""
    if model is Office:
        record, field, theirs, yours = factories.make_office(), "city", "Liège", "Gent"
    elif model is User:
        record, field, theirs, yours = factories.make_user(), "full_name", "Ana", "Anna"
    else:
        record, field, theirs, yours = ServiceType(
            code="driving_licence", name_en="Driving licence", name_fr="Permis",
            name_nl="Rijbewijs"), "name_en", "Driver's licence", "Driving permit"
        db.session.add(record)
    db.session.commit()
    db.session.refresh(record)
    # The other save is committed while this request still holds the row as it loaded it.
    db.session.expunge(record)
    db.session.execute(update(model).where(model.id == record.id)
                       .values({field: theirs, "version": model.version + 1}))
    db.session.commit()
    db.session.add(record)
    with pytest.raises(StaleEdit) as refused, saving(record, {field: yours}, what="record"):
        setattr(record, field, yours)
        if model is User:
            record.version += 1
    db.session.rollback()
    assert refused.value.changes == [{"field": field, "theirs": theirs, "yours": yours}]
    assert getattr(fresh(model, record.id), field) == theirs


# -- the API: the version in the body, 409 `stale` with the changes ------------------------
def _token(user: User) -> dict[str, str]:
    _row, secret = create_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_api_plan_line_with_the_case_version(client):
    case, world = case_at(S.in_implementation)
    colleague = factories.make_user(Role.reintegration_officer, office=world.partner)
    db.session.commit()
    line = case.plan.lines[0]
    seen = client.get(f"/api/v1/cases/{case.number}", headers=_token(world.officer)
                      ).get_json()["version"]
    url = f"/api/v1/cases/{case.number}/plan/lines/{line.id}"
    first = client.patch(url, headers=_token(world.officer),
                         json={"status": "in_progress", "version": seen})
    assert first.status_code == 200, first.get_data(as_text=True)
    second = client.patch(url, headers=_token(colleague),
                          json={"status": "cancelled", "version": seen})
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "stale" and error["details"]["current_version"] == seen + 1
    assert any(c["field"] == f"plan line {line.id}" and c["new"] == "in_progress"
               for c in error["details"]["changes"])
    assert fresh(PlanLine, line.id).status is LineStatus.in_progress


def test_api_service_with_its_version_lists_the_difference(client):
    case, world = _arrived(case_at(S.arrival_confirmed))
    job = db.session.scalar(select(ServiceType).where(ServiceType.code == "job_seeking"))
    service = assistance.request_service(case, case.principal.id, job.id,
                                         TODAY - timedelta(days=5), by=world.officer)
    db.session.commit()
    url = f"/api/v1/cases/{case.number}/services/{service.id}"
    seen = service.version
    headers = _token(world.officer)
    assert client.patch(url, headers=headers, json={
        "version": seen, "status": "in_progress", "outcome": "First."}).status_code == 200
    second = client.patch(url, headers=headers, json={
        "version": seen, "status": "in_progress", "outcome": "Second."})
    assert second.status_code == 409
    changes = second.get_json()["error"]["details"]["changes"]
    assert {"field": "outcome", "theirs": "First.", "yours": "Second."} in changes
    assert fresh(ServiceRequest, service.id).outcome == "First."


# -- records covered by their case's version -----------------------------------------------
def _moves_the_case_version(case: Case, change: Any) -> None:
    before = case.version
    change()
    db.session.commit()
    assert fresh(Case, case.id).version > before


def test_identity_documents_are_covered_by_the_case_version():
    case = factories.make_case()
    by = case.registered_by
    doc = cases.TravelDocumentData(DocumentKind.passport, "ZZ1234567", "AL",
                                   date(2034, 1, 1))
    _moves_the_case_version(case, lambda: cases.add_identity_document(
        case, case.principal, doc, by=by))


def test_school_records_are_covered_by_the_case_version():
    case = factories.make_case(household=[factories.person_data(),
                                          factories.person_data("child")])
    child = case.beneficiaries[1]
    record = cases.SchoolData(school="Athénée Royal", town="Namur", year_from=2021,
                              year_to=2023, level=SchoolLevel.primary)
    _moves_the_case_version(case, lambda: cases.add_school_record(
        case, child, record, by=case.registered_by))


def test_consents_are_covered_by_the_case_version():
    case = factories.make_case()
    _moves_the_case_version(case, lambda: cases.record_consent(
        case, case.principal, ConsentPurpose.medical_sharing, TODAY, by=case.registered_by))


def test_household_changes_are_covered_by_the_case_version():
    case = factories.make_case()
    _moves_the_case_version(case, lambda: cases.add_person(
        case, factories.person_data("child"), by=case.registered_by,
        expected_version=case.version))


def test_plan_lines_are_covered_by_the_case_version():
    case, world = case_at(S.plan_drafted)
    db.session.commit()
    _moves_the_case_version(case, lambda: add_plan_line(case, world, amount="100.00"))
    line = case.plan.lines[-1]
    _moves_the_case_version(case, lambda: plans.remove_line(case, line, by=world.officer))


def test_a_stale_plan_line_change_is_refused_in_the_service():
    case, world = case_at(S.in_implementation)
    db.session.commit()
    seen = case.version
    first, second = case.plan.lines[0], case.plan.lines[0]
    plans.update_line_status(case, first, LineStatus.in_progress, by=world.officer,
                             expected_version=seen)
    db.session.commit()
    with pytest.raises(StaleEdit) as refused:
        plans.update_line_status(case, second, LineStatus.cancelled, by=world.officer,
                                 expected_version=seen)
    db.session.rollback()
    assert refused.value.changes and fresh(PlanLine, first.id).status is LineStatus.in_progress


def test_documents_and_certificates_are_not_edited_in_place():
    """Uploaded documents and issued certificates have no edit form: a document is added
    (never changed), a certificate is only revoked, once: the second revocation is refused
    and the first reason stays."""
    case, world = case_at(S.departed)
    db.session.commit()
    cert = printing.issue_certificate(case, CertificateKind.voluntary_departure,
                                      by=world.manager, language="en")
    db.session.commit()
    printing.revoke_certificate(cert, by=world.manager, reason="Wrong date of birth.")
    db.session.commit()
    with pytest.raises(ValidationFailed):
        printing.revoke_certificate(cert, by=world.manager, reason="Another reason.")
    db.session.rollback()
    assert fresh(Certificate, cert.id).revoke_reason == "Wrong date of birth."


# -- multi-row changes: all or nothing ------------------------------------------------------
@contextmanager
def refused_by_the_database(table: str, condition: str = "1 = 1") -> Iterator[None]:
    """Make the database refuse an INSERT into `table` whose row matches `condition` (SQL
    on NEW), for the duration of the block."""
    name = f"refuse_{table}"
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.execute(text(
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN {condition} "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"))
        drop = f"DROP TRIGGER IF EXISTS {name}"
    else:
        connection.execute(text(
            f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
            f"IF {condition} THEN RAISE EXCEPTION 'refused by the test'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"))
        connection.execute(text(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                                f"FOR EACH ROW EXECUTE FUNCTION {name}()"))
        drop = f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}()"
    # The trigger lives in the test's own savepoint: commit it so the service's rollback
    # keeps it, and drop it after.
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        for statement in drop.split("; "):
            db.session.execute(text(statement))
        db.session.commit()


def snapshot(*models: Any) -> dict[str, int]:
    db.session.expire_all()
    return {m.__tablename__: count(m) for m in models}


def test_registering_a_household_is_all_or_nothing():
    by = factories.make_user(Role.caseworker)
    db.session.commit()
    models = (Case, Beneficiary, Consent, IdentityDocument, NameKey, CaseEvent)
    before = snapshot(*models)
    registration = cases.Registration(
        details=cases.CaseDetails(country_of_return="AL", municipality="Shkodër"),
        household=[factories.person_data(), factories.person_data("child"),
                   factories.person_data("child", given_names="Drita")],
        consent_on=TODAY, consent_purposes=[ConsentPurpose.case_processing],
        duplicate_reason="test data")
    # The third person is the last row of the household.
    with refused_by_the_database("beneficiaries", "NEW.position = 2"), \
            pytest.raises(DBAPIError):
        cases.register_case(registration, by=by)
    assert snapshot(*models) == before


def test_approving_a_plan_with_its_lines_is_all_or_nothing():
    case, world = case_at(S.plan_submitted)
    db.session.commit()
    plan_id = case.plan.id
    events = count(CaseEvent)
    # The transition's history row is the last row written.
    with refused_by_the_database("case_events"), pytest.raises(DBAPIError):
        workflow.transition(case, "approve_plan", by=world.actor_for("approve_plan"),
                            data=stage_data("approve_plan", world))
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.status is S.plan_submitted
    assert stored.plan.id == plan_id and stored.plan.approved_on is None
    assert stored.plan.approved_budget is None and count(CaseEvent) == events


def test_a_stage_move_with_its_effects_is_all_or_nothing():
    """Referral writes the case, its partner and the history row; confirming the arrival
    also schedules the follow-up visits."""
    case, world = case_at(S.departed)
    db.session.commit()
    visits = count(FollowUpVisit)
    with refused_by_the_database("case_events"), pytest.raises(DBAPIError):
        move(case, "confirm_arrival", world)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status is S.departed
    assert count(FollowUpVisit) == visits


def test_issuing_a_certificate_is_all_or_nothing():
    case, world = case_at(S.departed)
    db.session.commit()
    before = snapshot(Certificate, CaseEvent)
    with refused_by_the_database("case_events"), pytest.raises(DBAPIError):
        printing.issue_certificate(case, CertificateKind.voluntary_departure,
                                   by=world.manager, language="en")
    assert snapshot(Certificate, CaseEvent) == before


def test_recording_a_visit_with_its_survey_is_all_or_nothing():
    from tests.followups import answers, arrived_case, rss_v1, visit

    case, world = arrived_case()
    db.session.commit()
    the_visit = visit(case, 1)
    before = snapshot(RssSurvey, RssAnswer, CaseEvent)
    with refused_by_the_database("case_events"), pytest.raises(DBAPIError):
        record_visit(the_visit, by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                     notes="All well.", answers=answers(rss_v1(), employment="none"))
    assert snapshot(RssSurvey, RssAnswer, CaseEvent) == before
    assert fresh(FollowUpVisit, the_visit.id).done_on is None


def test_a_plan_line_is_added_with_its_history_or_not_at_all():
    case, world = case_at(S.plan_drafted)
    db.session.commit()
    before = snapshot(PlanLine, CaseEvent)
    with refused_by_the_database("case_events"), pytest.raises(DBAPIError):
        plans.add_line(case, plans.LineData(SupportKind.housing, "Rent", "300.00"),
                       by=world.officer)
    assert snapshot(PlanLine, CaseEvent) == before
