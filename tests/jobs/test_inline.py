"""Jobs without Redis: they run inline in the request that submits them; progress, result
file, download, expiry, failures and who may see what."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from caseflow.accounts.models import Role
from caseflow.db import utcnow
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.jobs import services
from caseflow.jobs.cli import jobs_cli
from caseflow.jobs.models import Job, JobStatus
from tests import factories
from tests.jobs.kinds import SECRET_DETAIL


def submit(kind="test_echo", params=None, user=None):
    user = user or factories.make_user(Role.caseworker)
    return services.submit(kind, params or {"text": "hello", "steps": 3}, by=user)


def test_without_redis_the_job_runs_inline_and_keeps_its_file(app):
    user = factories.make_user(Role.caseworker)
    job = submit(user=user)
    assert job.status is JobStatus.done
    assert (job.progress_done, job.progress_total, job.progress_note) == (3, 3, "step 3")
    assert job.started_at <= job.finished_at
    assert job.expires_at - job.finished_at == timedelta(hours=24)
    assert job.result_filename == "echo-result.txt"
    assert job.result_mimetype == "text/plain"
    path = services.result_path(job)
    assert path is not None and path.parent.name == "job-results"
    assert path.read_bytes() == f"hello for {user.email}".encode()
    assert job.result_size == path.stat().st_size
    assert job.storage_name not in {"echo-result.txt", "echo result.txt"}


def test_result_lifetime_comes_from_the_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RESULT_TTL", 3600)
    job = submit()
    assert job.expires_at - job.finished_at == timedelta(hours=1)


def test_job_page_shows_progress_and_download(client, login_as):
    user = login_as(Role.caseworker)
    job = submit(user=user)
    page = client.get(f"/jobs/{job.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Echo (test)" in html and "Ready" in html
    assert '<progress id="job-progress" max="3" value="3">' in html
    assert 'for="job-progress"' in html
    assert f'href="/jobs/{job.id}/download"' in html
    # Finished: neither polling nor reloading.
    assert 'http-equiv="refresh"' not in html
    assert "<script>" not in html and "js/jobs.js" in html

    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.data == f"hello for {user.email}".encode()
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "echo-result.txt" in download.headers["Content-Disposition"]
    assert download.mimetype == "text/plain"


def test_status_endpoint_is_json(client, login_as):
    user = login_as(Role.caseworker)
    job = submit(user=user)
    state = client.get(f"/jobs/{job.id}/status").get_json()
    assert state == {"status": "done", "status_label": "Ready", "done": 3, "total": 3,
                     "note": "step 3", "error": "", "download_url": f"/jobs/{job.id}/download"}


def test_an_active_job_page_refreshes_itself_without_inline_script(client, login_as):
    user = login_as(Role.caseworker)
    job = Job(kind="test_echo", params={}, requested_by=user, language="en")
    db.session.add(job)
    db.session.commit()
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert f'data-status-url="/jobs/{job.id}/status"' in html
    assert "Waiting to start" in html
    assert "<script>" not in html
    assert client.get(f"/jobs/{job.id}/download").status_code == 409
    assert client.get(f"/jobs/{job.id}/status").get_json()["download_url"] is None


def test_expired_result_is_gone_and_purge_deletes_the_file(client, login_as, app):
    user = login_as(Role.caseworker)
    job = submit(user=user)
    path = services.result_path(job)
    job.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    gone = client.get(f"/jobs/{job.id}/download")
    assert gone.status_code == 410
    assert "File expired" in gone.get_data(as_text=True)
    assert path.exists()  # until purge runs

    report = services.purge_expired()
    db.session.commit()
    assert report.expired >= 1
    assert not path.exists()
    assert (job.status, job.storage_name) == (JobStatus.expired, None)
    assert client.get(f"/jobs/{job.id}/download").status_code == 410
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "has expired" in html and "/download" not in html


def test_purge_leaves_results_that_are_still_valid(app):
    job = submit()
    services.purge_expired()
    assert job.status is JobStatus.done and services.result_path(job) is not None


def test_purge_fails_jobs_whose_worker_disappeared(app):
    user = factories.make_user(Role.caseworker)
    long_ago = utcnow() - timedelta(days=2)
    running = Job(kind="test_echo", params={}, requested_by=user, language="en",
                  status=JobStatus.running, created_at=long_ago, started_at=long_ago)
    waiting = Job(kind="test_echo", params={}, requested_by=user, language="en",
                  created_at=long_ago)
    fresh = Job(kind="test_echo", params={}, requested_by=user, language="en")
    db.session.add_all([running, waiting, fresh])
    db.session.flush()
    report = services.purge_expired()
    assert report.stale >= 2
    assert running.status is JobStatus.failed and "interrupted" in running.error
    assert waiting.status is JobStatus.failed and "No worker" in waiting.error
    assert fresh.status is JobStatus.queued


def test_purge_command(app, runner):
    job = submit()
    job.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = runner.invoke(jobs_cli, ["purge"])
    assert result.exit_code == 0, result.output
    assert "expired" in result.output
    assert db.session.get(Job, job.id).status is JobStatus.expired


def test_worker_command_refuses_without_redis(runner):
    result = runner.invoke(jobs_cli, ["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def test_a_user_error_is_shown_as_is(client, login_as):
    user = login_as(Role.caseworker)
    job = submit("test_refused", {}, user=user)
    assert job.status is JobStatus.failed
    assert job.error == "Nothing matches this selection."
    assert job.storage_name is None and job.finished_at is not None
    page = client.get(f"/jobs/{job.id}")
    assert page.status_code == 200
    assert "Nothing matches this selection." in page.get_data(as_text=True)
    assert client.get(f"/jobs/{job.id}/download").status_code == 409


def test_a_crash_is_logged_and_the_user_sees_no_internals(client, login_as, caplog):
    user = login_as(Role.caseworker)
    with caplog.at_level(logging.ERROR, logger="caseflow.jobs.services"):
        job = submit("test_crash", {}, user=user)
    assert job.status is JobStatus.failed
    assert "unexpected error" in job.error and SECRET_DETAIL not in job.error
    assert SECRET_DETAIL in caplog.text  # the traceback is in the log
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "unexpected error" in html and SECRET_DETAIL not in html


def test_unknown_kind_and_refused_user_write_nothing(app):
    user = factories.make_user(Role.caseworker)
    before = db.session.scalar(select(func.count()).select_from(Job))
    with pytest.raises(ValidationFailed):
        services.submit("no_such_kind", {}, by=user)
    with pytest.raises(AccessDenied):
        services.submit("test_managers_only", {}, by=user)
    assert db.session.scalar(select(func.count()).select_from(Job)) == before
    assert submit("test_managers_only", {}, factories.make_user(Role.manager)).status \
        is JobStatus.done


def test_rights_are_checked_again_when_the_job_runs(app):
    manager = factories.make_user(Role.manager)
    job = Job(kind="test_managers_only", params={}, requested_by=manager, language="en")
    db.session.add(job)
    db.session.commit()
    manager.role = Role.caseworker  # demoted while the job waited
    db.session.commit()
    services.execute(job.id)
    assert job.status is JobStatus.failed
    assert job.error == "You do not have permission to do this."


def test_a_job_runs_once(app):
    job = submit()
    finished = job.finished_at
    services.execute(job.id)
    assert job.finished_at == finished and job.status is JobStatus.done


def test_a_job_speaks_the_language_it_was_asked_in(app):
    """A worker has no request to take the language from: the job keeps the requester's."""
    user = factories.make_user(Role.caseworker)
    job = Job(kind="test_locale", params={}, requested_by=user, language="nl")
    db.session.add(job)
    db.session.commit()
    services.execute(job.id)
    assert services.result_path(job).read_bytes() == b"nl"


