"""Job pages: the job's progress and download, the user's recent jobs, and the form that
starts a week's batch of departure attestations."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.widgets import WeekInput

from caseflow.db import utcnow
from caseflow.errors import ValidationFailed
from caseflow.extensions import db
from caseflow.jobs import batch_print, registry, services
from caseflow.jobs.models import Job, JobStatus
from caseflow.web import int_arg, permission_required, show_errors

bp = Blueprint("jobs", __name__)

PER_PAGE = 20


class DepartureBatchForm(FlaskForm):
    week = StringField(_l("Week"), widget=WeekInput(),
                       validators=[DataRequired(_l("Choose a week."))],
                       description=_l("The ISO week the attestations were issued in."))


def _load_job(job_id: int) -> Job:
    """The job if the current user may see it; 404 otherwise (even its existence is not
    told to others)."""
    job = db.session.get(Job, job_id)
    if job is None or not job.can_view(current_user):
        abort(404)
    return job


def _title(job: Job) -> Any:
    try:
        return registry.get(job.kind).title
    except KeyError:
        return job.kind


def _download_url(job: Job) -> str | None:
    if job.status is JobStatus.done and not job.is_expired(utcnow()):
        return url_for("jobs.download", job_id=job.id)
    return None


@bp.app_template_global()
def job_title(job: Job) -> Any:
    return _title(job)


@bp.get("/jobs")
@login_required
def index() -> str:
    page = db.paginate(services.recent_jobs_query(current_user), page=int_arg("page"),
                       per_page=PER_PAGE, error_out=False)
    return render_template("jobs/index.html", page=page, now=utcnow())


@bp.get("/jobs/<int:job_id>")
@login_required
def show(job_id: int) -> str:
    job = _load_job(job_id)
    return render_template("jobs/show.html", job=job, title=_title(job),
                           download_url=_download_url(job),
                           expired=job.is_expired(utcnow()))


@bp.get("/jobs/<int:job_id>/status")
@login_required
def status(job_id: int) -> Response:
    job = _load_job(job_id)
    response = jsonify({
        "status": job.status.value, "status_label": job.status.label,
        "done": job.progress_done, "total": job.progress_total,
        "note": job.progress_note or "", "error": job.error or "",
        "download_url": _download_url(job)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/jobs/<int:job_id>/download")
@login_required
def download(job_id: int) -> Response | tuple[str, int]:
    job = _load_job(job_id)
    path = services.result_path(job) if not job.is_expired(utcnow()) else None
    if job.is_active or job.status is JobStatus.failed:
        return render_template(
            "errors/error.html", status=409, title=_("Not ready"),
            message=_("This job has no file to download. Open the job to see where it "
                      "is.")), 409
    if path is None:
        return render_template("jobs/gone.html", job=job, title=_title(job)), 410
    response = send_file(path, mimetype=job.result_mimetype, as_attachment=True,
                         download_name=job.result_filename, conditional=False, etag=False,
                         max_age=None)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/jobs/batch/departures", methods=["GET", "POST"])
@permission_required(batch_print.can_batch_print)
def departure_batch() -> str | Response | tuple[str, int]:
    form = DepartureBatchForm()
    if form.validate_on_submit():
        try:
            year, week = batch_print.parse_week(form.week.data)
            if not batch_print.week_certificates(current_user.office_id, year, week):
                raise ValidationFailed(_(
                    "No departure attestation of your office was issued in week %(week)d "
                    "of %(year)d: there is nothing to print.", week=week, year=year),
                    field="week")
            job = services.submit(batch_print.KIND,
                                  batch_print.batch_params(current_user, year, week),
                                  by=current_user)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            return redirect(url_for("jobs.show", job_id=job.id))
    if not form.is_submitted():
        zone = ZoneInfo(current_app.config.get("CASEFLOW_TIMEZONE", "Europe/Brussels"))
        year, week, _weekday = utcnow().astimezone(zone).isocalendar()
        form.week.data = f"{year:04d}-W{week:02d}"
    status_code = 400 if form.is_submitted() else 200
    return render_template("jobs/departure_batch.html", form=form), status_code
