"""JSON API v1: bearer-token access to cases, with the same rules as the pages.

Each view: parse the request (schemas.py), load the case or 404, check access, call the
service, commit once, answer. Errors become JSON in errors.py; the OpenAPI document that
describes these routes is built in openapi.py (tests/api/test_openapi.py keeps them in step).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from caseflow.api import errors, openapi
from caseflow.api.auth import authenticate, current_user, public
from caseflow.api.errors import ApiError, body_error, query_error
from caseflow.api.schemas import (
    MAX_ID,
    CaseCreate,
    CaseList,
    CaseListQuery,
    CaseOut,
    CaseServices,
    CaseSummary,
    CaseUpdate,
    DuplicateCheckIn,
    Duplicates,
    EventOut,
    FollowUps,
    History,
    MatchOut,
    PlanLineIn,
    PlanLineOut,
    PlanLineResult,
    PlanLineUpdate,
    PlanOut,
    RssOut,
    ServiceOut,
    ServiceRequestIn,
    ServiceTypeOut,
    ServiceTypes,
    ServiceUpdate,
    TransitionIn,
    TransitionOut,
    VisitOut,
    VisitRecordIn,
    Workflow,
    dump,
)
from caseflow.assistance import services as assistance
from caseflow.assistance.models import ServiceRequest
from caseflow.cases import queries, services, workflow
from caseflow.cases.duplicates import find_duplicates
from caseflow.cases.models import Case, CaseEvent
from caseflow.errors import AccessDenied, NotFound
from caseflow.extensions import db
from caseflow.followups import services as followups
from caseflow.followups.models import FollowUpVisit, RssSurvey
from caseflow.reintegration import services as plans
from caseflow.reintegration.models import EntitlementRules, PlanLine

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)
errors.register(bp)

CASE_NUMBER = re.compile(r"BE-\d{4}-\d{6}")
M = TypeVar("M", bound=BaseModel)


# -- helpers -------------------------------------------------------------------------------
def _body(model: type[M]) -> M:
    try:
        raw = request.get_data(cache=False)
        # The raw body in the context lets amounts be read exactly as written (AmountIn).
        return model.model_validate_json(raw, context={"raw": raw})
    except ValidationError as error:
        raise body_error(error) from None


def _query() -> CaseListQuery:
    args: dict[str, Any] = {}
    repeated: dict[str, list[str]] = {}
    for name in request.args:
        values = [v for v in request.args.getlist(name) if v != ""]
        if name == "status":
            args[name] = values
        elif len(values) > 1:
            repeated[name] = [_("Give this parameter once.")]
        elif values:
            args[name] = values[0]
    if repeated:
        raise ApiError("invalid_query", _("Some query parameters are not valid."), repeated)
    try:
        return CaseListQuery.model_validate(args)
    except ValidationError as error:
        raise query_error(error) from None


def _load_case(number: str) -> Case:
    """The case with this number if the user may see it; else the same 404 as for a
    number that does not exist."""
    case = db.session.scalar(select(Case).where(Case.number == number)) \
        if CASE_NUMBER.fullmatch(number) else None
    if case is None or not case.can_view(current_user()):
        raise NotFound()
    return case


def _answer(payload: BaseModel, status: int = 200,
            headers: dict[str, str] | None = None) -> tuple[Response, int, dict[str, str]]:
    """Commit the request's work (and the token's last use) once, then answer."""
    db.session.commit()
    return jsonify(dump(payload)), status, headers or {}


# -- routes --------------------------------------------------------------------------------
@bp.get("/openapi.json")
@public
def openapi_document() -> Response:
    return jsonify(openapi.build_document())


@bp.get("/workflow")
def get_workflow() -> Any:
    return _answer(Workflow.model_validate(workflow.describe()))


@bp.get("/cases")
def list_cases() -> Any:
    query = _query()
    page = queries.list_cases(current_user(), query.to_filters(), cursor=query.cursor,
                              page_size=query.limit)
    return _answer(CaseList(items=[CaseSummary.from_case(c) for c in page.cases],
                            next_cursor=page.next_cursor, prev_cursor=page.prev_cursor))


@bp.post("/cases")
def create_case() -> Any:
    user = current_user()
    if not services.can_register(user):
        raise AccessDenied(_("Only caseworkers and managers of a sending office register "
                             "cases."))
    body = _body(CaseCreate)
    case = services.register_case(body.to_registration(), by=user)
    return _answer(CaseOut.for_user(case, user), 201,
                   {"Location": url_for("api.get_case", number=case.number)})


@bp.get("/cases/<number>")
def get_case(number: str) -> Any:
    return _answer(CaseOut.for_user(_load_case(number), current_user()))


@bp.patch("/cases/<number>")
def update_case(number: str) -> Any:
    user = current_user()
    case = _load_case(number)
    if not case.can_edit(user):
        raise AccessDenied()
    body = _body(CaseUpdate)
    services.update_case_details(case, body.to_details(case), by=user,
                                 expected_version=body.version)
    return _answer(CaseOut.for_user(case, user))


@bp.post("/cases/<number>/transitions")
def transition_case(number: str) -> Any:
    user = current_user()
    case = _load_case(number)
    body = _body(TransitionIn)
    event = workflow.transition(case, body.to, by=user, data=body.data)
    return _answer(TransitionOut(event=EventOut.from_event(event), status=case.status,
                                 version=case.version))


@bp.get("/cases/<number>/history")
def case_history(number: str) -> Any:
    user = current_user()
    case = _load_case(number)
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.id)).all()
    asylum = case.can_see_asylum_details(user)
    return _answer(History(items=[EventOut.from_event(e, asylum=asylum) for e in events]))


@bp.post("/duplicates")
def check_duplicates() -> Any:
    user = current_user()
    if not services.can_register(user):
        raise AccessDenied(_("Only caseworkers and managers of a sending office register "
                             "cases."))
    body = _body(DuplicateCheckIn)
    matches = find_duplicates(body.household, viewer=user)
    return _answer(Duplicates(matches=[MatchOut.from_match(m) for m in matches]))


# -- reintegration plan ----------------------------------------------------------------------
def _plan_case(number: str) -> Case:
    """The case, if the user may see it and it has a plan (else 404)."""
    case = _load_case(number)
    if case.plan is None:
        raise NotFound()
    return case


def _line(case: Case, line_id: int) -> PlanLine:
    assert case.plan is not None
    line = next((li for li in case.plan.lines if li.id == line_id), None)
    if line is None:
        raise NotFound()
    return line


def _plan_out(case: Case) -> PlanOut:
    """The plan as the user sees it. An approved plan is explained with the rules version it
    was approved with; a draft with the rules in force."""
    assert case.plan is not None
    rules = None
    if case.plan.entitlement_version:
        rules = db.session.scalar(select(EntitlementRules).where(
            EntitlementRules.version == case.plan.entitlement_version))
    return PlanOut.for_user(case, current_user(), plans.entitlement(case, rules))


@bp.get("/cases/<number>/plan")
def get_plan(number: str) -> Any:
    return _answer(_plan_out(_plan_case(number)))


@bp.post("/cases/<number>/plan/lines")
def add_plan_line(number: str) -> Any:
    user = current_user()
    case = _plan_case(number)
    if not plans.can_edit_lines(case, user):
        raise AccessDenied(_("Plan lines are added by the partner while the plan is a "
                             "draft."))
    body = _body(PlanLineIn)
    line = plans.add_line(case, body.to_data(), by=user)
    return _answer(PlanLineResult(line=PlanLineOut.from_line(line), plan=_plan_out(case)), 201)


@bp.delete("/cases/<number>/plan/lines/<int:line_id>")
def remove_plan_line(number: str, line_id: int) -> Any:
    user = current_user()
    case = _plan_case(number)
    line = _line(case, line_id)
    if not plans.can_edit_lines(case, user):
        raise AccessDenied(_("Plan lines are removed by the partner while the plan is a "
                             "draft."))
    plans.remove_line(case, line, by=user)
    return _answer(_plan_out(case))


@bp.patch("/cases/<number>/plan/lines/<int:line_id>")
def update_plan_line(number: str, line_id: int) -> Any:
    user = current_user()
    case = _plan_case(number)
    line = _line(case, line_id)
    if not plans.can_update_delivery(case, user):
        raise AccessDenied(_("The partner records the delivery of an approved plan."))
    body = _body(PlanLineUpdate)
    plans.update_line_status(case, line, body.status, by=user, delivered_on=body.delivered_on,
                             expected_version=body.version)
    return _answer(PlanLineResult(line=PlanLineOut.from_line(line), plan=_plan_out(case)))


# -- administrative assistance ---------------------------------------------------------------
@bp.get("/service-types")
def list_service_types() -> Any:
    return _answer(ServiceTypes(items=[ServiceTypeOut.from_type(t)
                                       for t in assistance.service_types()]))


@bp.get("/cases/<number>/services")
def list_services(number: str) -> Any:
    case = _load_case(number)
    return _answer(CaseServices.for_user(case, current_user()))


@bp.post("/cases/<number>/services")
def request_service(number: str) -> Any:
    user = current_user()
    case = _load_case(number)
    if not assistance.can_manage_services(case, user):
        raise AccessDenied(_("Services are requested by the partner's reintegration officers "
                             "once the household has arrived."))
    body = _body(ServiceRequestIn)
    created = assistance.request_service(case, body.beneficiary_id, body.service_type_id,
                                         body.requested_on, by=user)
    return _answer(ServiceOut.from_request(created), 201)


def _service(case: Case, service_id: int) -> ServiceRequest:
    found = db.session.get(ServiceRequest, service_id) if service_id <= MAX_ID else None
    if found is None or found.case_id != case.id:
        raise NotFound()
    return found


@bp.patch("/cases/<number>/services/<int:service_id>")
def update_service(number: str, service_id: int) -> Any:
    user = current_user()
    case = _load_case(number)
    service = _service(case, service_id)
    if not assistance.can_manage_services(case, user):
        raise AccessDenied(_("Services are updated by the partner's reintegration officers "
                             "once the household has arrived."))
    body = _body(ServiceUpdate)
    assistance.update_service(service, by=user, expected_version=body.version,
                              **body.to_arguments(service))
    return _answer(ServiceOut.from_request(service))


# -- follow-ups and the RSS ------------------------------------------------------------------
@bp.get("/rss")
def get_rss() -> Any:
    rss = followups.current_rss_version()
    if rss is None:
        raise NotFound()
    return _answer(RssOut.from_version(rss))


def _visits(case: Case) -> list[FollowUpVisit]:
    return list(db.session.scalars(
        select(FollowUpVisit).where(FollowUpVisit.case_id == case.id)
        .options(selectinload(FollowUpVisit.survey).selectinload(RssSurvey.answers),
                 selectinload(FollowUpVisit.officer))
        .order_by(FollowUpVisit.sequence)))


@bp.get("/cases/<number>/followups")
def list_followups(number: str) -> Any:
    user = current_user()
    case = _load_case(number)
    today = date.today()
    return _answer(FollowUps(can_record=followups.can_record_visit(case, user),
                             items=[VisitOut.from_visit(v, case, today)
                                    for v in _visits(case)]))


def _visit(case: Case, visit_id: int) -> FollowUpVisit:
    visit = db.session.scalar(select(FollowUpVisit).where(
        FollowUpVisit.id == visit_id, FollowUpVisit.case_id == case.id)) \
        if visit_id <= MAX_ID else None
    if visit is None:
        raise NotFound()
    return visit


@bp.post("/cases/<number>/followups/<int:visit_id>")
def record_visit(number: str, visit_id: int) -> Any:
    user = current_user()
    case = _load_case(number)
    visit = _visit(case, visit_id)
    if not followups.can_record_visit(case, user):
        raise AccessDenied(_("Only a reintegration officer of the partner organisation "
                             "following this case records its follow-up visits, once the "
                             "arrival is confirmed."))
    body = _body(VisitRecordIn)
    followups.record_visit(visit, by=user, **body.to_arguments(visit))
    return _answer(VisitOut.from_visit(visit, case, date.today()))
