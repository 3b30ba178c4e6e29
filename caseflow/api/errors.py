"""Every API error is JSON: {"error": {"code", "message", "details"}}.

The HTML app has its own error pages (caseflow/__init__.py). Errors raised inside an API view
reach the handlers registered here on the blueprint; errors of routing (an unknown path or a
wrong method under /api/) happen before any blueprint is known, so `routing_errors` answers
them from a before-request hook instead.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.routing import RequestRedirect

from caseflow.cases.duplicates import DuplicatesFound
from caseflow.cases.queries import BadCursor
from caseflow.errors import (
    AccessDenied,
    CaseflowError,
    InvalidTransition,
    NotFound,
    StaleEdit,
    ValidationFailed,
)
from caseflow.extensions import db

API_PREFIX = "/api/"

# code -> HTTP status. Each code has one status, so a client may switch on either.
CODES: dict[str, int] = {
    "malformed_json": 400,
    "invalid_body": 400,
    "invalid_query": 400,
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "duplicates": 409,
    "stale": 409,
    "wrong_stage": 409,
    "wrong_role": 409,
    "not_your_case": 409,
    "precondition": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
    "validation": 422,
    "missing_data": 422,
    "invalid_data": 422,
    "http_error": 400,
    "server_error": 500,
}

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
              500: "server_error"}

# Refusals of a stage change that are about the data sent rather than the case's state.
DATA_PROBLEMS = ("missing_data", "invalid_data")


class ApiError(Exception):
    """An error the API answers with its own code, message and per-field details."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}
        self.status = status or CODES.get(code, 400)


