"""Report downloads: load or 404, check access, build, render, answer with the PDF.

A case the user may not see is 404 (never 403), as for the case page. A render that takes
too long is a 503 page with a message, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from caseflow.cases.models import Case
from caseflow.printing.pdf import PdfRenderTimeout
from caseflow.reports import case_report, followup_report
from caseflow.reports.common import issuing_language, pdf_response, to_pdf

bp = Blueprint("reports", __name__)


def _pdf(render_html: Callable[[], str], filename: str) -> Response | tuple[str, int]:
    try:
        data = to_pdf(render_html())
    except PdfRenderTimeout:
        return render_template(
            "errors/error.html", status=503, title=_("The report is not ready"),
            message=_("The report took too long to produce. Nothing was lost: please try "
                      "again in a few minutes.")), 503
    return pdf_response(data, filename)


def _followup_case(number: str) -> Case:
    case = followup_report.load_case_for_followups(number)
    if case is None or not followup_report.can_print_monitoring_report(case, current_user):
        abort(404)
    return case


@bp.get("/cases/<number>/report.pdf")
@login_required
def case_report_pdf(number: str) -> Response | tuple[str, int]:
    case = case_report.load_case_for_report(number)
    if case is None or not case_report.can_print_case_report(case, current_user):
        abort(404)
    context = case_report.case_report_context(case, current_user)
    return _pdf(lambda: case_report.render_case_report_html(context),
                f"{case.number}-case-report.pdf")


@bp.get("/cases/<number>/visits/<int:visit_id>/report.pdf")
@login_required
def visit_report_pdf(number: str, visit_id: int) -> Response | tuple[str, int]:
    case = _followup_case(number)
    visit = next((v for v in case.visits if v.id == visit_id), None)
    if visit is None or not followup_report.can_print_visit_report(case, visit, current_user):
        abort(404)

    def html() -> str:
        with force_locale(issuing_language(case.office)):
            context = followup_report.visit_report_context(case, visit, current_user)
            return followup_report.render_visit_report_html(context)

    return _pdf(html, f"{case.number}-visit-{visit.sequence}.pdf")


@bp.get("/cases/<number>/monitoring.pdf")
@login_required
def monitoring_pdf(number: str) -> Response | tuple[str, int]:
    case = _followup_case(number)

    def html() -> str:
        with force_locale(issuing_language(case.office)):
            context = followup_report.monitoring_context(case, current_user)
            return followup_report.render_monitoring_html(context)

    return _pdf(html, f"{case.number}-monitoring.pdf")


@bp.app_template_global()
def report_links(case: Case) -> dict[str, Any]:
    """Which report links the case page shows to the current user."""
    return {
        "case_report": case_report.can_print_case_report(case, current_user),
        "monitoring": followup_report.can_print_monitoring_report(case, current_user)
        and any(v.done_on is not None for v in case.visits),
    }
