"""Login, logout, and what a user changes about their own account."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from caseflow import audit
from caseflow.accounts import services, sessions, twofactor
from caseflow.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LanguageForm,
    LoginForm,
    TokenForm,
    TwoFactorForm,
)
from caseflow.accounts.models import User
from caseflow.accounts.tokens import ApiToken, create_token, revoke_token
from caseflow.errors import AccessDenied, LoginFailed, TooManyAttempts, ValidationFailed
from caseflow.extensions import db
from caseflow.web import safe_next_url, show_errors

bp = Blueprint("accounts", __name__)


def _too_many(form: FlaskForm, error: TooManyAttempts, template: str,
              **context: Any) -> Response:
    """The form again with the refusal, as HTTP 429 with Retry-After."""
    db.session.commit()  # keeps the audit entry of the refused attempt
    minutes = max(1, (error.retry_after + 59) // 60)
    form.form_errors.append(ngettext(
        "Too many failed attempts. Try again in %(num)d minute.",
        "Too many failed attempts. Try again in %(num)d minutes.", minutes))
    response = make_response(render_template(template, form=form, **context), 429)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _logged_in(user: User, next_url: str | None) -> Response:
    sessions.start(user)
    audit.record(audit.Action.login, user=user)
    db.session.commit()
    return redirect(safe_next_url(next_url) or url_for("dashboard.index"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.attempt_login(form.email.data or "", form.password.data or "",
                                          request.remote_addr or "unknown")
        except TooManyAttempts as error:
            return _too_many(form, error, "accounts/login.html")
        except LoginFailed as error:
            db.session.commit()
            form.form_errors.append(error.message)
        else:
            if user.has_two_factor:
                db.session.commit()
                sessions.hold_for_second_factor(user, safe_next_url(form.next.data))
                return redirect(url_for("accounts.two_factor_login"))
            return _logged_in(user, form.next.data)
    return render_template("accounts/login.html", form=form)


@bp.route("/login/two-factor", methods=["GET", "POST"])
def two_factor_login() -> str | Response:
    """The second step of a login with two-factor: the password was right, the code is due."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    user = sessions.pending_user()
    if user is None:
        # No password step in this session, or more than 5 minutes ago.
        flash(_("Log in with your password first, then give the code within 5 minutes."),
              "info")
        return redirect(url_for("accounts.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            services.check_second_factor(user, form.code.data or "")
        except TooManyAttempts as error:
            return _too_many(form, error, "accounts/two_factor_login.html")
        except LoginFailed as error:
            db.session.commit()
            form.code.errors = [*form.code.errors, error.message]
        else:
            return _logged_in(user, session.get(sessions.PENDING_NEXT))
    return render_template("accounts/two_factor_login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        # Logging out ends the user's sessions on every device, not only this one.
        services.end_sessions(user, by=user, reason="logout")
        audit.record(audit.Action.logout, user=user)
        db.session.commit()
    sessions.end()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data or "",
                                     form.new_password.data or "")
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            db.session.commit()
            # The other sessions ended with the change; this one goes on.
            sessions.renew(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("accounts/password.html", form=form)


SETUP_SECRET = "two_factor_setup_secret"  # noqa: S105 - a session key's name


def _recovery_codes_page(codes: list[str]) -> str:
    return render_template("accounts/recovery_codes.html", codes=codes)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup() -> str | Response:
    """Set up two-factor login (QR code and secret, confirmed by a code), or manage it."""
    user: User = current_user._get_current_object()
    if user.has_two_factor:
        return render_template("accounts/two_factor.html", user=user,
                               codes_left=twofactor.unused_recovery_codes(user),
                               regenerate_form=TwoFactorForm(prefix="regenerate"),
                               turn_off_form=TwoFactorForm(prefix="off"))
    # The secret stays in the (signed) session until a code proves the app has it.
    secret = session.get(SETUP_SECRET)
    if not isinstance(secret, str):
        secret = session[SETUP_SECRET] = twofactor.new_secret()
    form = TwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = twofactor.enrol(user, secret, form.code.data or "")
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            audit.record(audit.Action.security, user=user, target="user", target_id=user.id,
                         details={"event": "two-factor enrolled"})
            db.session.commit()
            session.pop(SETUP_SECRET, None)
            return _recovery_codes_page(codes)
    return render_template("accounts/two_factor_setup.html", form=form, secret=secret,
                           qr_code=twofactor.qr_code(user, secret))


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def regenerate_recovery_codes() -> str | Response:
    user: User = current_user._get_current_object()
    form = TwoFactorForm(prefix="regenerate")
    if form.validate_on_submit():
        try:
            codes = twofactor.regenerate_recovery_codes(user, form.code.data or "")
        except ValidationFailed as error:
            flash(error.message, "error")
        except AccessDenied:
            abort(403)
        else:
            audit.record(audit.Action.security, user=user, target="user", target_id=user.id,
                         details={"event": "recovery codes regenerated"})
            db.session.commit()
            return _recovery_codes_page(codes)
    else:
        flash(_("Enter the code."), "error")
    return redirect(url_for("accounts.two_factor_setup"))


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def turn_off_two_factor() -> Response:
    user: User = current_user._get_current_object()
    form = TwoFactorForm(prefix="off")
    if form.validate_on_submit():
        try:
            twofactor.turn_off(user, form.code.data or "")
        except ValidationFailed as error:
            flash(error.message, "error")
        except AccessDenied as error:
            flash(error.message, "error")
        else:
            audit.record(audit.Action.security, user=user, target="user", target_id=user.id,
                         details={"event": "two-factor turned off"})
            db.session.commit()
            flash(_("Two-factor login is off."), "success")
    else:
        flash(_("Enter the code."), "error")
    return redirect(url_for("accounts.two_factor_setup"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> str | Response:
    """Personal API tokens: create one (its secret is shown once), see and revoke them."""
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = create_token(current_user, form.name.data or "")
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.created_at.desc())).all()
    return render_template("accounts/tokens.html", form=form, tokens=rows, secret=secret,
                           revoke_form=ConfirmForm())


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> Response:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        revoke_token(token, by=current_user)
        db.session.commit()
        flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name),
              "success")
    return redirect(url_for("accounts.tokens"))


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Switch the interface language: saved on the account, or in the session before login."""
    form = LanguageForm()
    back = safe_next_url(request.form.get("next")) or url_for("dashboard.index")
    if not form.validate():
        flash(_("Choose English, French or Dutch."), "error")
        return redirect(back)
    language = (form.language.data or "").strip() or None
    if current_user.is_authenticated:
        try:
            services.set_preferred_language(current_user, language)
        except ValidationFailed as error:
            flash(error.message, "error")
            return redirect(back)
        db.session.commit()
    session["language"] = language
    return redirect(back)
