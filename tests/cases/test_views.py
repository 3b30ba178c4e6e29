"""The case pages over HTTP: each page once, each role's view of it, bad input's errors."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from caseflow.accounts.models import OfficeKind, Role
from caseflow.cases import workflow
from caseflow.cases.models import Case, CaseStatus
from caseflow.cases.services import SessionData, log_counselling_session
from caseflow.documents.models import Document
from caseflow.extensions import db
from caseflow.people.models import Beneficiary
from tests import factories

TODAY = date.today().isoformat()


def person_fields(n: int, **values: str) -> dict[str, str]:
    base = {"role": "principal", "given_names": "Arben", "family_name": "Gashi",
            "sex": "M", "date_of_birth": "1984-02-10", "nationality": "XK",
            "document_kind": "passport", "document_number": f"P0{n}12345",
            "document_country": "XK", "document_expires_on": "2034-01-01"}
    base.update(values)
    return {f"household-{n}-{k}": v for k, v in base.items()}


def registration(**extra: str) -> dict[str, object]:
    data: dict[str, object] = {"country_of_return": "XK", "municipality": "Prizren",
                               "consent_on": TODAY,
                               "consent_purposes": ["case_processing", "partner_sharing"],
                               "save": "1"}
    data.update(person_fields(0))
    data.update(person_fields(1, role="spouse", given_names="Vlora", sex="F",
                              date_of_birth="1987-09-01"))
    data.update(extra)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_register_a_household(client, login_as):
    user = login_as(Role.caseworker)
    page = client.get("/cases/new")
    assert page.status_code == 200 and "Principal applicant" in page.text
    response = client.post("/cases/new", data=registration())
    assert response.status_code == 302, response.text
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert response.location == f"/cases/{case.number}"
    assert case.household_size == 2 and case.principal_name == "Arben Gashi"
    assert case.office_id == user.office_id and case.assignee_id == user.id
    page = client.get(response.location)
    assert "Vlora Gashi" in page.text and "Registered" in page.text


def test_add_person_button_adds_a_row_without_saving(client, login_as):
    login_as(Role.caseworker)
    response = client.post("/cases/new", data={**registration(), "save": "",
                                               "add_person": "1"})
    assert response.status_code == 200
    assert 'name="household-2-given_names"' in response.text
    assert count(Case) == 0


def test_registration_errors_are_shown_per_field_and_nothing_is_saved(client, login_as):
    login_as(Role.caseworker)
    data = registration(**person_fields(1, role="principal", given_names="",
                                        date_of_birth="2090-01-01"))
    response = client.post("/cases/new", data=data)
    assert response.status_code == 200
    assert 'id="household-1-given_names-error"' in response.text
    bad_date = client.post("/cases/new", data=registration(
        **person_fields(1, role="spouse", date_of_birth="2090-01-01")))
    assert "The date of birth cannot be in the future." in bad_date.text
    two_principals = client.post("/cases/new", data=registration(
        **person_fields(1, role="principal")))
    assert "A household has exactly one principal applicant." in two_principals.text
    assert count(Case) == 0 and count(Beneficiary) == 0


def test_duplicate_warning_then_register_with_a_reason(client, login_as):
    user = login_as(Role.caseworker)
    factories.make_case(by=user, country="XK", household=[factories.person_data(
        given_names="Arben", family_name="Gashi", date_of_birth=date(1984, 2, 10),
        nationality="XK")])
    db.session.commit()
    warned = client.post("/cases/new", data=registration(
        **person_fields(0, family_name="Gashi", given_names="Arbën")))
    assert warned.status_code == 200
    assert "Possible duplicates" in warned.text and "Register anyway" in warned.text
    assert count(Case) == 1
    saved = client.post("/cases/new", data=registration(
        duplicate_reason="Different person: cousin, checked with the family."))
    assert saved.status_code == 302
    case = db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert case.duplicate_override_reason.startswith("Different person")


def test_partner_and_admin_cannot_register(client, login_as):
    login_as(Role.reintegration_officer)
    assert client.get("/cases/new").status_code == 403


def test_case_page_shows_only_allowed_actions(client, login_as):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker)
    db.session.commit()
    page = client.get(f"/cases/{case.number}").text
    assert "Start counselling" in page and "Put on hold" in page
    assert "Approve" not in page and "Reopen" not in page


def test_a_move_through_the_form(client, login_as):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker)
    refused = client.post(f"/cases/{case.number}/move/start_counselling", data={})
    assert "Log the first counselling session" in refused.text
    response = client.post(f"/cases/{case.number}/sessions/new", data={
        "held_on": TODAY, "language": "Albanian", "interpreter": "", "notes": "First talk."})
    assert response.status_code == 302
    response = client.post(f"/cases/{case.number}/move/start_counselling", data={})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status is CaseStatus.counselling
    missing = client.post(f"/cases/{case.number}/move/submit_application",
                          data={"application_submitted_on": ""})
    assert "This field is required." in missing.text
    wrong_stage = client.get(f"/cases/{case.number}/move/confirm_arrival")
    assert wrong_stage.status_code == 409
    assert "cannot move to" in wrong_stage.text or "is done by" in wrong_stage.text


def test_manager_approves_with_four_eyes(client, login_as):
    manager = login_as(Role.manager)
    caseworker = factories.make_user(role=Role.caseworker, office=manager.office)
    case = factories.make_case(by=caseworker)
    log_counselling_session(case, SessionData(held_on=date.today(), language="sq"),
                            by=caseworker)
    workflow.transition(case, "start_counselling", by=caseworker)
    workflow.transition(case, "submit_application", by=caseworker,
                        data={"application_submitted_on": date.today()})
    case.assignee = manager
    db.session.commit()
    refused = client.post(f"/cases/{case.number}/move/approve", data={"decision_on": TODAY})
    assert "another manager must decide" in refused.text
    case.assignee = caseworker
    db.session.commit()
    assert client.post(f"/cases/{case.number}/move/approve",
                       data={"decision_on": TODAY}).status_code == 302


def test_stale_edit_is_refused_with_what_changed(client, login_as):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker)
    db.session.commit()
    form = client.get(f"/cases/{case.number}/edit").text
    assert 'name="version" type="hidden" value="' in form
    old_version = case.version
    first = client.post(f"/cases/{case.number}/edit", data={
        "version": old_version, "country_of_return": "AL", "municipality": "Durrës",
        "assignee_id": caseworker.id})
    assert first.status_code == 302
    second = client.post(f"/cases/{case.number}/edit", data={
        "version": old_version, "country_of_return": "AL", "municipality": "Vlorë",
        "assignee_id": caseworker.id})
    assert second.status_code == 409
    assert "Someone else saved this case" in second.text
    assert "Durrës" in second.text and "municipality" in second.text
    db.session.refresh(case)
    assert case.municipality == "Durrës"


@pytest.mark.parametrize("path", [
    "", "/edit", "/sessions/new", "/move/start_counselling", "/people/new",
    "/documents/new"])
def test_other_office_gets_404_and_no_data(client, login_as, path):
    case = factories.make_case(household=[factories.person_data(family_name="Secretname")])
    db.session.commit()
    login_as(Role.caseworker)  # a user of another office
    response = client.get(f"/cases/{case.number}{path}")
    assert response.status_code == 404
    assert "Secretname" not in response.text and "Shkodër" not in response.text
    assert "Page not found" in response.text
    assert client.post(f"/cases/{case.number}{path}", data={}).status_code in (404, 405)


def test_partner_sees_referred_case_without_asylum_details(client, login_as):
    partner = factories.make_office(kind=OfficeKind.partner, country="AL")
    officer = login_as(Role.reintegration_officer, office=partner)
    case = factories.make_case(household=[factories.person_data(
        oe_number="8.123.456", vulnerability_note="Medical detail")])
    assert client.get(f"/cases/{case.number}").status_code == 404
    manager = factories.make_user(role=Role.manager, office=case.office)
    case.status = CaseStatus.referred
    case.partner = partner
    case.decision_on = date.today()
    case.decided_by = manager
    db.session.commit()
    page = client.get(f"/cases/{case.number}")
    assert page.status_code == 200
    assert "8.123.456" not in page.text and "Medical detail" not in page.text
    assert "Accept the referral" in page.text
    assert officer.office_id == case.partner_id


def test_case_list_filters_and_paginates(client, login_as):
    caseworker = login_as(Role.caseworker)
    for n in range(55):
        factories.make_case(by=caseworker, household=[factories.person_data(
            family_name=f"Listed{n:02}")])
    factories.make_case(household=[factories.person_data(family_name="Elsewhere")])
    db.session.commit()
    first = client.get("/cases/")
    assert first.status_code == 200
    assert first.text.count('href="/cases/BE-') == 50
    assert "Elsewhere" not in first.text
    next_link = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(next_link)
    assert second.text.count('href="/cases/BE-') == 5
    searched = client.get("/cases/?q=listed07")
    assert "Listed07" in searched.text and "Listed08" not in searched.text
    assert "No case matches" in client.get("/cases/?q=nobodyatall").text
    assert client.get("/cases/?cursor=garbage&status=nonsense&office=x").status_code == 200


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_upload_and_download_a_scan(client, login_as, app, tmp_path):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker)
    db.session.commit()
    response = client.post(f"/cases/{case.number}/documents/new", data={
        "title": "Passport scan", "beneficiary_id": "0",
        "file": (io.BytesIO(_png()), "passport.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    document = db.session.scalar(select(Document))
    assert document.content_type == "image/png" and len(document.sha256) == 64
    download = client.get(f"/documents/{document.id}/download")
    assert download.status_code == 200 and download.data == _png()
    assert download.headers["Cache-Control"] == "no-store"
    refused = client.post(f"/cases/{case.number}/documents/new", data={
        "title": "Not a scan", "beneficiary_id": "0",
        "file": (io.BytesIO(b"<html>hi</html>"), "scan.pdf")},
        content_type="multipart/form-data")
    assert "Only PDF, JPEG and PNG files can be attached." in refused.text
    assert count(Document) == 1
    client.post("/logout")
    login_as(Role.caseworker)  # another office
    assert client.get(f"/documents/{document.id}/download").status_code == 404


def test_school_history_and_documents_of_a_child(client, login_as):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker, household=[
        factories.person_data(), factories.person_data(role="child")])
    db.session.commit()
    child = case.beneficiaries[1]
    form = client.get(f"/cases/{case.number}/people/{child.id}/school/new")
    assert "School in Belgium" in form.text
    bad = client.post(f"/cases/{case.number}/people/{child.id}/school/new", data={
        "school": "École communale n°1", "town": "Schaerbeek", "year_from": "2024",
        "year_to": "2022", "level": "primary"})
    assert "The last school year cannot be before the first." in bad.text
    ok = client.post(f"/cases/{case.number}/people/{child.id}/school/new", data={
        "school": "École communale n°1", "town": "Schaerbeek", "year_from": "2022",
        "year_to": "2024", "level": "primary", "grade": "3e primaire"})
    assert ok.status_code == 302 and ok.location.endswith(f"#p{child.id}")
    page = client.get(f"/cases/{case.number}").text
    assert "École communale n°1, Schaerbeek · 2022\u20132025" in page
    principal = case.beneficiaries[0]
    assert client.post(f"/cases/{case.number}/people/{principal.id}/school/new", data={
        "school": "X", "town": "Y", "year_from": "2022", "year_to": "2023",
        "level": "primary"}).status_code == 200  # refused: not a child
    doc = client.post(f"/cases/{case.number}/people/{child.id}/documents/new", data={
        "kind": "laissez_passer", "number": "lp 778812", "issuing_country": "AL",
        "expires_on": "2027-01-01"})
    assert doc.status_code == 302
    assert "Laissez-passer LP 778812" in client.get(f"/cases/{case.number}").text


def test_two_people_editing_the_same_person_at_once(app, client, login_as):
    """Two browsers, two users: the second save is refused and shows the first one's change."""
    caseworker = login_as(Role.caseworker)
    manager = factories.make_user(role=Role.manager, office=caseworker.office)
    case = factories.make_case(by=caseworker)
    db.session.commit()
    person = case.beneficiaries[0]
    other = app.test_client_class(app, app.response_class, use_cookies=True)
    assert factories.log_in(other, manager).status_code == 302
    seen_version = case.version
    fields = {"role": "principal", "given_names": person.given_names, "sex": "M",
              "date_of_birth": "1985-03-14", "nationality": "AL", "version": seen_version}
    first = other.post(f"/cases/{case.number}/people/{person.id}/edit",
                       data={**fields, "family_name": "Hoxhaj", "phone": "+355 69 111 2222"})
    assert first.status_code == 302
    second = client.post(f"/cases/{case.number}/people/{person.id}/edit",
                         data={**fields, "family_name": "Hoxha-Lleshi"})
    assert second.status_code == 409
    assert "Someone else saved this case" in second.text
    assert manager.full_name in second.text and "+355 69 111 2222" in second.text
    db.session.refresh(person)
    assert person.family_name == "Hoxhaj"