def test_unreachable_redis_runs_the_job_inline_with_a_warning(app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="caseflow.jobs.services"):
        job = submit()
    assert job.status is JobStatus.done
    assert "cannot be reached" in caplog.text and "running it inline" in caplog.text


@pytest.mark.parametrize("url", ["/jobs/{id}", "/jobs/{id}/status", "/jobs/{id}/download"])
def test_only_the_requester_and_admins_see_a_job(client, login_as, url):
    owner = factories.make_user(Role.manager)
    job = submit(user=owner)
    address = url.format(id=job.id)

    assert client.get(address).status_code == 302  # anonymous: to the login page
    assert "/login" in client.get(address).headers["Location"]

    login_as(Role.manager, office=owner.office)  # a colleague of the same office
    assert client.get(address).status_code == 404
    client.post("/logout")
    login_as(Role.admin)
    assert client.get(address).status_code == 200
    assert client.get("/jobs/999999999").status_code == 404


def test_my_jobs_lists_only_mine_with_an_empty_state_and_pages(client, login_as):
    user = login_as(Role.caseworker)
    empty = client.get("/jobs").get_data(as_text=True)
    assert "You have not started any job yet" in empty
    other = submit()
    for _n in range(23):
        job = Job(kind="test_echo", params={}, requested_by=user, language="en")
        db.session.add(job)
    db.session.commit()
    first = client.get("/jobs").get_data(as_text=True)
    assert first.count("Echo (test)") == 20
    assert f'href="/jobs/{other.id}"' not in first
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get("/jobs?page=2").get_data(as_text=True)
    assert second.count("Echo (test)") == 3
    assert client.get("/jobs?page=abc").status_code == 200


@pytest.mark.parametrize("fields", [
    {"status": JobStatus.done, "finished_at": utcnow()},  # done without a file
    {"status": JobStatus.failed, "finished_at": utcnow()},  # failed without a message
    {"status": JobStatus.queued, "storage_name": "x.pdf"},  # a file before running
    {"status": JobStatus.running, "progress_done": -1},
])
def test_the_database_refuses_inconsistent_jobs(app, fields):
    user = factories.make_user(Role.caseworker)
    db.session.add(Job(kind="test_echo", params={}, requested_by=user, language="en",
                       **fields))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
