"""Case pages: list and search, registration, the case page, edits and stage moves.

Views load or 404, check access with the model's can_* methods, validate the form, call one
service, commit once and redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from caseflow.accounts.models import COUNTRIES, Office, OfficeKind, Role, User
from caseflow.cases import forms, services, workflow
from caseflow.cases.duplicates import DuplicatesFound
from caseflow.cases.models import (
    PARTNER_STAGES,
    RETURN_COUNTRIES,
    Case,
    CaseStatus,
    CounsellingSession,
)
from caseflow.cases.queries import BadCursor, CaseFilters, list_cases
from caseflow.errors import AccessDenied, InvalidTransition, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit
from caseflow.people.models import (
    Beneficiary,
    BeneficiaryVulnerability,
    ConsentPurpose,
    HouseholdRole,
    Vulnerability,
)
from caseflow.reintegration.models import ReintegrationPlan
from caseflow.web import show_errors

bp = Blueprint("cases", __name__, url_prefix="/cases")


def load_case(number: str, *, full: bool = False) -> Case:
    """The case with this number if the user may see it; 404 otherwise (never 403, so a
    case number of another office reveals nothing)."""
    query = select(Case).where(Case.number == number)
    if full:
        query = query.options(
            selectinload(Case.beneficiaries).selectinload(Beneficiary.vulnerabilities),
            selectinload(Case.beneficiaries).selectinload(Beneficiary.identity_documents),
            selectinload(Case.beneficiaries).selectinload(Beneficiary.consents),
            selectinload(Case.beneficiaries).selectinload(Beneficiary.school_records),
            selectinload(Case.events),
            selectinload(Case.sessions).joinedload(CounsellingSession.counsellor),
            selectinload(Case.documents),
            # The sections after arrival: loaded up front so the case page runs the same
            # number of queries whatever the case holds.
            selectinload(Case.plan).selectinload(ReintegrationPlan.lines),
            selectinload(Case.services),
            selectinload(Case.visits).selectinload(FollowUpVisit.survey))
    case = db.session.scalar(query)
    if case is None or not case.can_view(current_user):
        abort(404)
    return case


def _get_person(case: Case, person_id: int) -> Beneficiary:
    person = next((b for b in case.beneficiaries if b.id == person_id), None)
    if person is None:
        abort(404)
    return person


def _require(allowed: bool) -> None:
    if not allowed:
        raise AccessDenied()


def _version(form: Any) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


# -- list -------------------------------------------------------------------------------
def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _filters_from_args() -> CaseFilters:
    statuses = [CaseStatus(s) for s in request.args.getlist("status")
                if s in CaseStatus.__members__]
    vulnerability = request.args.get("vulnerability", "")
    country = request.args.get("country", "")
    return CaseFilters(
        statuses=statuses,
        country=country if country in RETURN_COUNTRIES else None,
        office_id=_int_arg("office"), assignee_id=_int_arg("assignee"),
        partner_id=_int_arg("partner"),
        vulnerability=Vulnerability(vulnerability)
        if vulnerability in Vulnerability.__members__ else None,
        registered_from=_date_arg("registered_from"), registered_to=_date_arg("registered_to"),
        departed_from=_date_arg("departed_from"), departed_to=_date_arg("departed_to"),
        text=request.args.get("q", "").strip()[:100] or None,
        sort=request.args.get("sort", "newest"))


@bp.route("/")
@login_required
def index() -> str:
    filters = _filters_from_args()
    try:
        page = list_cases(current_user, filters, request.args.get("cursor") or None)
    except BadCursor:
        flash(_("That page link is no longer valid; showing the first page."), "warning")
        page = list_cases(current_user, filters)
    offices = db.session.scalars(select(Office).where(Office.is_active)
                                 .order_by(Office.name)).all()
    assignees = db.session.scalars(select(User).where(
        User.office_id == current_user.office_id, User.is_active,
        User.role.in_([Role.caseworker, Role.manager])).order_by(User.full_name)).all()
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k != "cursor"}
    return render_template(
        "cases/index.html", page=page, filters=filters, statuses=list(CaseStatus),
        countries=[(c, COUNTRIES[c]) for c in RETURN_COUNTRIES],
        sending_offices=[o for o in offices if o.kind is OfficeKind.sending],
        partners=[o for o in offices if o.kind is OfficeKind.partner],
        assignees=assignees, vulnerabilities=list(Vulnerability),
        args=request.args, base_args=args,
        can_register=services.can_register(current_user))


# -- registration -----------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
@login_required
def register() -> str | Response:
    _require(services.can_register(current_user))
    form = forms.RegistrationForm()
    matches = []
    if request.method == "POST" and "add_person" in request.form:
        form.household.append_entry()
        form.household[-1].form.role.data = HouseholdRole.child.value
    elif request.method == "POST" and request.form.get("remove_person", "").isdigit():
        index = int(request.form["remove_person"])
        if 0 < index < len(form.household):
            kept = [e.data for i, e in enumerate(form.household) if i != index]
            while len(form.household):
                form.household.pop_entry()
            for data in kept:
                form.household.append_entry(data)
    form.prepare()
    if request.method == "POST" and "save" in request.form and form.validate():
        registration = services.Registration(
            details=form.details(),
            household=[forms.person_data(entry.form) for entry in form.household],
            consent_on=form.consent_on.data,
            consent_purposes=[ConsentPurpose(p) for p in form.consent_purposes.data or []],
            duplicate_reason=form.duplicate_reason.data)
        try:
            case = services.register_case(registration, by=current_user)
        except DuplicatesFound as found:
            db.session.rollback()
            matches = found.matches
        except ValidationFailed as error:
            db.session.rollback()
            _show_household_errors(form, error)
        else:
            db.session.commit()
            flash(_("Case %(number)s registered.", number=case.number), "success")
            return redirect(url_for("cases.show", number=case.number))
    return render_template("cases/register.html", form=form, matches=matches)


def _show_household_errors(form: forms.RegistrationForm, error: ValidationFailed) -> None:
    """Service errors name fields like household.1.date_of_birth: put them on the field."""
    rest: dict[str, list[str]] = {}
    for key, messages in error.errors.items():
        parts = key.split(".")
        if parts[0] == "household" and len(parts) >= 3 and parts[1].isdigit() \
                and int(parts[1]) < len(form.household):
            entry = form.household[int(parts[1])].form
            name = "document_number" if parts[2] == "documents" else parts[2]
            field = getattr(entry, name, None)
            if field is not None:
                field.errors = [*field.errors, *messages]
                continue
        if key == "household":  # about the household as a whole
            form.form_errors.extend(messages)
            continue
        rest[key] = messages
    show_errors(form, ValidationFailed(rest))


class _ConfirmVersionForm(forms.FlaskForm):
    """A confirmation that carries the case version the user saw."""

    version = forms.HiddenField()


# -- the case page ----------------------------------------------------------------------
@bp.route("/<number>")
@login_required
def show(number: str) -> str:
    case = load_case(number, full=True)
    moves = workflow.allowed_moves(case, current_user)
    return render_template(
        "cases/show.html", case=case, moves=moves,
        target_of=workflow.target_of, show_asylum=case.can_see_asylum_details(current_user),
        show_medical=case.can_see_medical_notes(current_user),
        can_edit=case.can_edit(current_user),
        can_attach=case.can_attach_documents(current_user),
        ConsentPurpose=ConsentPurpose, HouseholdRole=HouseholdRole, today=date.today())


@bp.route("/<number>/edit", methods=["GET", "POST"])
@login_required
def edit(number: str) -> str | Response | tuple[str, int]:
    case = load_case(number, full=True)
    _require(case.can_edit(current_user))
    form = forms.CaseDetailsForm(obj=case)
    form.country_of_return.choices = forms.return_country_choices()
    staff = db.session.scalars(select(User).where(
        User.office_id == case.office_id, User.is_active,
        User.role.in_([Role.caseworker, Role.manager])).order_by(User.full_name)).all()
    form.assignee_id.choices = forms.choices((u.id, u.full_name) for u in staff)
    if request.method == "GET":
        form.version.data = str(case.version)
    stale = None
    if form.validate_on_submit():
        try:
            services.update_case_details(case, form.details(), by=current_user,
                                         expected_version=_version(form))
        except StaleEdit as error:
            db.session.rollback()
            stale = error
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Case %(number)s saved.", number=case.number), "success")
            return redirect(url_for("cases.show", number=case.number))
    return render_template("cases/edit.html", case=case, form=form,
                           stale=stale), 409 if stale else 200


def _versioned_save(form: Any, save: Callable[[], Any]) -> Any:
    """Run a service that checks the case version; commit and return its result, or roll
    back and put its refusal on the form (a stale edit, or errors next to the fields)."""
    try:
        result = save()
    except StaleEdit as error:
        db.session.rollback()
        form.stale = error
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(form, error)
    else:
        db.session.commit()
        return result if result is not None else True
    return None


def _person_form_page(case: Case, form: Any,
                      person: Beneficiary | None) -> tuple[str, int]:
    stale = getattr(form, "stale", None)
    return render_template("cases/person_form.html", case=case, form=form, person=person,
                           stale=stale), 409 if stale else 200


@bp.route("/<number>/people/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit_person(number: str, person_id: int) -> str | Response | tuple[str, int]:
    case = load_case(number, full=True)
    _require(case.can_edit(current_user))
    person = _get_person(case, person_id)
    form = forms.prepare_person_form(forms.EditPersonForm(obj=person))
    if request.method == "GET":
        form.version.data = str(case.version)
        form.vulnerabilities.data = [v.value for v in person.vulnerability_codes]
        form.role.data = person.role.value
        form.sex.data = person.sex.value
        form.procedure_status.data = person.procedure_status.value \
            if person.procedure_status else ""
    if form.validate_on_submit() and _versioned_save(form, lambda: services.update_person(
            case, person, forms.person_data(form), by=current_user,
            expected_version=_version(form))):
        flash(_("Changes to %(name)s saved.", name=person.full_name), "success")
        return redirect(url_for("cases.show", number=case.number, _anchor=f"p{person.id}"))
    return _person_form_page(case, form, person)


@bp.route("/<number>/people/new", methods=["GET", "POST"])
@login_required
def add_person(number: str) -> str | Response | tuple[str, int]:
    case = load_case(number, full=True)
    _require(case.can_edit(current_user))
    form = forms.prepare_person_form(forms.NewPersonForm())
    if request.method == "GET":
        form.version.data = str(case.version)
        form.role.data = HouseholdRole.child.value
    if form.validate_on_submit():
        person = _versioned_save(form, lambda: services.add_person(
            case, forms.person_data(form), by=current_user, expected_version=_version(form)))
        if person is not None:
            flash(_("%(name)s added to the household.", name=person.full_name), "success")
            return redirect(url_for("cases.show", number=case.number))
    return _person_form_page(case, form, None)


@bp.route("/<number>/people/<int:person_id>/remove", methods=["GET", "POST"])
@login_required
def remove_person(number: str, person_id: int) -> str | Response:
    case = load_case(number, full=True)
    _require(case.can_edit(current_user))
    person = _get_person(case, person_id)
    form = _ConfirmVersionForm()
    if request.method == "GET":
        form.version.data = str(case.version)
    if form.validate_on_submit():
        try:
            services.remove_person(case, person, by=current_user,
                                   expected_version=_version(form))
        except (StaleEdit, ValidationFailed) as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s removed from the household.", name=person.full_name), "success")
        return redirect(url_for("cases.show", number=case.number))
    return render_template("confirm.html", form=form,
                           title=_("Remove %(name)s from the household?", name=person.full_name),
                           message=_("Their identity, documents and school history in this "
                                     "case are deleted. This cannot be undone."),
                           action=_("Remove"), cancel=url_for("cases.show", number=case.number))


def _record_form(case: Case, form: Any, save: Callable[[], object], *, done: str,
                 anchor: str, title: str) -> str | Response:
    """The shape every small "add a record to this case" page shares: validate, call the
    service, show its errors next to the fields or commit and go back to the case."""
    if form.validate_on_submit():
        try:
            save()
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("cases.show", number=case.number, _anchor=anchor))
    return render_template("cases/simple_form.html", case=case, form=form, title=title)


@bp.route("/<number>/people/<int:person_id>/documents/new", methods=["GET", "POST"])
@login_required
def add_identity_document(number: str, person_id: int) -> str | Response:
    case = load_case(number, full=True)
    _require(case.can_edit(current_user))
    person = _get_person(case, person_id)
    form = forms.IdentityDocumentForm()
    form.issuing_country.choices = forms.nationality_choices()
    if request.method == "GET":
        form.issuing_country.data = person.nationality
    return _record_form(
        case, form, lambda: services.add_identity_document(case, person, form.data_object(),
                                                           by=current_user),
        done=_("Document added for %(name)s.", name=person.full_name), anchor=f"p{person.id}",
        title=_("Identity or travel document of %(name)s", name=person.full_name))


@bp.route("/<number>/people/<int:person_id>/school/new", methods=["GET", "POST"])
@login_required
def add_school_record(number: str, person_id: int) -> str | Response:
    case = load_case(number, full=True)
    _require(case.can_edit(current_user))
    person = _get_person(case, person_id)
    form = forms.SchoolRecordForm()
    return _record_form(
        case, form, lambda: services.add_school_record(case, person, form.data_object(),
                                                       by=current_user),
        done=_("School history of %(name)s updated.", name=person.full_name),
        anchor=f"p{person.id}", title=_("School in Belgium: %(name)s", name=person.full_name))


@bp.route("/<number>/sessions/new", methods=["GET", "POST"])
@login_required
def log_session(number: str) -> str | Response:
    case = load_case(number)
    _require(case.can_edit(current_user))
    form = forms.SessionForm()
    return _record_form(
        case, form, lambda: services.log_counselling_session(case, form.data_object(),
                                                             by=current_user),
        done=_("Counselling session logged."), anchor="sessions",
        title=_("Log a counselling session"))


# -- stage moves ------------------------------------------------------------------------
def _partner_choices(case: Case) -> list[tuple[int, str]]:
    partners = db.session.scalars(select(Office).where(
        Office.kind == OfficeKind.partner, Office.is_active,
        Office.country == case.country_of_return).order_by(Office.name)).all()
    return [(o.id, o.name) for o in partners]


@bp.route("/<number>/move/<move_name>", methods=["GET", "POST"])
@login_required
def move(number: str, move_name: str) -> str | Response:
    case = load_case(number, full=True)
    chosen = workflow.MOVES_BY_NAME.get(move_name)
    if chosen is None:
        abort(404)
    form = forms.move_form(chosen, _partner_choices(case))
    refusal = None
    if chosen not in workflow.allowed_moves(case, current_user):
        # Say why (wrong stage or role) instead of a bare 403.
        try:
            workflow.transition(case, move_name, by=current_user, data={})
        except InvalidTransition as error:
            db.session.rollback()
            if error.code in ("wrong_stage", "wrong_role", "not_your_case"):
                return render_template("cases/move.html", case=case, move=chosen, form=None,
                                       refusal=error.message), 409
    if form.validate_on_submit():
        try:
            workflow.transition(case, move_name, by=current_user, data=form.data)
        except InvalidTransition as error:
            db.session.rollback()
            show_errors(form, ValidationFailed(error.errors or {"": [error.message]}))
            refusal = error.message if not error.errors else None
        else:
            db.session.commit()
            flash(_("Case %(number)s is now at stage \u201c%(stage)s\u201d.",
                    number=case.number, stage=case.status.label), "success")
            return redirect(url_for("cases.show", number=case.number))
    return render_template("cases/move.html", case=case, move=chosen, form=form,
                           refusal=refusal, target=workflow.target_of(chosen, case))


@bp.app_template_global()
def partner_stage(status: CaseStatus) -> bool:
    return status in PARTNER_STAGES


@bp.app_template_global()
def vulnerable_case_count(case_ids: list[int]) -> dict[int, int]:
    """Number of people with a vulnerability per case, for the list (one query)."""
    if not case_ids:
        return {}
    rows = db.session.execute(select(BeneficiaryVulnerability.case_id,
                                     BeneficiaryVulnerability.beneficiary_id).where(
        BeneficiaryVulnerability.case_id.in_(case_ids))).all()
    counts: dict[int, set[int]] = {}
    for case_id, person_id in rows:
        counts.setdefault(case_id, set()).add(person_id)
    return {k: len(v) for k, v in counts.items()}
