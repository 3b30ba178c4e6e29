"""Plan lines, the case page's plan section, and the admin page of entitlement rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from caseflow.accounts.forms import ConfirmForm
from caseflow.accounts.models import User
from caseflow.cases.models import Case
from caseflow.cases.views import load_case
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.reintegration import services
from caseflow.reintegration.forms import LineStatusForm, PlanLineForm, RulesForm
from caseflow.reintegration.models import EntitlementRules, LineStatus, PlanLine, SupportKind
from caseflow.versions import form_version
from caseflow.web import choices, permission_required, show_errors

bp = Blueprint("reintegration", __name__)
DEADLINE_WARNING_DAYS = 60


@bp.app_template_global()
def reintegration_summary(case: Case) -> dict[str, Any] | None:
    """What the case page shows about money: entitlement, plan, budget used and left, and
    the 12-month deadline. None before arrival when there is nothing to show."""
    if not services.is_after_arrival(case) and case.plan is None:
        return None
    today = date.today()
    deadline = services.support_deadline(case)
    plan = case.plan
    budget = services.budget_of(case)
    committed = plan.committed if plan else 0
    # An approved plan is explained with the rules it was approved under.
    rules = db.session.scalar(select(EntitlementRules).where(
        EntitlementRules.version == plan.entitlement_version)) \
        if plan is not None and plan.entitlement_version else None
    return {
        "entitlement": services.entitlement(case, rules),
        "plan": plan,
        "budget": budget,
        "committed": committed,
        "left": budget - committed,
        "over_budget": plan is not None and committed > budget,
        "delivered": plan.delivered if plan else 0,
        "deadline": deadline,
        "days_left": (deadline - today).days if deadline else None,
        "deadline_warning": deadline is not None and (deadline - today).days
        <= DEADLINE_WARNING_DAYS,
        "can_edit_lines": services.can_edit_lines(case, current_user),
        "can_update_delivery": services.can_update_delivery(case, current_user),
    }


def _case_with_plan(number: str) -> Case:
    case = load_case(number, full=True)
    if case.plan is None:
        abort(404)
    return case


def _line(case: Case, line_id: int) -> PlanLine:
    line = next((li for li in case.plan.lines if li.id == line_id), None)
    if line is None:
        abort(404)
    return line


@bp.route("/cases/<number>/plan/lines/new", methods=["GET", "POST"])
@login_required
def add_line(number: str) -> str | Response:
    case = _case_with_plan(number)
    if not services.can_edit_lines(case, current_user):
        raise AccessDenied()
    form = PlanLineForm()
    form.beneficiary_id.choices = choices(
        [(0, _("The whole household")), *((b.id, b.full_name) for b in case.beneficiaries)])
    if form.validate_on_submit():
        data = services.LineData(kind=SupportKind(form.kind.data),
                                 description=form.description.data or "",
                                 amount=form.amount.data, beneficiary_id=form.beneficiary_id.data,
                                 supplier=form.supplier.data)
        try:
            services.add_line(case, data, by=current_user)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Plan line added."), "success")
            return redirect(url_for("cases.show", number=case.number, _anchor="plan"))
    return render_template("cases/simple_form.html", case=case, form=form,
                           title=_("Add a line to the reintegration plan"))


@bp.route("/cases/<number>/plan/lines/<int:line_id>/remove", methods=["POST"])
@login_required
def remove_line(number: str, line_id: int) -> Response:
    case = _case_with_plan(number)
    line = _line(case, line_id)
    if not services.can_edit_lines(case, current_user):
        raise AccessDenied()
    if ConfirmForm().validate_on_submit():
        services.remove_line(case, line, by=current_user)
        db.session.commit()
        flash(_("Plan line removed."), "success")
    return redirect(url_for("cases.show", number=case.number, _anchor="plan"))


@bp.route("/cases/<number>/plan/lines/<int:line_id>/status", methods=["GET", "POST"])
@login_required
def line_status(number: str, line_id: int) -> str | Response | tuple[str, int]:
    case = _case_with_plan(number)
    line = _line(case, line_id)
    if not services.can_update_delivery(case, current_user):
        raise AccessDenied()
    form = LineStatusForm()
    if request.method == "GET":
        form.status.data = line.status.value
        form.version.data = str(case.version)
    stale = None
    if form.validate_on_submit():
        try:
            services.update_line_status(case, line, LineStatus(form.status.data),
                                        by=current_user, delivered_on=form.delivered_on.data,
                                        expected_version=form_version(form))
        except StaleEdit as error:
            db.session.rollback()
            stale = error
            form.version.data = str(case.version)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Plan line updated."), "success")
            return redirect(url_for("cases.show", number=case.number, _anchor="plan"))
    return render_template("cases/simple_form.html", case=case, form=form, stale=stale,
                           title=_("Delivery of: %(line)s", line=line.description)), \
        409 if stale else 200


# -- admin: entitlement rules -------------------------------------------------------------
@bp.route("/admin/entitlements", methods=["GET", "POST"])
@permission_required(User.can_administer)
def rules() -> str | Response | tuple[str, int]:
    versions = db.session.scalars(select(EntitlementRules).order_by(
        EntitlementRules.version.desc())).all()
    form = RulesForm()
    stale = None
    if request.method == "GET":
        form.version.data = str(versions[0].version if versions else 0)
    if request.method == "GET" and versions:
        latest = versions[0]
        for name in services.RULE_AMOUNTS:
            getattr(form, name).data = str(getattr(latest, name))
        form.visa_free_countries.data = latest.visa_free_countries.replace(",", ", ")
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in form._fields}
        try:
            published = services.publish_rules(values, by=current_user,
                                               based_on=form_version(form))
        except StaleEdit as error:
            db.session.rollback()
            stale = error
            form.version.data = str(error.current_version)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Version %(v)d of the rules is published. Approved plans keep the version "
                    "they were approved with.", v=published.version), "success")
            return redirect(url_for("reintegration.rules"))
    return render_template("reintegration/rules.html", versions=versions, form=form,
                           amounts=services.RULE_AMOUNTS, stale=stale), 409 if stale else 200
