"""JSON API v1 over HTTP, on the real database: tokens, scoping by role and office, the
case operations and every kind of bad input."""

from __future__ import annotations

import base64
import itertools
import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.accounts.tokens import ApiToken, create_token, revoke_token
from caseflow.cases import workflow
from caseflow.cases.models import Case, CaseStatus
from caseflow.cases.services import SessionData, log_counselling_session
from caseflow.extensions import db
from caseflow.people.models import Vulnerability
from tests import factories

_numbers = itertools.count(1)
TODAY = date.today().isoformat()


# -- helpers -------------------------------------------------------------------------------
def token_for(user: User) -> dict[str, str]:
    _token, secret = create_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def api_user(role: Role = Role.caseworker, office: Office | None = None) -> tuple[User, dict]:
    user = factories.make_user(role=role, office=office)
    return user, token_for(user)


def person(role: str = "principal", **fields: Any) -> dict[str, Any]:
    n = next(_numbers)
    data: dict[str, Any] = {
        "role": role, "given_names": "Arben", "family_name": f"Berisha{n}", "sex": "M",
        "date_of_birth": "1985-03-14", "nationality": "AL",
        "documents": [{"kind": "passport", "number": f"BZ{n:07d}", "issuing_country": "AL",
                       "expires_on": "2035-01-01"}]}
    if role == "child":
        data.update(given_names="Elira", sex="F", date_of_birth="2015-06-02")
    data.update(fields)
    return data


def new_case_body(household: list[dict[str, Any]] | None = None, **fields: Any) -> dict:
    body: dict[str, Any] = {
        "country_of_return": "AL", "municipality": "Shkodër", "consent_on": TODAY,
        "consent_purposes": ["case_processing", "partner_sharing"],
        "household": household or [person()]}
    body.update(fields)
    return body


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    return error


def to_application_submitted(case: Case, caseworker: User) -> None:
    log_counselling_session(case, SessionData(held_on=date.today(), language="Albanian"),
                            by=caseworker)
    workflow.transition(case, "start_counselling", by=caseworker)
    workflow.transition(case, "submit_application", by=caseworker,
                        data={"application_submitted_on": TODAY})


def referred_case(partner: Office, **case_fields: Any) -> tuple[Case, User]:
    """A case of a new sending office, approved and referred to `partner`."""
    office = factories.make_office()
    caseworker = factories.make_user(office=office)
    manager = factories.make_user(role=Role.manager, office=office)
    case = factories.make_case(by=caseworker, **case_fields)
    to_application_submitted(case, caseworker)
    workflow.transition(case, "approve", by=manager, data={"decision_on": TODAY})
    workflow.transition(case, "refer", by=caseworker,
                        data={"partner_id": partner.id, "referred_on": TODAY})
    return case, caseworker


# -- authentication ------------------------------------------------------------------------
def test_requests_without_a_valid_token_get_401(client):
    user = factories.make_user()
    headers = token_for(user)

    missing = client.get("/api/v1/cases")
    assert_error(missing, 401, "unauthorized")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")

    for value in ("Bearer cf_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz",
                  headers["Authorization"].replace("Bearer", "Token")):
        response = client.get("/api/v1/cases", headers={"Authorization": value})
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    ok = client.get("/api/v1/cases", headers=headers)
    assert ok.status_code == 200
    # Bearer tokens only: the API neither reads nor sets a session cookie.
    assert "Set-Cookie" not in ok.headers

    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.last_used_at is not None  # the request committed its use
    revoke_token(token, by=user)
    db.session.commit()
    revoked = client.get("/api/v1/cases", headers=headers)
    assert_error(revoked, 401, "unauthorized")
    assert 'error="invalid_token"' in revoked.headers["WWW-Authenticate"]


def test_a_deactivated_account_loses_its_tokens(client):
    user, headers = api_user()
    user.is_active = False
    db.session.commit()
    assert_error(client.get("/api/v1/workflow", headers=headers), 401, "unauthorized")


