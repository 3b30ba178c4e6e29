"""The programme report page: choose the filters and the format; a background job makes
the file (caseflow.jobs), and its page shows the progress and the download."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from caseflow.errors import ValidationFailed
from caseflow.jobs.services import submit
from caseflow.programme import jobs  # noqa: F401 - registers the "programme_report" kind
from caseflow.programme.forms import ProgrammeReportForm
from caseflow.programme.report import ReportFilters, can_view_programme_report, restrict_filters
from caseflow.web import permission_required, show_errors

bp = Blueprint("programme", __name__)


@bp.route("/reports/programme", methods=["GET", "POST"])
@permission_required(can_view_programme_report)
def report() -> Response | str | tuple[str, int]:
    form = ProgrammeReportForm.for_user(current_user)
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("programme/report.html", form=form), status
    try:
        filters = restrict_filters(ReportFilters.from_params({
            "date_from": form.date_from.data.isoformat(),
            "date_to": form.date_to.data.isoformat(),
            "country": form.country.data, "partner_id": form.partner_id.data,
            "office_id": form.office_id.data}), current_user)
    except ValidationFailed as error:
        show_errors(form, error)
        return render_template("programme/report.html", form=form), 400
    # submit() commits the job row itself (a worker must be able to read it at once).
    job = submit("programme_report", {**filters.to_params(), "format": form.format.data},
                 by=current_user)
    return redirect(url_for("jobs.show", job_id=job.id))

