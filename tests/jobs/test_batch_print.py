"""Batch printing of a week's departure attestations, inline (no Redis)."""

from __future__ import annotations

from sqlalchemy import func, select

from caseflow.accounts.models import Role
from caseflow.extensions import db
from caseflow.jobs import batch_print
from caseflow.jobs.models import Job, JobStatus
from caseflow.printing import services as printing
from tests import factories
from tests.jobs.batch import build_week, page_count, text_of


def job_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Job))


def login_manager(client, world):
    factories.log_in(client, world.manager)  # with the two-factor step


def test_the_week_is_one_pdf_of_its_valid_attestations(client):
    week = build_week()
    login_manager(client, week.world)
    response = client.post("/jobs/batch/departures", data={"week": week.field})
    assert response.status_code == 302
    job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert job.kind == "departure_batch" and job.status is JobStatus.done
    assert job.params == {"year": week.year, "week": week.week,
                          "office_id": week.world.office.id}
    assert (job.progress_done, job.progress_total) == (2, 2)
    assert job.progress_note == week.valid[1].number
    assert job.result_filename == f"departure-attestations-{week.field}.pdf"

    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert page_count(download.data) == sum(
        page_count(printing.stored_bytes(cert)) for cert in week.valid)
    text = text_of(download.data)
    for cert in week.valid:
        assert cert.number in text
    for cert in week.excluded:
        assert cert.number not in text
    assert "Krasniqi" in text and "Berisha" in text and "Gashi" not in text


def test_the_form_offers_a_week_picker(client, login_as):
    login_as(Role.manager)
    html = client.get("/jobs/batch/departures").get_data(as_text=True)
    assert 'type="week"' in html and 'name="week"' in html


def test_an_empty_week_says_so_and_starts_no_job(client, login_as):
    login_as(Role.manager)
    before = job_count()
    response = client.post("/jobs/batch/departures", data={"week": "2001-W05"})
    assert response.status_code == 400
    assert "there is nothing to print" in response.get_data(as_text=True)
    assert job_count() == before


def test_bad_weeks_are_refused_next_to_the_field(client, login_as):
    login_as(Role.manager)
    before = job_count()
    for value, message in [("", "Choose a week."), ("next week", "for example 2026-W48"),
                           ("2021-W53", "Week 53 does not exist in 2021"),
                           ("1999-W10", "between 2000 and 2100"),
                           ("2026-W00", "Week 0 does not exist")]:
        response = client.post("/jobs/batch/departures", data={"week": value})
        assert response.status_code == 400, value
        assert message in response.get_data(as_text=True), value
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert job_count() == before


def test_only_managers_may_batch_print(client, login_as):
    login_as(Role.caseworker)
    assert client.get("/jobs/batch/departures").status_code == 403
    assert client.post("/jobs/batch/departures", data={"week": "2026-W10"}).status_code == 403


def test_a_manager_prints_only_their_office(app):
    week = build_week()
    other_manager = factories.make_user(Role.manager)
    assert batch_print.week_certificates(other_manager.office_id, week.year, week.week) == []
    # Params naming another office are refused when the job runs.
    from caseflow.jobs import services

    job = services.submit(batch_print.KIND, {"year": week.year, "week": week.week,
                                             "office_id": week.world.office.id},
                          by=other_manager)
    assert job.status is JobStatus.failed
    assert job.error == "You do not have permission to do this."
    assert job.storage_name is None


def test_a_missing_stored_file_fails_the_job_with_a_clear_message(client):
    week = build_week()
    (printing.certificate_folder() / week.valid[0].storage_name).unlink()
    login_manager(client, week.world)
    response = client.post("/jobs/batch/departures", data={"week": week.field},
                           follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"The stored file of certificate {week.valid[0].number} is missing" in html
    assert "Failed" in html


def test_week_bounds_follow_the_offices_time_zone(app):
    start, end = batch_print.week_bounds(2026, 1)
    # 2026-W01 starts on Monday 29 December 2025, midnight in Brussels (23:00 UTC).
    assert start.isoformat() == "2025-12-29T00:00:00+01:00"
    assert (end - start).days == 7
