"""Login, logout, and what a user changes about their own account."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from caseflow.accounts import services
from caseflow.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LanguageForm,
    LoginForm,
    TokenForm,
)
from caseflow.accounts.tokens import ApiToken, create_token, revoke_token
from caseflow.errors import LoginFailed, ValidationFailed
from caseflow.extensions import db
from caseflow.web import safe_next_url, show_errors

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data or "", form.password.data or "")
        except LoginFailed as error:
            db.session.commit()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            # A fresh session at login, so a session id planted before login is worthless.
            session.clear()
            login_user(user)
            return redirect(safe_next_url(form.next.data) or url_for("dashboard.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    language = str(get_locale())
    logout_user()
    session.clear()
    # Keep talking the language the user chose, on the login page that follows.
    session["language"] = language
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
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("accounts/password.html", form=form)


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
    language = form.language.data or None
    if current_user.is_authenticated:
        services.set_preferred_language(current_user, language)
        db.session.commit()
    session["language"] = language
    return redirect(back)
