"""Issuing, downloading, revoking and verifying departure certificates, with each role."""

from __future__ import annotations

import io
import re

import pytest

from caseflow.accounts.models import Role
from caseflow.cases.models import CaseStatus
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.printing import services
from caseflow.printing.models import Certificate
from tests import factories
from tests.cases.helpers import case_at, make_world
from tests.printing.test_pdf import text_of


def departed(country="AL", household=None):
    return case_at(CaseStatus.departed, make_world(country), household=household)


def issue(case, world, language="fr", script=None):
    cert = services.issue_departure_certificate(case, by=world.manager, language=language,
                                                script=script)
    db.session.commit()
    return cert


def test_issue_stores_the_pdf_and_its_fingerprint(app):
    household = [factories.person_data(given_names="Arben", family_name="Hoxhë")]
    case, world = departed("AL", household)
    cert = issue(case, world)
    assert re.fullmatch(r"CF-\d{4}-\d{6}", cert.number)
    assert len(cert.verification_code) >= 16
    assert (cert.language, cert.return_language) == ("fr", "sq")
    data = services.stored_bytes(cert)
    assert data.startswith(b"%PDF")
    assert services.verify_upload(cert.verification_code, data)
    assert "Hoxhë" in text_of(data)
    second = issue(case, world, language="en")
    assert second.number != cert.number and second.verification_code != cert.verification_code


def test_serbian_cyrillic_names_survive_in_the_pdf(app):
    household = [factories.person_data(given_names="Djordje", family_name="Jovanović",
                                       name_original="Ђорђе Јовановић", nationality="RS")]
    case, world = departed("RS", household)
    cert = issue(case, world, language="en", script="cyrl")
    assert cert.return_language == "sr-Cyrl"
    assert "Ђорђе" in text_of(services.stored_bytes(cert))
    with pytest.raises(ValidationFailed):
        services.issue_departure_certificate(case, by=world.manager, language="en")


def test_only_a_manager_of_the_office_issues_and_only_after_departure(app):
    case, world = departed()
    for user in (world.caseworker, world.officer, factories.make_user(Role.manager)):
        with pytest.raises(AccessDenied):
            services.issue_departure_certificate(case, by=user, language="fr")
    booked, booked_world = case_at(CaseStatus.travel_booked)
    with pytest.raises(ValidationFailed):
        services.issue_departure_certificate(booked, by=booked_world.manager, language="fr")


def test_download_is_byte_identical_and_not_cached(client, login_as):
    case, world = departed()
    cert = issue(case, world)
    login_as(Role.caseworker, office=world.office)
    response = client.get(f"/certificates/{cert.id}.pdf")
    assert response.status_code == 200
    assert response.data == services.stored_bytes(cert)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/pdf"


@pytest.mark.parametrize("who", ["partner_officer", "other_office"])
def test_partner_and_other_office_cannot_download_or_issue(client, login_as, who):
    case, world = departed()
    cert = issue(case, world)
    if who == "partner_officer":
        login_as(Role.reintegration_officer, office=world.partner)
    else:
        login_as(Role.manager)
    assert client.get(f"/certificates/{cert.id}.pdf").status_code == 404
    response = client.post(f"/cases/{case.number}/certificates/departure",
                           data={"language": "fr"})
    assert response.status_code in (403, 404)
    assert client.post(f"/certificates/{cert.id}/revoke",
                       data={"reason": "x"}).status_code in (403, 404)
    assert db.session.query(Certificate).filter_by(case_id=case.id).count() == 1


def test_caseworker_cannot_issue_over_http(client, login_as):
    case, world = departed()
    login_as(Role.caseworker, office=world.office)
    response = client.post(f"/cases/{case.number}/certificates/departure",
                           data={"language": "fr"})
    assert response.status_code == 403


def test_manager_issues_and_revokes_over_http(client, login_as):
    case, world = departed()
    manager = login_as(Role.manager, office=world.office)
    response = client.post(f"/cases/{case.number}/certificates/departure",
                           data={"language": "nl"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.number}")
    cert = db.session.query(Certificate).filter_by(case_id=case.id).one()
    assert cert.issued_by_id == manager.id and cert.language == "nl"

    assert client.post(f"/certificates/{cert.id}/revoke", data={"reason": ""}).status_code \
        == 400
    response = client.post(f"/certificates/{cert.id}/revoke",
                           data={"reason": "Issued with a wrong date."})
    assert response.status_code == 302
    db.session.refresh(cert)
    assert cert.is_revoked and cert.revoke_reason == "Issued with a wrong date."


def test_verify_page_shows_only_initials_and_birth_year(client):
    household = [factories.person_data(given_names="Arben", family_name="Hoxhë")]
    case, world = departed("AL", household)
    cert = issue(case, world)
    page = client.get(f"/verify/{cert.verification_code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert cert.number in html and world.office.name in html
    assert "A.H." in html and "1985" in html
    assert "Arben" not in html and "Hoxhë" not in html
    assert "14.03" not in html and "1985-03-14" not in html
    assert case.number not in html
    assert page.headers["Cache-Control"] == "no-store"


def test_unknown_code_is_a_plain_404(client):
    response = client.get("/verify/not-a-real-code-0000000000")
    assert response.status_code == 404
    assert "CF-" not in response.get_data(as_text=True)


def upload(client, code, data):
    return client.post(f"/verify/{code}", data={"file": (io.BytesIO(data), "copy.pdf")},
                       content_type="multipart/form-data")


def test_verify_genuine_altered_and_revoked(client):
    case, world = departed()
    cert = issue(case, world)
    data = services.stored_bytes(cert)
    code = cert.verification_code

    genuine = upload(client, code, data).get_data(as_text=True)
    assert 'data-result="match"' in genuine and "Valid" in genuine

    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x01
    assert not services.verify_upload(code, bytes(altered))
    assert 'data-result="mismatch"' in upload(client, code, bytes(altered)).get_data(
        as_text=True)

    services.revoke_certificate(cert, by=world.manager, reason="Wrong flight.")
    db.session.commit()
    revoked = upload(client, code, data).get_data(as_text=True)
    assert "Revoked" in revoked and 'data-result="match"' in revoked
    with pytest.raises(ValidationFailed):
        services.revoke_certificate(cert, by=world.manager, reason="again")


def test_revoking_needs_a_reason_and_a_manager(app):
    case, world = departed()
    cert = issue(case, world)
    with pytest.raises(ValidationFailed):
        services.revoke_certificate(cert, by=world.manager, reason="  ")
    with pytest.raises(AccessDenied):
        services.revoke_certificate(cert, by=world.caseworker, reason="no")


def test_verify_is_rate_limited_per_address(app, client):
    case, world = departed()
    cert = issue(case, world)
    limit = app.config.get("VERIFY_RATE_LIMIT", 30)
    url = f"/verify/{cert.verification_code}"
    for _ in range(limit):
        assert client.get(url).status_code == 200
    blocked = client.get(url)
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.get_data(as_text=True)
    other = client.get(url, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200


def test_case_section_lists_certificates_for_the_manager(app, client, login_as):
    case, world = departed()
    cert = issue(case, world)
    login_as(Role.manager, office=world.office)
    with app.test_request_context():
        from flask import render_template
        from flask_login import login_user

        login_user(world.manager)
        html = render_template("printing/_case_section.html", case=case)
    assert cert.number in html
    assert f"/cases/{case.number}/certificates/departure" in html
    assert f"/certificates/{cert.id}/revoke" in html
