"""What a request read, printed, downloaded or was refused, recorded in one place.

Views do not call the trail for reads: every case loaded from the database during a request
is noted (an ORM load event), and after the response is built the request is recorded from
its endpoint, its status and the cases it loaded. So a new page that shows a case is audited
without anyone remembering to add a call.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from werkzeug.wrappers import Response

from caseflow.audit import trail
from caseflow.audit.trail import Action

# Endpoints whose answer is a file or a printout, by what the trail calls it. Every other
# successful GET that loaded a case is a read.
FILE_ACTIONS: dict[str, Action] = {
    "documents.download": Action.download,
    "printing.download": Action.download,
    "jobs.download": Action.export,
    "reports.case_report_pdf": Action.print,
    "reports.monitoring_pdf": Action.print,
    "reports.visit_report_pdf": Action.print,
    "privacy.subject_access_json": Action.export,
    "privacy.subject_access_pdf": Action.export,
    "audit.index": Action.read,
}
# Lists name many cases at once; their entry lists the cases shown, capped.
MAX_LISTED = 200


def _note_loaded_case(target: Any, _context: Any) -> None:
    if has_request_context():
        g.setdefault("audit_cases", {})[target.id] = target.number


def init_app(app: Flask) -> None:
    from caseflow.cases.models import Case

    event.listen(Case, "load", _note_loaded_case)
    app.after_request(_record_request)


def _case_of_request(loaded: dict[int, str]) -> int | None:
    """The case a case page is about: the one whose number is in the address, or the only
    case a download or printout loaded."""
    number = (request.view_args or {}).get("number")
    if number is not None:
        return next((case_id for case_id, n in loaded.items() if n == number), None)
    if request.endpoint in FILE_ACTIONS and len(loaded) == 1:
        return next(iter(loaded))
    return None


def _record_request(response: Response) -> Response:
    from caseflow.extensions import db

    endpoint = request.endpoint or ""
    loaded: dict[int, str] = g.get("audit_cases", {})
    status = response.status_code
    target_id = next(iter((request.view_args or {}).values()), None)
    if status in (401, 403):
        trail.record(Action.denied, case_id=_case_of_request(loaded), target=endpoint,
                     target_id=target_id, details={"method": request.method,
                                                   "status": status})
    elif status == 404 and loaded and "number" in (request.view_args or {}):
        # A case that exists but is hidden from this user: an attempt worth knowing about.
        trail.record(Action.denied, case_id=_case_of_request(loaded), target=endpoint,
                     details={"method": request.method, "status": status})
    elif status < 400 and (endpoint in FILE_ACTIONS or (request.method == "GET" and loaded)):
        action = FILE_ACTIONS.get(endpoint, Action.read)
        if request.method != "GET" and endpoint in FILE_ACTIONS and status >= 300:
            action = None  # a form re-shown or a redirect, not the file itself
        case_id = _case_of_request(loaded)
        if action is not None and (case_id is not None or endpoint in FILE_ACTIONS):
            trail.record(action, case_id=case_id, target=endpoint, target_id=target_id)
        elif action is not None:
            listed = sorted(loaded)[:MAX_LISTED]
            trail.record(action, target=endpoint, details={"listed": listed})
    session = db.session()
    if trail.has_pending(session):
        # Whatever the view left uncommitted is not kept (as at the end of any request);
        # the entries that survive a rollback are written in a transaction of their own.
        session.rollback()
        session.commit()
    return response
