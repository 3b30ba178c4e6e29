"""Admin pages: users and offices."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectChoice

from caseflow import audit
from caseflow.accounts import services, twofactor
from caseflow.accounts.forms import ConfirmForm, NewUserForm, OfficeForm, UserForm
from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.errors import StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.versions import check_version, form_version, saving
from caseflow.web import choices, int_arg, permission_required, show_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 25


class _EditUserForm(UserForm):
    # The user's version the admin loaded: a save from an older one is refused.
    version = HiddenField()


class _EditOfficeForm(OfficeForm):
    version = HiddenField()


def _office_choices(include: Office | None = None) -> list[SelectChoice]:
    offices = db.session.scalars(select(Office).order_by(Office.kind.desc(), Office.name)).all()
    return choices((o.id, f"{o.name} ({o.country_name})") for o in offices
                   if o.is_active or o is include)


def _get_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _get_office(office_id: int) -> Office:
    return db.session.get(Office, office_id) or abort(404)


def _user_data(form: UserForm) -> services.UserData:
    return services.UserData(email=form.email.data or "", full_name=form.full_name.data or "",
                             role=Role(form.role.data), office_id=form.office_id.data,
                             preferred_language=form.preferred_language.data or None)


def _office_data(form: OfficeForm) -> services.OfficeData:
    return services.OfficeData(name=form.name.data or "", kind=OfficeKind(form.kind.data),
                               country=form.country.data or "", city=form.city.data or "",
                               language=form.language.data or None)


# -- users -----------------------------------------------------------------------------
@bp.route("/users")
@permission_required(User.can_administer)
def users() -> str:
    query = select(User).join(User.office).order_by(User.full_name, User.id)
    text = request.args.get("q", "").strip()[:100]
    if text:
        like = f"%{text.lower()}%"
        query = query.where(or_(User.email.like(like), User.full_name.ilike(like)))
    role = request.args.get("role", "")
    if role in Role.__members__:
        query = query.where(User.role == Role(role))
    office_id = int_arg("office", default=0, minimum=0, maximum=2**31 - 1)
    if office_id:
        query = query.where(User.office_id == office_id)
    status = request.args.get("status", "active")
    if status == "active":
        query = query.where(User.is_active)
    elif status == "inactive":
        query = query.where(~User.is_active)
    page = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, roles=list(Role),
                           offices=_office_choices(), filters={
                               "q": text, "role": role, "office": office_id, "status": status})


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required(User.can_administer)
def new_user() -> str | Response:
    form = NewUserForm()
    form.office_id.choices = _office_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(_user_data(form), form.password.data or "",
                                        by=current_user)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Account created for %(name)s.", name=user.full_name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@permission_required(User.can_administer)
def edit_user(user_id: int) -> str | Response | tuple[str, int]:
    user = _get_user(user_id)
    form = _EditUserForm(obj=user)
    if request.method == "GET":
        form.role.data = user.role.value
        form.preferred_language.data = user.preferred_language or ""
    form.office_id.choices = _office_choices(include=user.office)
    stale = None
    if form.validate_on_submit():
        data = _user_data(form)
        yours = {"email": data.email.strip().lower(),
                 "full_name": data.full_name, "role": data.role,
                 "office_id": data.office_id, "preferred_language": data.preferred_language}
        try:
            check_version(user, form_version(form), yours, what=_("user"))
            with saving(user, yours, what=_("user")):
                # Only an admin's edit moves a user's version on (see User.version).
                user.version += 1
                services.update_user(user, data, by=current_user)
        except StaleEdit as error:
            db.session.rollback()
            stale = error
            # The form now offers the stored values' version: saving again is deliberate.
            form.version.data = str(user.version)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Changes to %(name)s saved.", name=user.full_name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user,
                           stale=stale), 409 if stale else 200


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@permission_required(User.can_administer)
def deactivate_user(user_id: int) -> str | Response:
    user = _get_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.deactivate_user(user, by=current_user)
        except ValidationFailed as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s can no longer log in.", name=user.full_name), "success")
        return redirect(url_for("admin.users"))
    return render_template("confirm.html", form=form,
                           title=_("Deactivate %(name)s?", name=user.full_name),
                           message=_("%(name)s will no longer be able to log in. Their records "
                                     "stay in caseflow. You can reactivate the account later.",
                                     name=user.full_name),
                           action=_("Deactivate"), cancel=url_for("admin.users"))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@permission_required(User.can_administer)
def reactivate_user(user_id: int) -> Response:
    user = _get_user(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.reactivate_user(user, by=current_user)
        except ValidationFailed as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s can log in again.", name=user.full_name), "success")
    return redirect(url_for("admin.users", status="inactive"))


@bp.route("/users/<int:user_id>/end-sessions", methods=["GET", "POST"])
@permission_required(User.can_administer)
def end_sessions(user_id: int) -> str | Response:
    """Log a user out everywhere (a lost laptop, a shared computer)."""
    user = _get_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.end_sessions(user, by=current_user, reason="ended by an administrator")
        db.session.commit()
        if user.id == current_user.id:
            return redirect(url_for("accounts.login"))
        flash(_("%(name)s is logged out everywhere.", name=user.full_name), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("confirm.html", form=form,
                           title=_("Log %(name)s out everywhere?", name=user.full_name),
                           message=_("Every session of %(name)s ends now, on every device. "
                                     "They can log in again.", name=user.full_name),
                           action=_("Log out everywhere"),
                           cancel=url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["GET", "POST"])
@permission_required(User.can_administer)
def reset_two_factor(user_id: int) -> str | Response:
    """Turn off someone's two-factor login (lost phone and recovery codes)."""
    user = _get_user(user_id)
    if not current_user.can_reset_two_factor(user):
        flash(_("%(name)s has no two-factor login to reset.", name=user.full_name), "info")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        twofactor.reset(user, by=current_user)
        audit.record(audit.Action.security, target="user", target_id=user.id,
                     details={"event": "two-factor reset"})
        db.session.commit()
        if user.id == current_user.id:
            return redirect(url_for("accounts.login"))
        flash(_("Two-factor login of %(name)s reset; their sessions ended.",
                name=user.full_name), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("confirm.html", form=form,
                           title=_("Reset two-factor login of %(name)s?", name=user.full_name),
                           message=_("Their authenticator app and recovery codes stop working "
                                     "and their sessions end. Check who is asking first: "
                                     "whoever has the password can then set up a new app."),
                           action=_("Reset two-factor login"),
                           cancel=url_for("admin.edit_user", user_id=user.id))


# -- offices ---------------------------------------------------------------------------
@bp.route("/offices")
@permission_required(User.can_administer)
def offices() -> str:
    query = select(Office).order_by(Office.kind.desc(), Office.country, Office.name)
    page = db.paginate(query, page=int_arg("page"), per_page=PER_PAGE, error_out=False)
    return render_template("admin/offices.html", page=page)


@bp.route("/offices/new", methods=["GET", "POST"])
@permission_required(User.can_administer)
def new_office() -> str | Response:
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = services.create_office(_office_data(form), by=current_user)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Office %(name)s created.", name=office.name), "success")
            return redirect(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=None)


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
@permission_required(User.can_administer)
def edit_office(office_id: int) -> str | Response | tuple[str, int]:
    office = _get_office(office_id)
    form = _EditOfficeForm(obj=office)
    if request.method == "GET":
        form.kind.data = office.kind.value
    stale = None
    if form.validate_on_submit():
        data = _office_data(form)
        yours = {"name": data.name, "kind": data.kind, "country": data.country,
                 "city": data.city, "language": data.language}
        try:
            check_version(office, form_version(form), yours, what=_("office"))
            with saving(office, yours, what=_("office")):
                services.update_office(office, data, by=current_user)
        except StaleEdit as error:
            db.session.rollback()
            stale = error
            form.version.data = str(office.version)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Changes to %(name)s saved.", name=office.name), "success")
            return redirect(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=office,
                           stale=stale), 409 if stale else 200


@bp.route("/offices/<int:office_id>/deactivate", methods=["GET", "POST"])
@permission_required(User.can_administer)
def deactivate_office(office_id: int) -> str | Response:
    office = _get_office(office_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.deactivate_office(office, by=current_user)
        except ValidationFailed as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Office %(name)s deactivated.", name=office.name), "success")
        return redirect(url_for("admin.offices"))
    return render_template("confirm.html", form=form,
                           title=_("Deactivate %(name)s?", name=office.name),
                           message=_("No new users can be added to a deactivated office. "
                                     "You can reactivate it later."),
                           action=_("Deactivate"), cancel=url_for("admin.offices"))


@bp.route("/offices/<int:office_id>/reactivate", methods=["POST"])
@permission_required(User.can_administer)
def reactivate_office(office_id: int) -> Response:
    office = _get_office(office_id)
    if ConfirmForm().validate_on_submit():
        services.reactivate_office(office, by=current_user)
        db.session.commit()
        flash(_("Office %(name)s reactivated.", name=office.name), "success")
    return redirect(url_for("admin.offices"))