def error_response(status: int, code: str, message: str,
                   details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The one shape of every error body. Nothing of the failed request is kept."""
    db.session.rollback()
    response = jsonify({"error": {"code": code, "message": str(message),
                                  "details": details or {}}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# -- turning pydantic errors into {field: [messages]} -----------------------------------
def field_path(loc: tuple[int | str, ...]) -> str:
    """("household", 0, "date_of_birth") -> "household.0.date_of_birth"; dict keys that
    failed their own check are reported under the key."""
    return ".".join(str(part) for part in loc if part != "[key]")


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "string_too_long":
        return _("Use at most %(n)d characters.", n=ctx.get("max_length", 0))
    if kind == "string_too_short":
        return _("This field cannot be empty.")
    if kind == "too_long":
        return _("Give at most %(n)d items.", n=ctx.get("max_length", 0))
    if kind == "too_short":
        return _("Give at least %(n)d items.", n=ctx.get("min_length", 0))
    if kind == "string_pattern_mismatch":
        return _("This value is not in the expected format.")
    if kind in ("string_type", "string_sub_type"):
        return _("Enter text.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Enter true or false.")
    if kind.startswith("date"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in ("enum", "literal_error"):
        return _("Choose one of: %(values)s.", values=ctx.get("expected", ""))
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter %(limit)s or more.", limit=ctx.get("ge", ctx.get("gt", "")))
    if kind in ("less_than_equal", "less_than"):
        return _("Enter %(limit)s or less.", limit=ctx.get("le", ctx.get("lt", "")))
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        return _("This value has the wrong type.")
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])  # our own validators raise translated messages
    return str(error["msg"])


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for item in error.errors():
        errors.setdefault(field_path(item["loc"]), []).append(_message(item))
    return errors


def body_error(error: ValidationError) -> ApiError:
    """Malformed JSON and a body that is not an object are 400; a well-formed object with
    wrong fields is 422 with every field's problem."""
    items = error.errors()
    if any(item["type"] == "json_invalid" for item in items):
        return ApiError("malformed_json", _("The request body is not valid JSON."))
    if any(item["loc"] == () and item["type"] in ("model_type", "model_attributes_type")
           for item in items):
        return ApiError("invalid_body", _("The request body must be a JSON object."))
    return ApiError("validation", _("Some fields are not valid."), field_errors(error))


def query_error(error: ValidationError) -> ApiError:
    return ApiError("invalid_query", _("Some query parameters are not valid."),
                    field_errors(error))


# -- handlers ------------------------------------------------------------------------------
def _api_error(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message, error.details,
                          error.headers)


def _bad_cursor(_error: BadCursor) -> Response:
    return error_response(400, "invalid_query", _("Some query parameters are not valid."), {
        "cursor": [_("This cursor is not valid; start again from the first page.")]})


def _validation_failed(error: ValidationFailed) -> Response:
    return error_response(422, "validation", error.message, error.errors)


def _access_denied(error: AccessDenied) -> Response:
    return error_response(403, "forbidden", error.message)


def _not_found(_error: NotFound) -> Response:
    return not_found_response()


def not_found_response() -> Response:
    # The same answer for a case that does not exist and one the user may not see.
    return error_response(404, "not_found", _("Nothing exists at this address, or you may "
                                              "not see it."))


def _invalid_transition(error: InvalidTransition) -> Response:
    status = 422 if error.code in DATA_PROBLEMS else 409
    return error_response(status, error.code, error.message, error.errors)


def _stale_edit(error: StaleEdit) -> Response:
    return error_response(409, "stale", error.message, {
        "current_version": error.current_version, "changes": error.changes})


def _stale_data(_error: StaleDataError) -> Response:
    # Two saves of one case at the same instant: the database refused the second.
    return error_response(409, "stale", _("Someone else saved this case at the same time. "
                                          "Nothing of yours was saved; load it and try "
                                          "again."))


def _duplicates(error: DuplicatesFound) -> Response:
    return error_response(409, "duplicates", error.message,
                          {"matches": [m.as_dict() for m in error.matches]})


def _caseflow_error(error: CaseflowError) -> Response:
    status = error.status_code if 400 <= error.status_code < 500 else 400
    return error_response(status, HTTP_CODES.get(status, "http_error"), error.message)


def http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 405:
        message = _("This address does not accept the %(method)s method.",
                    method=request.method)
    elif status == 404:
        return not_found_response()
    elif status == 413:
        message = _("The request is too large.")
    elif status >= 500:
        message = _("Something went wrong on our side. Nothing was saved.")
    else:
        message = _("The request could not be handled (HTTP %(status)s).", status=status)
    headers = {name: value for name, value in error.get_headers()
               if name.lower() in ("allow", "retry-after", "www-authenticate")}
    code = HTTP_CODES.get(status, "server_error" if status >= 500 else "http_error")
    return error_response(status, code, message, headers=headers)


def _server_error(_error: Exception) -> Response:
    # Flask has logged the traceback; the client learns nothing of the internals.
    return error_response(500, "server_error",
                          _("Something went wrong on our side. Nothing was saved."))


def routing_errors() -> Response | None:
    """Unknown paths and wrong methods under /api/ answer JSON too (before-app-request)."""
    error = request.routing_exception
    if error is None or isinstance(error, RequestRedirect) or \
            not request.path.startswith(API_PREFIX):
        return None
    if isinstance(error, HTTPException):
        return http_error_response(error)
    return None


def register(bp: Blueprint) -> None:
    bp.register_error_handler(ApiError, _api_error)
    bp.register_error_handler(ValidationFailed, _validation_failed)
    bp.register_error_handler(BadCursor, _bad_cursor)
    bp.register_error_handler(AccessDenied, _access_denied)
    bp.register_error_handler(NotFound, _not_found)
    bp.register_error_handler(InvalidTransition, _invalid_transition)
    bp.register_error_handler(StaleEdit, _stale_edit)
    bp.register_error_handler(DuplicatesFound, _duplicates)
    bp.register_error_handler(CaseflowError, _caseflow_error)
    bp.register_error_handler(StaleDataError, _stale_data)
    # By status code too: Flask looks for a handler of the code (the blueprint's, then the
    # app's HTML page) before it looks for one of the exception class.
    for status in default_exceptions:
        if status == 500:
            continue
        bp.register_error_handler(status, http_error_response)
    bp.register_error_handler(HTTPException, http_error_response)
    bp.register_error_handler(500, _server_error)
    bp.before_app_request(routing_errors)
