"""Bearer-token authentication of the API.

Every request carries `Authorization: Bearer <secret>` (a personal token, see
accounts/tokens.py). No cookie and no session is read or written: the API user lives in `g`
for one request only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import gettext as _

from caseflow.accounts import tokens
from caseflow.accounts.models import User
from caseflow.api.errors import ApiError

REALM = 'Bearer realm="caseflow API"'
View = TypeVar("View", bound=Callable[..., Any])


def public(view: View) -> View:
    """Mark a view that answers without a token (the OpenAPI document)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "is_public", False))


def authenticate() -> None:
    """Before each API request: find the token's user or refuse with 401."""
    if is_public(request.endpoint):
        return
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise ApiError("unauthorized", _("Send an API token: Authorization: Bearer <token>."),
                       headers={"WWW-Authenticate": REALM})
    user = tokens.user_for_token(secret)
    if user is None:
        raise ApiError("unauthorized", _("This API token is not valid, or it was revoked."),
                       headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    g.api_user = user


def current_user() -> User:
    """The user of the token of this request."""
    user: User = g.api_user
    return user
