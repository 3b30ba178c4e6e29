"""Pages of administrative assistance: request and update a service of a case, the case page's
checklist (through template globals) and the admin's list of service types.

Views load or 404, check access, validate the form, call one service, commit once and
redirect.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from caseflow.accounts.models import User
from caseflow.assistance import forms, services
from caseflow.assistance.models import ServiceRequest, ServiceType
from caseflow.cases.models import Case
from caseflow.cases.views import load_case
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.versions import check_version, form_version, saving
from caseflow.web import choices, permission_required, show_errors

bp = Blueprint("assistance", __name__)


# -- the case page's section -----------------------------------------------------------
@bp.app_template_global()
def assistance_checklist(case: Case) -> list[services.PersonChecklist] | None:
    """The household's checklist for the case page, or None when the section is not shown
    (before the arrival, while nothing was requested)."""
    if not services.has_assistance(case):
        return None
    return services.checklist(case)


@bp.app_template_global()
def can_manage_services(case: Case) -> bool:
    """Whether the signed-in user may request and update the case's services."""
    return current_user.is_authenticated and services.can_manage_services(case, current_user)


@bp.app_template_global()
def service_type_name(service_type: ServiceType) -> str:
    """A service type's name in the page's language."""
    return services.service_name(service_type)


# -- requests --------------------------------------------------------------------------
def _require_manage(case: Case) -> None:
    if not services.can_manage_services(case, current_user):
        raise AccessDenied()


def _back(case: Case, person_id: int | None = None) -> Response:
    anchor = f"services-p{person_id}" if person_id else "services"
    return redirect(url_for("cases.show", number=case.number, _anchor=anchor))


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.route("/cases/<number>/services/new", methods=["GET", "POST"])
@login_required
def new_request(number: str) -> str | Response:
    case = load_case(number, full=True)
    _require_manage(case)
    form = forms.ServiceRequestForm()
    form.beneficiary_id.choices = choices(
        [("", _("Choose a person")), *((b.id, b.full_name) for b in case.beneficiaries)])
    form.service_type_id.choices = choices(
        [("", _("Choose a service")),
         *((t.id, services.service_name(t)) for t in services.service_types())])
    if request.method == "GET":
        # The checklist links a row's "Request" here with the person and service chosen.
        form.beneficiary_id.data = _int_arg("person")
        form.service_type_id.data = _int_arg("type")
    if form.validate_on_submit():
        try:
            created = services.request_service(
                case, form.beneficiary_id.data, form.service_type_id.data,
                form.requested_on.data, by=current_user)
        except StaleEdit as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("“%(service)s” requested for %(name)s.",
                    service=services.service_name(created.service_type),
                    name=created.beneficiary.full_name), "success")
            return _back(case, created.beneficiary_id)
    return render_template("assistance/request_form.html", case=case, form=form)


def _get_request(case: Case, request_id: int) -> ServiceRequest:
    found = db.session.get(ServiceRequest, request_id)
    if found is None or found.case_id != case.id:
        abort(404)
    return found


@bp.route("/cases/<number>/services/<int:request_id>/update", methods=["GET", "POST"])
@login_required
def update_request(number: str, request_id: int) -> str | Response | tuple[str, int]:
    case = load_case(number, full=True)
    service = _get_request(case, request_id)
    _require_manage(case)
    if service.status in services.FINAL:
        flash(_("This service is already final (%(status)s) and cannot change.",
                status=service.status.label), "warning")
        return _back(case, service.beneficiary_id)
    form = forms.ServiceUpdateForm(obj=service)
    form.status.choices = forms.status_choices(service.status)
    if request.method == "GET":
        form.version.data = str(service.version)
        form.status.data = service.status.value
        form.fees_paid.data = f"{service.fees_paid:.2f}" if service.fees_paid is not None \
            else ""
    stale = None
    if form.validate_on_submit():
        try:
            services.update_service(
                service, form.status.data or "", by=current_user, outcome=form.outcome.data,
                completed_on=form.completed_on.data, fees_paid=form.fees_paid.data,
                expected_version=_version(form))
        except StaleEdit as error:
            db.session.rollback()
            stale = error
            # Show the request as it is now; saving again is then a deliberate choice.
            form.version.data = str(service.version)
            form.status.choices = forms.status_choices(service.status)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("“%(service)s” for %(name)s updated.",
                    service=services.service_name(service.service_type),
                    name=service.beneficiary.full_name), "success")
            return _back(case, service.beneficiary_id)
    return render_template("assistance/update_form.html", case=case, form=form,
                           service=service, stale=stale,
                           blocked_by=services.blocked_by(service)), 409 if stale else 200


