"""Submitting, running and expiring background jobs.

A job is a row in `jobs` plus, once done, a file under instance/job-results/. With REDIS_URL
set, `submit` puts the job's id on the RQ queue "caseflow" and a worker (`flask jobs worker`)
calls `run_job`; without it (and when Redis cannot be reached) the job runs inline, in the
request that asked for it. Either way the outcome is written to the row, so the job page reads
the same table in both modes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.timeouts import JobTimeoutException
from sqlalchemy import select, update

from caseflow.accounts.models import User
from caseflow.db import utcnow
from caseflow.documents.storage import write_new_file
from caseflow.errors import AccessDenied, CaseflowError, ValidationFailed
from caseflow.extensions import db
from caseflow.jobs import registry
from caseflow.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

QUEUE_NAME = "caseflow"
DEFAULT_JOB_TIMEOUT = 10 * 60
DEFAULT_RESULT_TTL = 24 * 60 * 60
# Our table and files hold the outcome; RQ's own copy only helps while debugging a worker.
RQ_RESULT_TTL = 10 * 60
# A worker that died (killed, machine restarted) leaves its job "running" for ever; purge
# fails it once it is this much past its timeout.
STALE_GRACE = timedelta(minutes=5)
RESULT_FOLDER = "job-results"
NOTE_LENGTH = 200


# -- settings ------------------------------------------------------------------------------
def job_timeout() -> int:
    return int(current_app.config.get("JOB_TIMEOUT", DEFAULT_JOB_TIMEOUT))


def result_ttl() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("JOB_RESULT_TTL",
                                                        DEFAULT_RESULT_TTL)))


def redis_connection(*, for_worker: bool = False) -> Redis:
    """A client for REDIS_URL. A request must not hang on a Redis that is down, so its
    client gives up quickly; a worker blocks on the queue for minutes, so its reads do not
    time out."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set")
    if for_worker:
        return Redis.from_url(url, socket_connect_timeout=5)
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def job_queue(connection: Redis | None = None) -> Queue:
    return Queue(QUEUE_NAME, connection=connection or redis_connection())


# -- submitting ----------------------------------------------------------------------------
def submit(kind: str, params: dict[str, Any], *, by: User) -> Job:
    """Record a job of `kind` for `by` and start it: on the Redis queue when REDIS_URL is set,
    inline otherwise (or when Redis cannot be reached; a warning is logged).

    Raises ValidationFailed for an unknown kind and AccessDenied when `by` may not start it.
    Commits: see below."""
    try:
        job_kind = registry.get(kind)
    except KeyError:
        raise ValidationFailed(_("This kind of job does not exist.")) from None
    if not job_kind.can_submit(by):
        raise AccessDenied()
    job = Job(kind=kind, params=dict(params), requested_by=by, status=JobStatus.queued,
              language=str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]))
    db.session.add(job)
    # The one exception to "the request commits once": a worker in another process reads
    # this row as soon as the id is on the queue, so the row must be committed before then.
    # Nothing else is pending in a request that submits a job.
    db.session.commit()
    if current_app.config.get("REDIS_URL") and _enqueue(job):
        return job
    execute(job.id)
    return db.session.get(Job, job.id) or job


def _enqueue(job: Job) -> bool:
    """Put the job on the queue; False when Redis cannot be reached."""
    try:
        job_queue().enqueue_call(
            run_job, args=(job.id,), timeout=job_timeout(), result_ttl=RQ_RESULT_TTL,
            failure_ttl=int(result_ttl().total_seconds()),
            description=f"caseflow job {job.id} ({job.kind})")
    except RedisError as error:
        # Running inline keeps the user's work going; the log tells the operator.
        logger.warning("job %s: Redis at REDIS_URL cannot be reached (%s); running it inline",
                       job.id, type(error).__name__)
        return False
    return True


# -- running -------------------------------------------------------------------------------
_worker_app: Flask | None = None


def run_job(job_id: int) -> None:
    """The worker's entry point (RQ imports it by name). Runs in the app context of the
    worker command; outside one (a plain `rq worker`) it builds the app from the
    environment, as wsgi.py does. A fresh app context gives each job its own session."""
    global _worker_app
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        if _worker_app is None:
            from caseflow import create_app
            from config import load_config

            _worker_app = create_app(load_config())
        app = _worker_app
    with app.app_context():
        execute(job_id)


