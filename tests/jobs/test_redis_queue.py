"""Jobs on a real Redis: submit enqueues, a worker runs the job, the page follows it.

These tests commit for real, on a database of their own: the worker reads the rows from its
own connection (in another process, or through RQ in this one), which a rolled-back test
transaction would hide from it. Redis database 14 (CASEFLOW_TEST_REDIS_URL) is used; the
queue is emptied around each test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker

from caseflow.accounts.models import Role
from caseflow.extensions import db
from caseflow.jobs import services
from caseflow.jobs.cli import jobs_cli
from caseflow.jobs.models import Job, JobStatus
from tests import factories
from tests.databases import DatabaseFactory
from tests.jobs.batch import build_week, page_count, text_of
from tests.jobs.conftest import jobs_app
from tests.services import require

REDIS_URL = os.environ.get("CASEFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
ROOT = Path(__file__).resolve().parents[2]


def redis_available() -> bool:
    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except RedisError:
        return False


@pytest.fixture(scope="module")
def app(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    require("Redis", redis_available(), f"nothing answers at {REDIS_URL} "
            "(apt-get install redis-server, or set CASEFLOW_TEST_REDIS_URL)")
    url = databases.new("jobs_redis")
    app = jobs_app(url, tmp_path_factory.mktemp("jobs-redis-instance"), REDIS_URL=REDIS_URL)
    app.config["TEST_DATABASE_URL_FOR_WORKER"] = url
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def login_as(login_as):
    """login_as of tests/conftest.py, then this session's read transaction ended: on SQLite
    a session that read before the login request wrote could not write afterwards."""

    def login(*args, **kwargs):
        user = login_as(*args, **kwargs)
        db.session.commit()
        return user

    return login


@pytest.fixture(autouse=True)
def db_session(app: Flask) -> Iterator[object]:
    """Replaces the rolled-back session of tests/conftest.py: here commits are real."""
    with app.app_context():
        queue = services.job_queue()
        queue.empty()
        try:
            yield db.session
        finally:
            db.session.remove()
            queue.empty()


def fresh(job_id: int) -> Job:
    """The job as the database has it now (the worker wrote it from another session)."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    assert job is not None
    return job


def work_here(app: Flask) -> None:
    """An RQ worker in this process, until the queue is empty."""
    with app.app_context():
        connection = services.redis_connection(for_worker=True)
        SimpleWorker([services.job_queue(connection)], connection=connection).work(burst=True)


def start_worker_process(app: Flask) -> subprocess.Popen[str]:
    """`flask jobs worker --burst` in a process of its own, configured by environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    env.update({"CASEFLOW_ENV": "testing", "REDIS_URL": REDIS_URL,
                "DATABASE_URL": app.config["TEST_DATABASE_URL_FOR_WORKER"],
                "CASEFLOW_INSTANCE_PATH": app.instance_path,
                "SECRET_KEY": app.config["SECRET_KEY"]})
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen([str(flask), "--app", "tests.jobs.worker_app:build", "jobs",
                             "worker", "--burst"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(client, job_id: int, ready, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        state = client.get(f"/jobs/{job_id}/status").get_json()
        if ready(state):
            return state
        assert time.monotonic() < deadline, f"job {job_id} stuck at {state}"
        time.sleep(0.1)


def test_submit_enqueues_and_a_worker_runs_the_job(app, client, login_as):
    user = login_as(Role.caseworker)
    job = services.submit("test_echo", {"text": "via redis", "steps": 2}, by=user)
    assert job.status is JobStatus.queued

    queue = services.job_queue()
    assert queue.count == 1
    queued = queue.jobs[0]
    assert queued.func_name == "caseflow.jobs.services.run_job"
    assert queued.args == (job.id,)
    assert queued.timeout == services.DEFAULT_JOB_TIMEOUT
    state = client.get(f"/jobs/{job.id}/status").get_json()
    assert (state["status"], state["download_url"]) == ("queued", None)
    assert '<meta http-equiv="refresh"' in client.get(f"/jobs/{job.id}").get_data(as_text=True)

    work_here(app)
    assert queue.count == 0
    job = fresh(job.id)
    assert job.status is JobStatus.done
    assert (job.progress_done, job.progress_total) == (2, 2)
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.data == f"via redis for {user.email}".encode()


def test_progress_is_visible_while_a_worker_process_runs_the_job(app, client, login_as,
                                                                  tmp_path):
    user = login_as(Role.caseworker)
    flag = tmp_path / "go"
    job = services.submit("test_wait", {"flag": str(flag)}, by=user)
    worker = start_worker_process(app)
    try:
        state = wait_for(client, job.id, lambda s: s["done"] == 1 or s["status"] == "failed")
        assert state["status"] == "running"
        assert (state["total"], state["note"]) == (2, "half way")
        html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
        assert '<progress id="job-progress" max="2" value="1">' in html
        assert "half way" in html
        flag.touch()
        out, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err
    assert "caseflow worker on queue 'caseflow' (burst)" in out
    state = client.get(f"/jobs/{job.id}/status").get_json()
    assert (state["status"], state["done"], state["note"]) == ("done", 2, "finished")
    assert client.get(state["download_url"]).data == b"waited"


def test_the_job_timeout_stops_a_job_with_a_clear_message(app, login_as, tmp_path,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "JOB_TIMEOUT", 1)
    user = login_as(Role.caseworker)
    job = services.submit("test_wait", {"flag": str(tmp_path / "never")}, by=user)
    assert services.job_queue().jobs[0].timeout == 1
    work_here(app)
    job = fresh(job.id)
    assert job.status is JobStatus.failed
    assert job.error.startswith("The job took too long and was stopped.")


def test_a_crash_on_the_worker_is_a_failed_job_not_a_lost_one(app, client, login_as):
    user = login_as(Role.caseworker)
    job = services.submit("test_crash", {}, by=user)
    work_here(app)
    job = fresh(job.id)
    assert job.status is JobStatus.failed and "unexpected error" in job.error
    assert client.get(f"/jobs/{job.id}").status_code == 200


def test_a_week_of_attestations_printed_by_the_worker(app, client):
    week = build_week()
    factories.log_in(client, week.world.manager)  # with the two-factor step
    response = client.post("/jobs/batch/departures", data={"week": week.field})
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert fresh(job_id).status is JobStatus.queued

    work_here(app)
    job = fresh(job_id)
    assert job.status is JobStatus.done, job.error
    assert (job.progress_done, job.progress_total) == (2, 2)
    data = client.get(f"/jobs/{job_id}/download").data
    from caseflow.printing.services import stored_bytes

    assert page_count(data) == sum(page_count(stored_bytes(c)) for c in week.valid)
    text = text_of(data)
    assert all(c.number in text for c in week.valid)
    assert not any(c.number in text for c in week.excluded)


def test_worker_command_refuses_an_unreachable_redis(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    result = app.test_cli_runner().invoke(jobs_cli, ["worker", "--burst"])
    assert result.exit_code != 0
    assert "cannot be reached" in result.output