def _version(form: Any) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


# -- service types (admin) -------------------------------------------------------------
def _get_type(type_id: int) -> ServiceType:
    return db.session.get(ServiceType, type_id) or abort(404)


def _dependency_choices(form: forms.ServiceTypeForm, current: ServiceType | None) -> None:
    options = [t for t in services.service_types(active_only=False)
               if (t.is_active or (current is not None and t.id == current.depends_on_id))
               and (current is None or t.id != current.id)]
    form.depends_on_id.choices = choices(
        [("", _("Nothing: it can be completed any time")),
         *((t.id, services.service_name(t)) for t in options)])


@bp.route("/admin/service-types")
@permission_required(User.can_administer)
def service_types() -> str:
    return render_template("assistance/service_types.html",
                           types=services.service_types(active_only=False))


@bp.route("/admin/service-types/new", methods=["GET", "POST"])
@permission_required(User.can_administer)
def new_service_type() -> str | Response:
    form = forms.NewServiceTypeForm()
    _dependency_choices(form, None)
    if form.validate_on_submit():
        try:
            created = services.create_service_type(
                form.code.data or "", form.name_en.data or "", form.name_fr.data or "",
                form.name_nl.data or "", form.depends_on_id.data, by=current_user,
                position=form.position.data)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Service type “%(name)s” created.", name=services.service_name(created)),
                  "success")
            return redirect(url_for("assistance.service_types"))
    return render_template("assistance/service_type_form.html", form=form, service_type=None)


@bp.route("/admin/service-types/<int:type_id>/edit", methods=["GET", "POST"])
@permission_required(User.can_administer)
def edit_service_type(type_id: int) -> str | Response | tuple[str, int]:
    service_type = _get_type(type_id)
    form = forms.EditServiceTypeForm(obj=service_type)
    _dependency_choices(form, service_type)
    stale = None
    if form.validate_on_submit():
        yours = {"name_en": form.name_en.data, "name_fr": form.name_fr.data,
                 "name_nl": form.name_nl.data, "depends_on_id": form.depends_on_id.data,
                 "is_active": bool(form.is_active.data)}
        if form.position.data is not None:
            yours["position"] = form.position.data
        try:
            check_version(service_type, form_version(form), yours, what=_("service type"))
            with saving(service_type, yours, what=_("service type")):
                services.update_service_type(
                    service_type, name_en=form.name_en.data or "",
                    name_fr=form.name_fr.data or "", name_nl=form.name_nl.data or "",
                    depends_on_id=form.depends_on_id.data, position=form.position.data,
                    by=current_user)
                if form.is_active.data and not service_type.is_active:
                    services.reactivate_service_type(service_type, by=current_user)
                elif not form.is_active.data and service_type.is_active:
                    services.deactivate_service_type(service_type, by=current_user)
        except StaleEdit as error:
            db.session.rollback()
            stale = error
            form.version.data = str(service_type.version)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Service type “%(name)s” saved.", name=services.service_name(service_type)),
                  "success")
            return redirect(url_for("assistance.service_types"))
    return render_template("assistance/service_type_form.html", form=form,
                           service_type=service_type, stale=stale), 409 if stale else 200