def test_uploads_refused_by_size_and_for_other_offices(client, login_as, monkeypatch):
    from caseflow.documents import storage

    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker)
    db.session.commit()
    monkeypatch.setattr(storage, "MAX_BYTES", 1024)
    monkeypatch.setattr(storage.store, "__defaults__", (1024,))
    big = b"%PDF-1.4\n" + b"0" * 2048 + b"\n%%EOF\n"
    refused = client.post(f"/cases/{case.number}/documents/new", data={
        "title": "Too big", "beneficiary_id": "0", "file": (io.BytesIO(big), "big.pdf")},
        content_type="multipart/form-data")
    assert refused.status_code == 200 and "larger than" in refused.text
    no_file = client.post(f"/cases/{case.number}/documents/new", data={
        "title": "Nothing", "beneficiary_id": "0"}, content_type="multipart/form-data")
    assert "Choose a file to upload." in no_file.text
    assert count(Document) == 0
    client.post("/logout")
    login_as(Role.caseworker)  # another office
    outside = client.post(f"/cases/{case.number}/documents/new", data={
        "title": "x", "beneficiary_id": "0", "file": (io.BytesIO(_png()), "a.png")},
        content_type="multipart/form-data")
    assert outside.status_code == 404 and count(Document) == 0


def _queries_for(client, path: str) -> int:
    from sqlalchemy import event

    seen = [0]

    def count(*_args, **_kwargs) -> None:
        seen[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen[0]


def test_case_page_and_list_queries_do_not_grow_with_the_data(client, login_as):
    """No N+1: a big household with many events costs the same queries as a small one."""
    caseworker = login_as(Role.caseworker)
    small = factories.make_case(by=caseworker)
    big = factories.make_case(by=caseworker, household=[
        factories.person_data(), *(factories.person_data(role="child") for _ in range(5))])
    for n in range(10):
        log_counselling_session(big, SessionData(held_on=date.today(), language=f"sq{n}"),
                                by=caseworker)
    db.session.commit()
    assert _queries_for(client, f"/cases/{small.number}") == \
        _queries_for(client, f"/cases/{big.number}")
    few = _queries_for(client, "/cases/")
    for _ in range(30):
        factories.make_case(by=caseworker)
    db.session.commit()
    assert _queries_for(client, "/cases/") == few
