"""Subject access: what a person's export holds (and leaves out), its stable JSON shape,
the PDF as HTML and as a file, who may export, and the audit entry."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from caseflow.accounts.models import OfficeKind, Role
from caseflow.audit.models import AuditEntry
from caseflow.errors import AccessDenied
from caseflow.extensions import db
from caseflow.privacy.subject_access import (
    SCHEMA_VERSION,
    load_case_for_export,
    render_subject_access_html,
    subject_access_data,
    to_json,
)
from tests import factories
from tests.privacy import (
    MEDICAL_NOTE,
    NEXT_STEPS,
    OUTCOME,
    PLAN_LINE,
    SCHOOL,
    SESSION_NOTE,
    VISIT_NOTE,
    full_case,
)
from tests.reports import as_user, pdf_text

TOP_LEVEL = ["schema_version", "generated_at", "generated_by", "case", "person", "household",
             "identity_documents", "consents", "school_records", "events",
             "counselling_sessions", "reintegration_plan", "assistance", "followup_visits",
             "uploaded_documents", "certificates", "accesses"]
PERSON_KEYS = ["id", "role", "role_label", "given_names", "family_name", "name_original", "sex",
               "sex_label", "date_of_birth", "nationality", "place_of_birth", "languages", "phone",
               "oe_number", "reception_centre", "asylum_applied_on", "procedure_status",
               "procedure_status_label", "vulnerabilities", "vulnerability_labels",
               "vulnerability_note"]


@pytest.fixture
def full(app):
    return full_case(app)


def export(app, full, person, user=None):
    user = user or full.world.manager
    with as_user(app, user):
        case = load_case_for_export(full.case.number)
        person = next(b for b in case.beneficiaries if b.id == person.id)
        return json.loads(to_json(subject_access_data(case, person, user)))


def url(full, person, extension):
    return f"/cases/{full.case.number}/people/{person.id}/subject-access.{extension}"


# -- content ---------------------------------------------------------------------------------
def test_the_principal_gets_every_record_about_them(app, full):
    data = export(app, full, full.principal)
    assert data["schema_version"] == SCHEMA_VERSION == 1
    person = data["person"]
    assert (person["given_names"], person["family_name"]) == ("Đorđe", "Petrović")
    assert person["name_original"] == "Ђорђе Петровић"
    assert person["date_of_birth"] == "1985-03-14" and person["role"] == "principal"
    assert (person["oe_number"], person["reception_centre"], person["phone"]) == (
        "8.123.456", "Petit-Château", "+381 64 123 4567")
    assert person["vulnerabilities"] == ["serious_illness"]
    assert person["vulnerability_note"] == MEDICAL_NOTE
    assert [d["kind"] for d in data["identity_documents"]] == ["passport"]
    assert {c["purpose"] for c in data["consents"]} == {"case_processing", "partner_sharing"}
    assert [e["to_status"] for e in data["events"] if e["kind"] == "transition"][-1] \
        == "monitoring"
    assert any(s["notes"] == SESSION_NOTE for s in data["counselling_sessions"])
    lines = data["reintegration_plan"]["lines"]
    assert {(line["description"], line["amount"], line["for_household"]) for line in lines} >= {
        (PLAN_LINE, "1250.00", False)}
    assert [(r["service"], r["status"], r["outcome"]) for r in data["assistance"]] == [
        ("civil_registration", "completed", OUTCOME)]
    visit = data["followup_visits"][0]
    assert (visit["notes"], visit["next_steps"]) == (VISIT_NOTE, NEXT_STEPS)
    assert visit["survey"]["composite"] is not None
    assert {a["indicator"] for a in visit["survey"]["answers"]} == {
        "economic_satisfaction", "employment", "able_to_stay"}
    assert [d["original_filename"] for d in data["uploaded_documents"]] == ["passport-scan.pdf"]
    assert data["certificates"] == [{"number": full.certificate.number,
                                     "kind": "reintegration_completed",
                                     "issued_on": full.certificate.issued_at.date().isoformat(),
                                     "revoked_on": None}]


def test_other_members_appear_only_by_role(app, full):
    data = export(app, full, full.principal)
    text = json.dumps(data, ensure_ascii=False)
    assert "Drita" not in text and "Hoxhë" not in text and "Elira" not in text
    assert [(m["role"], m["is_subject"]) for m in data["household"]] == [
        ("principal", True), ("spouse", False), ("child", False)]
    child = export(app, full, full.child)
    assert [r["school"] for r in child["school_records"]] == [SCHOOL]
    assert child["assistance"] == [] and child["uploaded_documents"] == []
    # the plan's one line is the principal's, not the household's
    assert child["reintegration_plan"]["lines"] == []
    assert "8.123.456" not in json.dumps(child) and MEDICAL_NOTE not in json.dumps(child)


def test_the_json_shape_is_stable(app, full):
    data = export(app, full, full.spouse)
    assert list(data) == TOP_LEVEL
    assert list(data["person"]) == PERSON_KEYS
    assert list(data["case"]) == ["number", "status", "status_label", "office", "partner",
                                  "country_of_return", "municipality", "registered_at",
                                  "closed_at", "closure_reason", "anonymised_at"]


def test_who_accessed_the_case_is_listed(app, full, client, login_as):
    reader = login_as(Role.manager, office=full.world.office)
    assert client.get(f"/cases/{full.case.number}").status_code == 200
    db.session.expire_all()
    accesses = export(app, full, full.principal)["accesses"]
    assert any(a["user"] == reader.full_name and a["action"] == "read" for a in accesses)


def test_only_managers_of_the_office_and_admins_may_export(app, full):
    admin = factories.make_user(role=Role.admin)
    assert full.case.can_export_subject_data(full.world.manager)
    assert full.case.can_export_subject_data(admin)
    other_manager = factories.make_user(role=Role.manager)
    for user in (full.world.caseworker, full.world.officer, other_manager):
        assert not full.case.can_export_subject_data(user)
        with pytest.raises(AccessDenied):
            subject_access_data(full.case, full.principal, user)
    full.world.manager.is_active = False
    assert not full.case.can_export_subject_data(full.world.manager)


# -- the PDF ---------------------------------------------------------------------------------
def test_the_pdf_html_shows_the_data_escaped(app, full):
    with as_user(app, full.world.manager):
        case = load_case_for_export(full.case.number)
        person = next(b for b in case.beneficiaries if b.id == full.principal.id)
        person.vulnerability_note = "<script>alert(1)</script>"
        html = render_subject_access_html(subject_access_data(case, person,
                                                              full.world.manager))
        db.session.rollback()
    assert "Personal data held about Đorđe Petrović" in html
    assert "Ђорђе Петровић" in html and "8.123.456" in html and SESSION_NOTE in html
    assert PLAN_LINE in html and VISIT_NOTE in html and full.certificate.number in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert 'id="accesses"' in html and "Drita" not in html


# -- over HTTP -------------------------------------------------------------------------------
def test_the_manager_downloads_json_and_pdf(app, full, client, login_as):
    manager = login_as(Role.manager, office=full.world.office)
    response = client.get(url(full, full.principal, "json"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{full.case.number}-person-{full.principal.id}'
        f'-subject-access.json"')
    assert response.mimetype == "application/json"
    assert response.get_json()["person"]["family_name"] == "Petrović"

    response = client.get(url(full, full.principal, "pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(response.data)
    assert "Petrović" in text and full.case.number in text

    db.session.expire_all()
    exports = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "export", AuditEntry.case_id == full.case.id)).all()
    assert [(e.user_id, e.target, e.target_id) for e in exports] == [
        (manager.id, "person", str(full.principal.id))] * 2
    assert {json.loads(e.details)["format"] for e in exports} == {"json", "pdf"}


def test_the_case_page_links_the_export_for_those_who_may(app, full, client, login_as):
    login_as(Role.manager, office=full.world.office)
    page = client.get(f"/cases/{full.case.number}").get_data(as_text=True)
    assert url(full, full.child, "pdf") in page and url(full, full.principal, "json") in page
    client.post("/logout")
    login_as(Role.caseworker, office=full.world.office)
    page = client.get(f"/cases/{full.case.number}").get_data(as_text=True)
    assert "subject-access" not in page


@pytest.mark.parametrize("who", ["caseworker", "partner_officer", "partner_manager"])
def test_staff_who_see_the_case_but_may_not_export_are_refused(app, full, client, login_as,
                                                               who):
    office = {"caseworker": full.world.office}.get(who, full.world.partner)
    role = {"caseworker": Role.caseworker, "partner_officer": Role.reintegration_officer,
            "partner_manager": Role.manager}[who]
    login_as(role, office=office)
    assert client.get(f"/cases/{full.case.number}").status_code == 200
    for extension in ("json", "pdf"):
        assert client.get(url(full, full.principal, extension)).status_code == 403


def test_strangers_and_wrong_addresses_get_404(app, full, client, login_as):
    login_as(Role.manager, office=factories.make_office(kind=OfficeKind.sending))
    assert client.get(url(full, full.principal, "json")).status_code == 404
    client.post("/logout")
    login_as(Role.manager, office=full.world.office)
    other = full_case(app)
    assert client.get(f"/cases/{full.case.number}/people/{other.principal.id}"
                      "/subject-access.json").status_code == 404
    assert client.get("/cases/BE-1999-999999/people/1/subject-access.pdf").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(full, client):
    response = client.get(url(full, full.principal, "json"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
