"""Login sessions: started fresh at login, ended everywhere at once, and timed out.

Flask keeps the session in a signed cookie, so the server cannot delete one. Instead the
login id in it carries the user's session generation ("<id>:<generation>"); raising the
generation (services.end_sessions) makes every cookie issued before worthless. The cookie
also holds when the user logged in and when they were last seen, for the idle and absolute
timeouts (CASEFLOW_SESSION_IDLE_MINUTES, CASEFLOW_SESSION_MAX_HOURS).
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from caseflow.accounts.models import User
from caseflow.extensions import db

LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
# The user who gave a correct password and still owes the second factor (not logged in).
PENDING_USER = "two_factor_user"
PENDING_AT = "two_factor_at"
PENDING_NEXT = "two_factor_next"
PENDING_SECONDS = 300
# Pages a manager or admin without two-factor login can still reach: the set-up page and
# the ways out.
ENROLMENT_ENDPOINTS = frozenset({"accounts.two_factor_setup", "accounts.logout",
                                 "accounts.set_language", "static"})


def load_user(login_id: str) -> User | None:
    """Flask-Login's user loader: the active user whose generation the session carries."""
    user_id, _sep, generation = login_id.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    # A deactivated account or office loses its sessions at the next request.
    if user is None or not user.is_active or not user.office.is_active:
        return None
    if user.session_generation != int(generation):
        return None
    return user


def _fresh_session() -> None:
    """An empty session, keeping only the interface language chosen before."""
    language = session.get("language")
    session.clear()
    if language is not None:
        session["language"] = language


def start(user: User) -> None:
    """Log `user` in on a fresh session, so a session id planted before login is worthless."""
    _fresh_session()
    login_user(user)
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def renew(user: User) -> None:
    """Keep this browser logged in after `user`'s generation changed (own password change)."""
    login_at = session.get(LOGIN_AT)
    start(user)
    if isinstance(login_at, int):
        session[LOGIN_AT] = login_at  # the absolute timeout still counts from the login


def end() -> None:
    """Log this browser out, in the language it was using."""
    language = str(get_locale())
    logout_user()
    session.clear()
    session["language"] = language


def hold_for_second_factor(user: User, next_url: str | None) -> None:
    _fresh_session()
    session[PENDING_USER] = user.get_id()
    session[PENDING_AT] = int(time.time())
    if next_url:
        session[PENDING_NEXT] = next_url


def pending_user() -> User | None:
    """The user waiting to give their second factor in this session, if not too late."""
    login_id, started = session.get(PENDING_USER), session.get(PENDING_AT)
    if not isinstance(login_id, str) or not isinstance(started, int):
        return None
    if time.time() - started > PENDING_SECONDS:
        return None
    user = load_user(login_id)
    return user if user is not None and user.has_two_factor else None


def expired(now: float | None = None) -> bool:
    now = time.time() if now is None else now
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return True
    config = current_app.config
    return (now - seen_at > config["SESSION_IDLE_MINUTES"] * 60
            or now - login_at > config["SESSION_MAX_HOURS"] * 3600)


def check_session() -> Response | None:
    """Before every page: end an expired session, note the activity, and send a manager or
    admin without two-factor login to set it up. The API (bearer tokens) is not concerned."""
    if request.endpoint in (None, "static") or request.blueprint == "api":
        return None
    if not current_user.is_authenticated:
        return None
    if expired():
        from caseflow import audit

        audit.record(audit.Action.logout, user=current_user._get_current_object(),
                     details={"reason": "session expired"})
        end()
        flash(_("Your session expired. Please log in again."), "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=target))
    session[SEEN_AT] = int(time.time())
    if (current_user.requires_two_factor and not current_user.has_two_factor
            and request.endpoint not in ENROLMENT_ENDPOINTS):
        flash(_("Your role requires two-factor login. Set it up to continue."), "info")
        return redirect(url_for("accounts.two_factor_setup"))
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_session)
