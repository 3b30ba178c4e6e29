"""A background job as the user sees it: what was asked, how far it got, and its result file.

The job queue (RQ) only carries the job's id; everything the pages show lives in this table,
so the page works the same whether the job ran on a worker or inline in the request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.accounts.models import User, enum_column
from caseflow.db import Base, LabelledEnum, labelled, utcnow


class JobStatus(LabelledEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    expired = "expired"


JOB_STATUS_LABELS = labelled(JobStatus, {
    JobStatus.queued: _l("Waiting to start"),
    JobStatus.running: _l("Running"),
    JobStatus.done: _l("Ready"),
    JobStatus.failed: _l("Failed"),
    JobStatus.expired: _l("Expired"),
})

# Queued and running jobs still change; the page keeps polling only while one of these.
ACTIVE = (JobStatus.queued, JobStatus.running)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("progress_done >= 0 AND progress_total >= 0", name="progress_positive"),
        # A finished job says when; a waiting one has not started or finished yet.
        CheckConstraint("status NOT IN ('done', 'failed', 'expired') OR finished_at IS NOT NULL",
                        name="finished_has_time"),
        CheckConstraint("status != 'queued' OR (started_at IS NULL AND finished_at IS NULL)",
                        name="queued_not_started"),
        CheckConstraint("status != 'done' OR (storage_name IS NOT NULL AND result_filename IS "
                        "NOT NULL AND result_mimetype IS NOT NULL AND result_size IS NOT NULL "
                        "AND expires_at IS NOT NULL)", name="done_has_result"),
        CheckConstraint("status != 'failed' OR error IS NOT NULL", name="failed_has_error"),
        # Only a ready result has a file on disk; purge removes it when the job expires.
        CheckConstraint("status = 'done' OR storage_name IS NULL", name="file_only_when_done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The requester's language when they asked: a worker has no request to read it from.
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, "job_status"),
                                              default=JobStatus.queued, index=True)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    progress_note: Mapped[str | None] = mapped_column(String(200))
    # Shown to the user as is: never a traceback (that goes to the log).
    error: Mapped[str | None] = mapped_column(Text)
    # A random file name under instance/job-results/ (never derived from user data).
    storage_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    result_filename: Mapped[str | None] = mapped_column(String(200))
    result_mimetype: Mapped[str | None] = mapped_column(String(100))
    result_size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)

    requested_by: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def is_expired(self, now: datetime) -> bool:
        """Expired, or past its expiry time and not yet purged."""
        return self.status is JobStatus.expired or (
            self.status is JobStatus.done and self.expires_at is not None
            and self.expires_at <= now)

    def can_view(self, user: Any) -> bool:
        """The person who asked, and admins; anyone else is told the job does not exist."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return user.id == self.requested_by_id or user.can_administer()

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"
