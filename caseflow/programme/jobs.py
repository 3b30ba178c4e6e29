"""The programme report as a background job (see caseflow/jobs/registry.py for the contract).

The job checks access again (the user's role may have changed since they asked), builds the
figures, writes the file in the asked format and reports progress between the steps. The
jobs package runs it in the language the user asked in.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from caseflow.accounts.models import User
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.jobs.registry import JobResult, Progress, register
from caseflow.programme import exports
from caseflow.programme.report import (
    ReportFilters,
    build_report,
    can_view_programme_report,
    restrict_filters,
)

FORMATS = ("pdf", "xlsx", "csv")
BUILD_STEPS = 7  # the progress steps of report.build_report


@register("programme_report", title=_l("Programme report"),
          can_submit=can_view_programme_report)
def programme_report(params: dict[str, Any], *, user: User, progress: Progress) -> JobResult:
    """`params`: the filters (ReportFilters.to_params()) and "format" (pdf, xlsx or csv)."""
    if not can_view_programme_report(user):
        raise AccessDenied()
    fmt = params.get("format")
    if fmt not in FORMATS:
        raise ValidationFailed(_("Choose PDF, XLSX or CSV."), field="format")
    filters = restrict_filters(ReportFilters.from_params(params), user)
    total = BUILD_STEPS + 2
    report = build_report(filters, user,
                          progress=lambda done, _steps, note: progress(done, total, note))
    progress(BUILD_STEPS + 1, total, _("Writing the file"))
    data = exports.export(report, fmt)
    progress(total, total, _("Done"))
    name = f"programme-report-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}"
    return JobResult(data=data, filename=f"{name}.{fmt}", mimetype=exports.MIMETYPES[fmt])
