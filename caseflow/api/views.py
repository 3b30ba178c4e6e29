"""JSON API v1: bearer-token access to cases, with the same rules as the pages.

Each view: parse the request (schemas.py), load the case or 404, check access, call the
service, commit once, answer. Errors become JSON in errors.py; the OpenAPI document that
describes these routes is built in openapi.py (tests/api/test_openapi.py keeps them in step).
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from caseflow.api import errors, openapi
from caseflow.api.auth import authenticate, current_user, public
from caseflow.api.errors import ApiError, body_error, query_error
from caseflow.api.schemas import (
    CaseCreate,
    CaseList,
    CaseListQuery,
    CaseOut,
    CaseSummary,
    CaseUpdate,
    DuplicateCheckIn,
    Duplicates,
    EventOut,
    History,
    MatchOut,
    TransitionIn,
    TransitionOut,
    Workflow,
    dump,
)
from caseflow.cases import queries, services, workflow
from caseflow.cases.duplicates import find_duplicates
from caseflow.cases.models import Case, CaseEvent
from caseflow.errors import AccessDenied, NotFound
from caseflow.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)
errors.register(bp)

CASE_NUMBER = re.compile(r"BE-\d{4}-\d{6}")
M = TypeVar("M", bound=BaseModel)


# -- helpers -------------------------------------------------------------------------------
def _body(model: type[M]) -> M:
    try:
        return model.model_validate_json(request.get_data(cache=False))
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
