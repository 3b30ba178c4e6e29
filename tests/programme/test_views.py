"""The programme report page over HTTP: who gets it, bad input, and the job it starts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from caseflow.accounts.models import Role
from caseflow.extensions import db
from caseflow.jobs.models import Job
from tests.printing.test_pdf import text_of
from tests.programme import dataset

URL = "/reports/programme"


@pytest.fixture
def programme(app):
    made = dataset.build()
    db.session.commit()
    return made


def log_in(client, user):
    from tests import factories

    response = factories.log_in(client, user)  # with the two-factor step of managers
    assert response.status_code == 302


def jobs_count():
    return db.session.scalar(select(func.count()).select_from(Job))


def form(**changes):
    return {"date_from": "2025-01-01", "date_to": "2025-12-31", "country": "",
            "partner_id": "", "office_id": "", "format": "pdf", **changes}


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.caseworker, Role.reintegration_officer])
def test_caseworkers_and_officers_are_refused(client, login_as, role):
    login_as(role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data=form()).status_code == 403


def test_a_manager_may_choose_only_their_own_office(client, programme):
    log_in(client, programme.manager)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    offices = re.search(r'<select[^>]*name="office_id".*?</select>', html, re.S).group(0)
    assert "Return desk Brussels" in offices and "Return desk Ghent" not in offices
    partners = re.search(r'<select[^>]*name="partner_id".*?</select>', html, re.S).group(0)
    assert "Partner Tirana" in partners and "Partner Belgrade" in partners
    assert 'name="date_from"' in html and 'value="pdf"' in html


@pytest.mark.parametrize(("changes", "message"), [
    ({"date_from": "2025-12-31", "date_to": "2025-01-01"}, "before its start"),
    ({"date_from": "2015-01-01"}, "at most five years"),
    ({"date_from": "31/01/2025"}, "Not a valid date"),
    ({"date_to": ""}, "Enter the last day"),
    ({"country": "FR"}, "Not a valid choice"),
    ({"partner_id": "999999"}, "Not a valid choice"),
    ({"format": "docx"}, "Not a valid choice"),
])
def test_bad_input_is_explained_and_starts_nothing(client, programme, changes, message):
    log_in(client, programme.manager)
    before = jobs_count()
    response = client.post(URL, data=form(office_id=str(programme.o1.id), **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert jobs_count() == before


def test_another_office_is_not_a_choice_for_a_manager(client, programme):
    log_in(client, programme.manager)
    response = client.post(URL, data=form(office_id=str(programme.o2.id)))
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(
        as_text=True)


def test_a_valid_request_starts_the_job_and_leads_to_its_page(client, programme):
    log_in(client, programme.admin)
    response = client.post(URL, data=form(country="AL", partner_id=str(programme.p1.id)))
    assert response.status_code == 302
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert job.kind == "programme_report" and job.requested_by_id == programme.admin.id
    assert job.params == {"date_from": "2025-01-01", "date_to": "2025-12-31", "country": "AL",
                          "partner_id": programme.p1.id, "office_id": None, "format": "pdf"}
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert client.get(response.headers["Location"]).status_code == 200
    # Without Redis the job ran inline: its file is there to download.
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    text = text_of(download.data)
    assert "Partner Tirana" in text and "Page 1 of" in text
