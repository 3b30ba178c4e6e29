"""The error pages: 400, 403, 404, 409 and 500 without internals, and 503 while the
database cannot be reached (pages and API)."""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from caseflow import extensions as ext
from caseflow.errors import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_SECONDS,
    AccessDenied,
    NotFound,
)


def init_app(app: Flask) -> None:
    def page(status: int, title: Any, message: Any) -> tuple[str, int]:
        return render_template("errors/error.html", status=status, title=title,
                               message=message), status

    @app.errorhandler(403)
    @app.errorhandler(AccessDenied)
    def forbidden(_error: Exception) -> tuple[str, int]:
        return page(403, _l("Access denied"),
                    _l("You do not have permission to see this page. If you think you should, "
                       "ask your manager or an administrator."))

    @app.errorhandler(404)
    @app.errorhandler(NotFound)
    def not_found(_error: Exception) -> tuple[str, int]:
        return page(404, _l("Page not found"),
                    _l("This page does not exist, or it has moved. Check the address, or go "
                       "back to your dashboard."))

    @app.errorhandler(CSRFError)
    def csrf_failed(_error: CSRFError) -> tuple[str, int]:
        return page(400, _l("Form expired"),
                    _l("The form was open too long or came from elsewhere. Go back, reload "
                       "the page and try again."))

    @app.errorhandler(HTTPException)
    def other_http(error: HTTPException) -> tuple[str, int]:
        status = error.code or 500
        return page(status, _l("Request not accepted"),
                    _l("The request could not be handled (HTTP %(status)s).", status=status))

    @app.errorhandler(StaleDataError)
    def saved_meanwhile(_error: StaleDataError) -> tuple[str, int]:
        # Two saves of one record at the same instant: the version check in the UPDATE
        # refused the second after the service's own check had passed.
        ext.db.session.rollback()
        return page(409, _l("Saved by someone else"),
                    _l("Someone else saved this record at the same time. Nothing of yours "
                       "was saved: open it again to see their changes, then make yours."))

    def database_unavailable(error: Exception) -> ResponseReturnValue:
        # Class names only: the message of a database error can quote the statement and
        # its parameters, i.e. personal data.
        app.logger.warning("database unavailable: %s (%s)", type(error).__name__,
                           type(getattr(error, "orig", None)).__name__)
        # Ends the transaction and gives the connection back (an invalidated one is
        # replaced by the pool later). Loaded objects are detached, not expired, and the
        # visitor is treated as anonymous from here on: nothing below may touch the
        # database again, or this page would fail the same way.
        with contextlib.suppress(SQLAlchemyError):
            ext.db.session.close()
        g._login_user = ext.login_manager.anonymous_user()
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        message = _l("caseflow cannot reach its database at the moment. Nothing was saved. "
                     "Try again in a minute.")
        if request.path.startswith("/api/"):
            response = jsonify({"error": {"code": "unavailable", "message": str(message),
                                          "details": {}}})
            return response, 503, headers
        return render_template("errors/unavailable.html", message=message), 503, headers

    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        # A database failure outside the view (an after-request hook) arrives here wrapped.
        if isinstance(getattr(error, "original_exception", None), DATABASE_UNAVAILABLE):
            return database_unavailable(error.original_exception)  # type: ignore[attr-defined]
        # The traceback goes to the log (Flask logs it); the visitor sees no internals.
        ext.db.session.rollback()
        return page(500, _l("Something went wrong"),
                    _l("An unexpected error stopped this page. Nothing was saved. The error "
                       "has been logged; try again, and tell an administrator if it "
                       "happens again."))