def execute(job_id: int) -> None:
    """Run one queued job to its end: running, then done with its file, or failed with a
    message the user can read. Never raises for the job's own errors; commits as it goes so
    the job page sees the progress.

    Every write below is the first statement of its transaction: on SQLite a transaction that
    read first cannot start writing once another connection has written since (the page,
    another job), and waiting does not help; a write that comes first just waits its turn."""
    db.session.commit()
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == JobStatus.queued)
        .values(status=JobStatus.running, started_at=utcnow())).rowcount
    db.session.commit()
    if claimed != 1:
        # Gone (database reset), or RQ handed the job out twice after a worker crash: the
        # first run decides.
        logger.warning("job %s is not waiting to run; skipped", job_id)
        return
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job is not None
    kind_name, user, params = job.kind, job.requested_by, dict(job.params or {})

    with force_locale(job.language):
        try:
            kind = registry.get(kind_name)
        except KeyError:
            logger.error("job %s: unknown kind %r", job_id, kind_name)
            _fail(job_id, _("This kind of job does not exist any more."))
            return
        try:
            # Rights may have changed since the job was asked for.
            if not user.is_active or not kind.can_submit(user):
                raise AccessDenied()
            result = kind.run(params, user=user, progress=_progress_writer(job_id))
            if not isinstance(result, registry.JobResult):
                raise TypeError(f"job kind {kind_name!r} returned {type(result).__name__}")
            storage_name = _store(result.data, result.filename)
        except CaseflowError as error:
            _fail(job_id, error.message)
        except JobTimeoutException:
            logger.warning("job %s (%s) stopped after %s seconds", job_id, kind_name,
                           job_timeout())
            _fail(job_id, _("The job took too long and was stopped. Try a smaller "
                            "selection, or ask an administrator."))
        except Exception:
            logger.exception("job %s (%s) failed", job_id, kind_name)
            _fail(job_id, _("The job stopped because of an unexpected error. It has been "
                            "logged; try again, and tell an administrator if it happens "
                            "again."))
        else:
            _finish(job_id, storage_name, result)


def _write(job_id: int, **values: Any) -> None:
    """Update the job row in a short transaction of its own. Job functions only read, so
    ending their read transaction first loses nothing."""
    db.session.commit()
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def _progress_writer(job_id: int) -> registry.Progress:
    """The `progress` callable a job function gets; each call is committed at once, so the
    job page sees it while the job runs."""

    def progress(done: int, total: int, note: str = "") -> None:
        _write(job_id, progress_done=max(0, int(done)), progress_total=max(0, int(total)),
               progress_note=(str(note)[:NOTE_LENGTH] or None))

    return progress


def _finish(job_id: int, storage_name: str, result: registry.JobResult) -> None:
    now = utcnow()
    _write(job_id, status=JobStatus.done, storage_name=storage_name,
           result_filename=_clean_filename(result.filename),
           result_mimetype=result.mimetype[:100], result_size=len(result.data),
           finished_at=now, expires_at=now + result_ttl(),
           # A job that counted its steps ends on its last one.
           progress_done=Job.progress_total)


def _fail(job_id: int, message: str) -> None:
    db.session.rollback()
    _write(job_id, status=JobStatus.failed, error=str(message), finished_at=utcnow())


# -- result files --------------------------------------------------------------------------
def result_folder() -> Path:
    folder = Path(current_app.instance_path) / RESULT_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _clean_filename(filename: str) -> str:
    """The download name: letters, digits, dot, dash and underscore only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", filename or "").strip(".-")
    return cleaned[:200] or "result"


def _store(data: bytes, filename: str) -> str:
    """Write the result under a random name, atomically: a reader never sees half a file."""
    suffix = Path(filename or "").suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ".bin"
    return write_new_file(result_folder(), data, suffix)


def result_path(job: Job) -> Path | None:
    """The result file of a done job, or None when there is none (any more)."""
    name = job.storage_name
    if job.status is not JobStatus.done or not name or "/" in name or name.startswith("."):
        return None
    path = result_folder() / name
    return path if path.is_file() else None


# -- housekeeping --------------------------------------------------------------------------
@dataclass
class PurgeReport:
    expired: int = 0
    stale: int = 0


def purge_expired(now: datetime | None = None) -> PurgeReport:
    """Delete the files of results past their expiry and mark those jobs expired; fail jobs
    whose worker vanished (running long past the timeout) or that no worker ever picked up
    within the result lifetime. Flushes; the caller commits."""
    now = now or utcnow()
    report = PurgeReport()
    due = db.session.scalars(select(Job).where(Job.status == JobStatus.done,
                                               Job.expires_at <= now))
    for job in due:
        path = result_path(job)
        if path is not None:
            path.unlink(missing_ok=True)
        job.status = JobStatus.expired
        job.storage_name = None
        report.expired += 1

    running_cutoff = now - timedelta(seconds=job_timeout()) - STALE_GRACE
    queued_cutoff = now - result_ttl()
    stale = db.session.scalars(select(Job).where(
        ((Job.status == JobStatus.running) & (Job.started_at < running_cutoff))
        | ((Job.status == JobStatus.queued) & (Job.created_at < queued_cutoff))))
    for job in stale:
        with force_locale(job.language):
            job.error = (_("The job was interrupted before it finished. Please start it "
                           "again.") if job.status is JobStatus.running else
                         _("No worker started this job in time. Please start it again, and "
                           "tell an administrator."))
        if job.status is JobStatus.queued:
            job.started_at = None
        job.status = JobStatus.failed
        job.finished_at = now
        report.stale += 1
    db.session.flush()
    return report


def recent_jobs_query(user: User) -> Any:
    """The user's own jobs, newest first (for the list page)."""
    return select(Job).where(Job.requested_by_id == user.id).order_by(Job.id.desc())