def test_a_logged_in_browser_session_is_not_an_api_login(client, login_as):
    login_as(Role.caseworker)
    assert_error(client.get("/api/v1/cases"), 401, "unauthorized")


def test_cli_makes_a_token_that_works_once_shown(runner, client):
    user = factories.make_user(email="script.owner@example.org")
    db.session.commit()
    result = runner.invoke(args=["users", "token", "Script.Owner@example.org",
                                 "--name", "nightly export"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("cf_")
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.name == "nightly export" and secret not in token.token_hash
    response = client.get("/api/v1/workflow", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200

    unknown = runner.invoke(args=["users", "token", "nobody@example.org", "--name", "x"])
    assert unknown.exit_code == 2 and "no user" in unknown.output
    blank = runner.invoke(args=["users", "token", user.email, "--name", "  "])
    assert blank.exit_code == 1 and "error: name:" in blank.output


# -- listing -------------------------------------------------------------------------------
def test_list_pages_through_every_case_with_cursors(client):
    user, headers = api_user()
    made = [factories.make_case(by=user).number for _ in range(7)]
    db.session.commit()
    newest_first = list(reversed(made))

    seen, cursor, pages = [], None, []
    while True:
        url = "/api/v1/cases?limit=3" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        pages.append(page)
        seen += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == newest_first
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert pages[0]["prev_cursor"] is None

    back = client.get(f"/api/v1/cases?limit=3&cursor={pages[1]['prev_cursor']}",
                      headers=headers).get_json()
    assert [i["number"] for i in back["items"]] == newest_first[:3]

    oldest = client.get("/api/v1/cases?limit=2&sort=oldest", headers=headers).get_json()
    assert [i["number"] for i in oldest["items"]] == made[:2]


def test_list_filters(client):
    user, headers = api_user()
    albania = factories.make_case(by=user, household=[factories.person_data(
        family_name="Gashi", vulnerabilities=[Vulnerability.serious_illness])])
    kosovo = factories.make_case(by=user, country="XK")
    log_counselling_session(albania, SessionData(held_on=date.today(), language="sq"),
                            by=user)
    workflow.transition(albania, "start_counselling", by=user)
    db.session.commit()

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/v1/cases?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return [item["number"] for item in response.get_json()["items"]]

    assert numbers("country=XK") == [kosovo.number]
    assert numbers("status=counselling") == [albania.number]
    assert set(numbers("status=counselling&status=registered")) == {albania.number,
                                                                    kosovo.number}
    assert numbers("vulnerability=serious_illness") == [albania.number]
    assert numbers("q=gashi") == [albania.number]
    assert numbers(f"q={kosovo.number}") == [kosovo.number]
    assert numbers(f"assignee_id={user.id}&office_id={user.office_id}&country=") == \
        [kosovo.number, albania.number]
    assert numbers(f"registered_from={TODAY}&registered_to={TODAY}") == [kosovo.number,
                                                                        albania.number]
    assert numbers("departed_from=2020-01-01") == []

    summary = client.get("/api/v1/cases?country=AL", headers=headers).get_json()["items"][0]
    assert summary["status"] == "counselling"
    assert summary["principal_name"].endswith("Gashi")
    assert summary["office"] == {"id": user.office_id, "name": user.office.name}
    assert summary["registered_at"].endswith("Z") or "+00:00" in summary["registered_at"]


def test_list_refuses_bad_filters_and_cursors_with_400(client):
    _user, headers = api_user()
    response = client.get("/api/v1/cases?status=lost&limit=0&office_id=abc"
                          "&registered_from=2026-13-01&sort=random&colour=red",
                          headers=headers)
    details = assert_error(response, 400, "invalid_query")["details"]
    assert set(details) == {"status.0", "limit", "office_id", "registered_from", "sort",
                            "colour"}
    assert details["colour"] == ["Unknown field."]

    forged = [["after", "2026-01-01T00:00:00", 1],  # naive datetime
              ["after", "2026-01-01T00:00:00+00:00", 10**30],  # beyond any id
              ["before", "2026-01-01T00:00:00+00:00", True],
              ["after", "Arben\x00", 1], ["sideways", "BE-2026-000001", 1]]
    cursors = ["not-a-cursor", "W10", "eyJ4IjoxfQ", *(
        base64.urlsafe_b64encode(json.dumps(c).encode()).decode().rstrip("=")
        for c in forged)]
    for n, cursor in enumerate(cursors):
        sort = "name" if n == 6 else "number" if n == 7 else "newest"
        bad = client.get(f"/api/v1/cases?sort={sort}&cursor={cursor}", headers=headers)
        assert "cursor" in assert_error(bad, 400, "invalid_query")["details"], cursor

    twice = client.get("/api/v1/cases?country=AL&country=XK", headers=headers)
    assert "country" in assert_error(twice, 400, "invalid_query")["details"]
    huge = client.get("/api/v1/cases?limit=101&office_id=99999999999999999999",
                      headers=headers)
    assert set(assert_error(huge, 400, "invalid_query")["details"]) == {"limit", "office_id"}


@pytest.mark.parametrize("q", ["\x00abc", "a\x1fb", "x" * 5000])
def test_list_search_text_with_control_characters_or_too_long_is_400(client, q):
    _user, headers = api_user()
    response = client.get("/api/v1/cases", query_string={"q": q}, headers=headers)
    assert "q" in assert_error(response, 400, "invalid_query")["details"]


@pytest.mark.parametrize("q", ["Đorđe", "ЂОРЂЕ 😀", "BE-2026-", "%_'\";--", "x" * 200])
def test_list_search_with_odd_but_valid_text_answers(client, q):
    user, headers = api_user()
    factories.make_case(by=user)
    db.session.commit()
    response = client.get("/api/v1/cases", query_string={"q": q}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["items"] == []


# -- scoping -------------------------------------------------------------------------------
def test_another_office_cannot_see_or_touch_a_case(client):
    owner = factories.make_user()
    case = factories.make_case(by=owner)
    _outsider, headers = api_user()
    db.session.commit()
    base = f"/api/v1/cases/{case.number}"

    nowhere = client.get("/api/v1/cases/BE-2000-999999", headers=headers)
    assert_error(nowhere, 404, "not_found")
    for response in (
            client.get(base, headers=headers),
            client.patch(base, json={"version": 1, "municipality": "Elsewhere"},
                         headers=headers),
            client.post(f"{base}/transitions", json={"to": "close", "data": {
                "closure_reason": "opted_out"}}, headers=headers),
            client.get(f"{base}/history", headers=headers)):
        assert_error(response, 404, "not_found")
        # The same answer as for a case that does not exist: nothing leaks.
        assert response.get_json() == nowhere.get_json()
        assert case.number not in response.get_data(as_text=True)

    listed = client.get("/api/v1/cases", headers=headers).get_json()
    assert listed["items"] == []
    searched = client.get(f"/api/v1/cases?q={case.number}", headers=headers).get_json()
    assert searched["items"] == []
    db.session.refresh(case)
    assert case.municipality == "Shkodër" and case.status is CaseStatus.registered


def test_a_partner_sees_only_referred_cases_without_asylum_details(client):
    partner_office = factories.make_office(kind=OfficeKind.partner, country="AL")
    referred, _caseworker = referred_case(partner_office, household=[factories.person_data(
        oe_number="8.123.456", reception_centre="Petit-Château",
        asylum_applied_on=date(2024, 1, 10), vulnerability_note="Needs insulin daily",
        vulnerabilities=[Vulnerability.serious_illness])])
    not_referred = factories.make_case(office=referred.office)
    officer, headers = api_user(Role.reintegration_officer, office=partner_office)
    db.session.commit()

    listed = client.get("/api/v1/cases", headers=headers).get_json()
    assert [i["number"] for i in listed["items"]] == [referred.number]
    assert_error(client.get(f"/api/v1/cases/{not_referred.number}", headers=headers),
                 404, "not_found")

    response = client.get(f"/api/v1/cases/{referred.number}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    text = response.get_data(as_text=True)
    person = body["household"][0]
    for hidden in ("oe_number", "reception_centre", "asylum_applied_on", "procedure_status",
                   "vulnerability_note"):
        assert hidden not in person
    assert "duplicate_override_reason" not in body
    assert "8.123.456" not in text and "insulin" not in text and "Petit" not in text
    assert person["vulnerabilities"] == ["serious_illness"]
    assert body["status"] == "referred" and body["partner"]["id"] == partner_office.id
    assert body["can_edit"] is False
    assert [m["name"] for m in body["allowed_moves"]] == [
        "accept_referral", "decline_referral", "close"]

    history = client.get(f"/api/v1/cases/{referred.number}/history", headers=headers)
    assert "test data" not in history.get_data(as_text=True)  # the duplicate reason

    patch = client.patch(f"/api/v1/cases/{referred.number}",
                         json={"version": body["version"], "municipality": "Tirana"},
                         headers=headers)
    assert_error(patch, 403, "forbidden")

    accept = client.post(f"/api/v1/cases/{referred.number}/transitions", headers=headers,
                         json={"to": "accept_referral", "data": {
                             "partner_accepted_on": TODAY}})
    assert accept.status_code == 200, accept.get_json()
    assert accept.get_json()["status"] == "accepted_by_partner"
    assert accept.get_json()["event"]["by"] == {"id": officer.id, "name": officer.full_name}


def test_the_sending_office_sees_the_asylum_details(client):
    user, headers = api_user()
    case = factories.make_case(by=user, household=[factories.person_data(
        oe_number="8.123.456", vulnerability_note="Needs insulin daily")])
    db.session.commit()
    body = client.get(f"/api/v1/cases/{case.number}", headers=headers).get_json()
    person = body["household"][0]
    assert person["oe_number"] == "8.123.456"
    assert person["vulnerability_note"] == "Needs insulin daily"
    assert person["procedure_status"] is None
    assert person["documents"][0]["kind"] == "passport"
    assert {c["purpose"] for c in person["consents"]} == {"case_processing",
                                                          "partner_sharing"}
    assert body["duplicate_override_reason"] == "test data"
    assert body["can_edit"] is True and body["version"] == case.version


# -- registering ---------------------------------------------------------------------------
def test_register_a_household_warn_of_duplicates_then_register_anyway(client):
    _user, headers = api_user()
    household = [person(given_names="Besnik", family_name="Krasniqi"),
                 person("spouse", given_names="Drita", family_name="Krasniqi", sex="F",
                        date_of_birth="1988-07-01",
                        vulnerabilities=["pregnant"]),
                 person("child", given_names="Ardit", family_name="Krasniqi", sex="M",
                        date_of_birth="2014-02-11"),
                 person("child", given_names="Elona", family_name="Krasniqi",
                        date_of_birth="2017-09-30")]
    created = client.post("/api/v1/cases", json=new_case_body(household), headers=headers)
    assert created.status_code == 201, created.get_json()
    case = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/cases/{case['number']}")
    assert case["status"] == "registered" and case["household_size"] == 4
    assert [p["role"] for p in case["household"]] == ["principal", "spouse", "child",
                                                      "child"]
    assert case["household"][1]["vulnerabilities"] == ["pregnant"]
    assert client.get(created.headers["Location"], headers=headers).status_code == 200

    # The same family, spelt a little differently, with new passports.
    again = [dict(p, documents=[dict(p["documents"][0], number=f"NEW{n}")])
             for n, p in enumerate(household)]
    again[0]["given_names"] = "Besnick"
    warned = client.post("/api/v1/cases", json=new_case_body(again), headers=headers)
    error = assert_error(warned, 409, "duplicates")
    matches = error["details"]["matches"]
    assert matches and all(m["case_number"] == case["number"] for m in matches)
    assert {"score", "name", "date_of_birth", "can_view", "matched_for"} <= set(matches[0])
    assert db.session.scalar(select(db.func.count(Case.id))) == 1

    anyway = client.post("/api/v1/cases", headers=headers,
                         json=new_case_body(again, duplicate_reason="Second file on "
                                            "purpose: family split in two centres."))
    assert anyway.status_code == 201, anyway.get_json()
    assert anyway.get_json()["number"] != case["number"]


def test_register_refuses_bad_data_with_the_field_of_each_problem(client):
    _user, headers = api_user()
    response = client.post("/api/v1/cases", headers=headers, json=new_case_body(
        [person(date_of_birth="2999-01-01"), person()], country_of_return="FR",
        consent_purposes=["partner_sharing"]))
    details = assert_error(response, 422, "validation")["details"]
    assert {"household", "household.0.date_of_birth", "country_of_return",
            "consent_purposes"} <= set(details)
    assert db.session.scalar(select(db.func.count(Case.id))) == 0


def test_register_refuses_a_passport_already_recorded(client):
    user, headers = api_user()
    existing = factories.make_case(by=user)
    number = existing.beneficiaries[0].identity_documents[0].number
    db.session.commit()
    body = new_case_body([person(documents=[{"kind": "passport", "number": number,
                                             "issuing_country": "AL"}])],
                         duplicate_reason="checked")
    response = client.post("/api/v1/cases", json=body, headers=headers)
    details = assert_error(response, 422, "validation")["details"]
    assert "household.0.documents.0.number" in details


def test_only_sending_offices_register(client):
    _officer, headers = api_user(Role.reintegration_officer)
    response = client.post("/api/v1/cases", json=new_case_body(), headers=headers)
    assert_error(response, 403, "forbidden")
    assert_error(client.post("/api/v1/duplicates", headers=headers, json={
        "household": [{"given_names": "A", "family_name": "B", "date_of_birth": "1990-01-01",
                       "nationality": "AL"}]}), 403, "forbidden")


# -- editing -------------------------------------------------------------------------------
def test_patch_needs_the_current_version_and_lists_what_changed(client):
    user, headers = api_user()
    colleague = factories.make_user(office=user.office, role=Role.manager)
    case = factories.make_case(by=user)
    db.session.commit()
    url = f"/api/v1/cases/{case.number}"
    version = client.get(url, headers=headers).get_json()["version"]

    first = client.patch(url, headers=headers,
                         json={"version": version, "municipality": "Durrës",
                               "assignee_id": colleague.id})
    assert first.status_code == 200, first.get_json()
    saved = first.get_json()
    assert saved["municipality"] == "Durrës" and saved["version"] == version + 1
    assert saved["assignee"] == {"id": colleague.id, "name": colleague.full_name}
    assert saved["country_of_return"] == "AL"  # left out: unchanged

    stale = client.patch(url, headers=headers,
                         json={"version": version, "municipality": "Vlorë"})
    details = assert_error(stale, 409, "stale")["details"]
    assert details["current_version"] == version + 1
    assert {c["field"] for c in details["changes"]} == {"municipality", "assignee_id"}
    change = next(c for c in details["changes"] if c["field"] == "municipality")
    assert change["old"] == "Shkodër" and change["new"] == "Durrës"
    assert change["by"] == user.full_name
    db.session.refresh(case)
    assert case.municipality == "Durrës"

    unassign = client.patch(url, headers=headers,
                            json={"version": version + 1, "assignee_id": None})
    assert unassign.status_code == 200 and unassign.get_json()["assignee"] is None
    db.session.refresh(case)
    assert case.assignee_id is None

    no_version = client.patch(url, headers=headers, json={"municipality": "Vlorë"})
    assert assert_error(no_version, 422, "validation")["details"]["version"] == [
        "This field is required."]
    null_country = client.patch(url, headers=headers, json={"version": version + 2,
                                                            "country_of_return": None})
    assert "country_of_return" in assert_error(null_country, 422, "validation")["details"]
    bad = client.patch(url, headers=headers, json={"version": version + 2,
                                                   "country_of_return": "FR"})
    assert "country_of_return" in assert_error(bad, 422, "validation")["details"]


def test_a_closed_case_cannot_be_edited(client):
    user, headers = api_user()
    case = factories.make_case(by=user)
    workflow.transition(case, "close", by=user, data={"closure_reason": "opted_out"})
    db.session.commit()
    response = client.patch(f"/api/v1/cases/{case.number}", headers=headers,
                            json={"version": case.version, "municipality": "Tirana"})
    assert_error(response, 403, "forbidden")


# -- transitions and history ---------------------------------------------------------------
def test_transition_allowed_then_history(client):
    user, headers = api_user()
    case = factories.make_case(by=user)
    log_counselling_session(case, SessionData(held_on=date.today(), language="sq"), by=user)
    db.session.commit()
    url = f"/api/v1/cases/{case.number}"
    version = case.version

    moved = client.post(f"{url}/transitions", headers=headers,
                        json={"to": "counselling"})
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert body["status"] == "counselling" and body["version"] == version + 1
    assert body["event"]["from"] == "registered" and body["event"]["to"] == "counselling"
    assert body["event"]["by"]["id"] == user.id

    submitted = client.post(f"{url}/transitions", headers=headers, json={
        "to": "submit_application", "data": {"application_submitted_on": TODAY}})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["event"]["data"] == {"application_submitted_on": TODAY}

    history = client.get(f"{url}/history", headers=headers)
    assert history.status_code == 200
    items = history.get_json()["items"]
    assert [(e["kind"], e["from"], e["to"]) for e in items if e["kind"] != "session_logged"] \
        == [("created", None, "registered"), ("transition", "registered", "counselling"),
            ("transition", "counselling", "application_submitted")]
    assert all(e["by"]["name"] == user.full_name for e in items)
    assert items[-1]["at"] >= items[0]["at"]


def test_transition_refused_by_stage_role_four_eyes_and_data(client):
    caseworker, cw_headers = api_user()
    assigned_manager, am_headers = api_user(Role.manager, office=caseworker.office)
    other_manager, om_headers = api_user(Role.manager, office=caseworker.office)
    case = factories.make_case(by=caseworker)
    db.session.commit()
    url = f"/api/v1/cases/{case.number}/transitions"

    wrong_stage = client.post(url, headers=om_headers,
                              json={"to": "approve", "data": {"decision_on": TODAY}})
    assert_error(wrong_stage, 409, "wrong_stage")

    to_application_submitted(case, caseworker)
    case.assignee = assigned_manager
    db.session.commit()

    wrong_role = client.post(url, headers=cw_headers,
                             json={"to": "approve", "data": {"decision_on": TODAY}})
    assert_error(wrong_role, 409, "wrong_role")

    four_eyes = client.post(url, headers=am_headers,
                            json={"to": "approved", "data": {"decision_on": TODAY}})
    error = assert_error(four_eyes, 409, "precondition")
    assert "another manager" in error["message"]

    missing = client.post(url, headers=om_headers, json={"to": "approve"})
    assert "decision_on" in assert_error(missing, 422, "missing_data")["details"]
    future = (date.today() + timedelta(days=3)).isoformat()
    invalid = client.post(url, headers=om_headers,
                          json={"to": "approve", "data": {"decision_on": future}})
    assert "decision_on" in assert_error(invalid, 422, "invalid_data")["details"]
    unknown = client.post(url, headers=om_headers,
                          json={"to": "approve", "data": {"decided": TODAY}})
    assert "data.decided" in assert_error(unknown, 422, "validation")["details"]
    nowhere = client.post(url, headers=om_headers, json={"to": "the_moon"})
    assert "to" in assert_error(nowhere, 422, "validation")["details"]
    db.session.refresh(case)
    assert case.status is CaseStatus.application_submitted

    approved = client.post(url, headers=om_headers,
                           json={"to": "approve", "data": {"decision_on": TODAY}})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert approved.get_json()["event"]["by"]["id"] == other_manager.id


def test_refer_with_an_unknown_or_absurd_partner_is_invalid_data(client):
    caseworker, headers = api_user()
    manager = factories.make_user(role=Role.manager, office=caseworker.office)
    case = factories.make_case(by=caseworker)
    to_application_submitted(case, caseworker)
    workflow.transition(case, "approve", by=manager, data={"decision_on": TODAY})
    db.session.commit()
    url = f"/api/v1/cases/{case.number}/transitions"
    for partner_id in (999999, "99999999999999999999999", "abc", True):
        response = client.post(url, headers=headers, json={"to": "refer", "data": {
            "partner_id": partner_id, "referred_on": TODAY}})
        assert "partner_id" in assert_error(response, 422, "invalid_data")["details"]
    for partner_id in (-1, 10**30):
        response = client.post(url, headers=headers, json={"to": "refer", "data": {
            "partner_id": partner_id, "referred_on": TODAY}})
        assert "data.partner_id" in assert_error(response, 422, "validation")["details"]
    db.session.refresh(case)
    assert case.status is CaseStatus.approved and case.partner_id is None


# -- duplicates ----------------------------------------------------------------------------
def test_duplicates_endpoint_finds_look_alikes(client):
    user, headers = api_user()
    factories.make_case(by=user, household=[factories.person_data(
        given_names="Đorđe", family_name="Petrović", date_of_birth=date(1979, 5, 4),
        nationality="RS")], country="RS")
    db.session.commit()
    found = client.post("/api/v1/duplicates", headers=headers, json={"household": [
        {"given_names": "Djordje", "family_name": "Petrovic", "date_of_birth": "1979-05-04",
         "nationality": "RS"}]})
    assert found.status_code == 200, found.get_json()
    matches = found.get_json()["matches"]
    assert len(matches) == 1 and matches[0]["name"] == "Đorđe Petrović"
    assert matches[0]["can_view"] is True and matches[0]["score"] >= 0.75

    none = client.post("/api/v1/duplicates", headers=headers, json={"household": [
        {"given_names": "Mira", "family_name": "Lazarova", "date_of_birth": "2001-01-01",
         "nationality": "MK"}]})
    assert none.get_json() == {"matches": []}

    empty = client.post("/api/v1/duplicates", headers=headers, json={"household": []})
    assert "household" in assert_error(empty, 422, "validation")["details"]


# -- bad input -----------------------------------------------------------------------------
def test_malformed_json_and_a_body_that_is_not_an_object_are_400(client):
    _user, headers = api_user()
    for raw in ("{", "", "{'single': 'quotes'}", "\xff", "[" * 100000):
        response = client.post("/api/v1/cases", data=raw, headers=headers,
                               content_type="application/json")
        assert_error(response, 400, "malformed_json")
    for body in ([], [new_case_body()], "a string", 42, None):
        response = client.post("/api/v1/cases", data=json.dumps(body), headers=headers,
                               content_type="application/json")
        assert_error(response, 400, "invalid_body")


def test_wrong_types_and_unknown_fields_are_422_with_field_paths(client):
    _user, headers = api_user()
    child = person("child", date_of_birth=20150602, nickname="Eli")
    child["documents"][0]["expires_on"] = "soon"
    body = new_case_body([person(), child], assignee_id="12", favourite_colour="blue",
                         consent_purposes="case_processing")
    response = client.post("/api/v1/cases", json=body, headers=headers)
    details = assert_error(response, 422, "validation")["details"]
    assert details["household.1.date_of_birth"] == ["Enter a date as YYYY-MM-DD."]
    assert details["household.1.nickname"] == ["Unknown field."]
    assert details["household.1.documents.0.expires_on"] == ["Enter a date as YYYY-MM-DD."]
    assert details["assignee_id"] == ["Enter a whole number."]
    assert details["favourite_colour"] == ["Unknown field."]
    assert "consent_purposes" in details

    enum = client.post("/api/v1/cases", headers=headers,
                       json=new_case_body([person(sex="male", role="boss")]))
    details = assert_error(enum, 422, "validation")["details"]
    assert set(details) == {"household.0.sex", "household.0.role"}


def test_strings_longer_than_their_limits_and_control_characters_are_422(client):
    _user, headers = api_user()
    body = new_case_body([person(given_names="A" * 121, phone="0" * 41,
                                 family_name="Null\x00Byte",
                                 vulnerability_note="line one\nline two")],
                         municipality="M" * 121, duplicate_reason="x" * 1001)
    response = client.post("/api/v1/cases", json=body, headers=headers)
    details = assert_error(response, 422, "validation")["details"]
    assert set(details) == {"household.0.given_names", "household.0.phone",
                            "household.0.family_name", "municipality", "duplicate_reason"}
    assert details["municipality"] == ["Use at most 120 characters."]

    crowd = new_case_body([person()] + [person("child") for _ in range(20)])
    too_many = client.post("/api/v1/cases", json=crowd, headers=headers)
    assert assert_error(too_many, 422, "validation")["details"]["household"] == [
        "Give at most 20 items."]


def test_a_huge_body_is_413_json(client):
    _user, headers = api_user()
    huge = b'{"household": "' + b"x" * (21 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/cases", data=huge, headers=headers,
                           content_type="application/json")
    assert_error(response, 413, "too_large")


def test_unknown_addresses_and_wrong_methods_answer_json(client):
    _user, headers = api_user()
    for path in ("/api/v1/nope", "/api/v1/cases/BE-2026-000001/nope", "/api/v2/cases",
                 "/api/v1/cases/not-a-number", "/api/v1/cases/BE-2026-000001%00"):
        assert_error(client.get(path, headers=headers), 404, "not_found")
    assert_error(client.get("/api/v1/nope"), 404, "not_found")  # no token needed to learn

    wrong = client.delete("/api/v1/cases", headers=headers)
    assert_error(wrong, 405, "method_not_allowed")
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert_error(client.put("/api/v1/cases/BE-2026-000001", headers=headers, json={}),
                 405, "method_not_allowed")
    assert_error(client.post("/api/v1/workflow", headers=headers), 405, "method_not_allowed")

    page = client.get("/no-such-page")  # the HTML app keeps its own pages
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_workflow_needs_a_token_and_describes_the_moves(client):
    assert_error(client.get("/api/v1/workflow"), 401, "unauthorized")
    _user, headers = api_user()
    body = client.get("/api/v1/workflow", headers=headers).get_json()
    approve = next(m for m in body["moves"] if m["name"] == "approve")
    assert approve["from"] == ["application_submitted"] and approve["to"] == "approved"
    assert approve["roles"] == ["manager"]
    assert approve["data"][0]["field"] == "decision_on"
    assert {s["status"] for s in body["statuses"]} == {s.value for s in CaseStatus}


def test_an_admin_sees_every_case_but_registers_none(client):
    office_case = factories.make_case()
    _admin, headers = api_user(Role.admin)
    db.session.commit()
    response = client.get(f"/api/v1/cases/{office_case.number}", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["can_edit"] is False
    assert_error(client.post("/api/v1/cases", json=new_case_body(), headers=headers),
                 403, "forbidden")
