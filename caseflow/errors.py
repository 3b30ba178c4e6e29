"""Typed domain errors. Services raise them; views and error handlers turn them into pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exc as sqlalchemy_exc


class CaseflowError(Exception):
    """Base for errors a user can be told about."""

    status_code = 400

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or str(self.default_message))
        self.message = message or str(self.default_message)

    default_message = _l("The request could not be completed.")


class ValidationFailed(CaseflowError):
    """Input that breaks a rule. `errors` maps a field name (or "" for the whole form)
    to its messages."""

    def __init__(self, errors: dict[str, list[str]] | str, field: str = "") -> None:
        if isinstance(errors, str):
            errors = {field: [errors]}
        self.errors = errors
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))


class AccessDenied(CaseflowError):
    status_code = 403
    default_message = _l("You do not have permission to do this.")


class NotFound(CaseflowError):
    status_code = 404
    default_message = _l("This page does not exist.")


class LoginFailed(CaseflowError):
    status_code = 401
    # One message for unknown e-mail, wrong password and inactive account, so the
    # login form does not tell an attacker which accounts exist.
    default_message = _l("Wrong e-mail address or password.")


class InvalidTransition(CaseflowError):
    """A refused change of stage. `code` says why: wrong_stage, wrong_role, not_your_case,
    missing_data, invalid_data, or precondition (the case itself is not ready: no counselling
    session, no consent, a missing travel document, the four-eyes rule); `errors` maps the
    stage-data fields (or "" for the case as a whole) to their messages."""

    status_code = 409

    def __init__(self, code: str, message: str,
                 errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.errors = errors or {}


class StaleEdit(CaseflowError):
    """Someone saved the record after this user loaded it. `changes` lists what they changed:
    [{"at", "by", "field", "old", "new"}]."""

    status_code = 409

    def __init__(self, message: str, current_version: int,
                 changes: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.current_version = current_version
        self.changes = changes


class TooManyAttempts(CaseflowError):
    """A rate limit refused the request (failed logins, two-factor codes). `retry_after`:
    seconds until a new attempt can succeed."""

    status_code = 429
    default_message = _l("Too many attempts. Wait a few minutes, then try again.")

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# The database cannot be reached (server down, network cut, connection dropped): the request
# is answered 503 and retried later, instead of a 500 that reads like a bug.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sqlalchemy_exc.OperationalError, sqlalchemy_exc.InterfaceError,
    sqlalchemy_exc.DisconnectionError)
# Seconds a client should wait before trying again (the Retry-After header).
RETRY_AFTER_SECONDS = 30
