"""Subject access downloads: load or 404, check access, build, record, answer.

A case the user may not see is 404, as for the case page; a case they see but may not
export from is 403. Both files are attachments no cache keeps.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, make_response, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from caseflow.cases.models import Case
from caseflow.errors import AccessDenied
from caseflow.extensions import db
from caseflow.people.models import Beneficiary
from caseflow.printing.pdf import PdfRenderTimeout
from caseflow.privacy import subject_access
from caseflow.reports.common import pdf_response

bp = Blueprint("privacy", __name__)


def _load(number: str, person_id: int) -> tuple[Case, Beneficiary]:
    case = subject_access.load_case_for_export(number)
    if case is None or not case.can_view(current_user):
        abort(404)
    person = next((b for b in case.beneficiaries if b.id == person_id), None)
    if person is None:
        abort(404)
    if not case.can_export_subject_data(current_user):
        raise AccessDenied()
    return case, person


def _filename(case: Case, person: Beneficiary, extension: str) -> str:
    # Case number and person id only: a name in a file name ends up in download histories.
    return re.sub(r"[^A-Za-z0-9._-]", "_",
                  f"{case.number}-person-{person.id}-subject-access.{extension}")


@bp.get("/cases/<number>/people/<int:person_id>/subject-access.json")
@login_required
def export_json(number: str, person_id: int) -> Response:
    case, person = _load(number, person_id)
    data = subject_access.subject_access_data(case, person, current_user)
    subject_access.record_export(case, person, "json")
    db.session.commit()
    response = make_response(subject_access.to_json(data))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{_filename(case, person, "json")}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/cases/<number>/people/<int:person_id>/subject-access.pdf")
@login_required
def export_pdf(number: str, person_id: int) -> Response | tuple[str, int]:
    case, person = _load(number, person_id)
    data = subject_access.subject_access_data(case, person, current_user)
    try:
        pdf = subject_access.subject_access_pdf(data)
    except PdfRenderTimeout:
        return render_template(
            "errors/error.html", status=503, title=_("The export is not ready"),
            message=_("The export took too long to produce. Nothing was lost: please try "
                      "again in a few minutes.")), 503
    subject_access.record_export(case, person, "pdf")
    db.session.commit()
    return pdf_response(pdf, _filename(case, person, "pdf"))
