"""The OpenAPI 3.1 document of API v1, served at GET /api/v1/openapi.json.

Bodies and query parameters come from the pydantic models of schemas.py, so they cannot drift
from what the views accept and send; tests/api/test_openapi.py checks that every route is
documented and every documented operation is a route.

Paths are relative to the one server, /api/v1 (the blueprint's url_prefix).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from caseflow.api import schemas
from caseflow.api.errors import CODES

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
JSON = "application/json"

REQUESTS: tuple[type[BaseModel], ...] = (
    schemas.CaseCreate, schemas.CaseUpdate, schemas.TransitionIn, schemas.DuplicateCheckIn,
    schemas.PlanLineIn, schemas.PlanLineUpdate, schemas.ServiceRequestIn,
    schemas.ServiceUpdate, schemas.VisitRecordIn, schemas.CaseListQuery)
RESPONSES: tuple[type[BaseModel], ...] = (
    schemas.Workflow, schemas.CaseList, schemas.CaseOut, schemas.TransitionOut,
    schemas.History, schemas.Duplicates, schemas.PlanOut, schemas.PlanLineResult,
    schemas.ServiceTypes, schemas.CaseServices, schemas.ServiceOut, schemas.FollowUps,
    schemas.VisitOut, schemas.RssOut, schemas.ErrorOut)

ERRORS = {
    "400": ("BadRequest", "The body is not JSON (`malformed_json`) or not a JSON object "
            "(`invalid_body`), or a query parameter is not valid (`invalid_query`)."),
    "401": ("Unauthorized", "No token, or a token that is not valid or was revoked "
            "(`unauthorized`). The answer has a `WWW-Authenticate: Bearer` header."),
    "403": ("Forbidden", "You may see this case but not do this (`forbidden`)."),
    "404": ("NotFound", "No such case, or one you may not see: the two answers are the same "
            "(`not_found`). Also: the case has no plan, or no line, service or visit of "
            "that id."),
    "409": ("Conflict", "`duplicates` (details.matches), `stale` (details.current_version, "
            "details.changes), or a refused stage change: `wrong_stage`, `wrong_role`, "
            "`not_your_case`, `precondition` (details: {field or \"\": [messages]})."),
    "413": ("TooLarge", "The body is larger than the server accepts (`too_large`)."),
    "422": ("Unprocessable", "Fields of the body are not valid (`validation`), or the stage "
            "data of a move is missing (`missing_data`) or not valid (`invalid_data`); "
            "details maps each field's path (household.0.date_of_birth, answers.12) to its "
            "messages."),
}


def _schema_components() -> tuple[dict[str, Any], dict[str, Any]]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        *((m, "validation") for m in REQUESTS), *((m, "serialization") for m in RESPONSES)]
    _refs, top = models_json_schema(models, ref_template=REF)
    components: dict[str, Any] = top.get("$defs", {})
    # Query parameters are described one by one, not as a body schema.
    query = components.pop(schemas.CaseListQuery.__name__)
    return components, query


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(model)}}}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": _ref(model)}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {status: {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
            for status in statuses}


def _query_parameters(query: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = []
    for name, prop in query["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": False,
                                     "schema": prop}
        if description:
            parameter["description"] = description
        if prop.get("type") == "array":
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


NUMBER = {"name": "number", "in": "path", "required": True,
          "description": "The case number.", "example": "BE-2026-000123",
          "schema": {"type": "string", "pattern": r"^BE-\d{4}-\d{6}$"}}


def _id_parameter(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer", "minimum": 0}}


LINE_ID = _id_parameter("line_id", "A line of the case's plan (PlanLineOut.id).")
SERVICE_ID = _id_parameter("service_id", "A service request of the case (ServiceOut.id).")
VISIT_ID = _id_parameter("visit_id", "A follow-up visit of the case (VisitOut.id).")
WRITE_ERRORS = ("400", "401", "403", "404", "409", "413", "422")


def _after_arrival_paths() -> dict[str, Any]:
    """Plans, administrative assistance and follow-ups: the partner's reintegration officer
    changes them after the arrival; whoever may see the case reads them."""
    return {
        "/cases/{number}/plan": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "getPlan", "tags": ["reintegration"],
                "summary": "The reintegration plan with its lines, budget and entitlement.",
                "description": "Amounts are exact decimal text (\"1200.50\"). The plan is "
                               "created, submitted and approved by moves of POST "
                               "/cases/{number}/transitions (draft_plan, submit_plan, "
                               "approve_plan...). 404 when the case has no plan yet.",
                "responses": {"200": _json(schemas.PlanOut, "The plan."),
                              **_errors("401", "404")}}},
        "/cases/{number}/plan/lines": {
            "parameters": [NUMBER],
            "post": {
                "operationId": "addPlanLine", "tags": ["reintegration"],
                "summary": "Add a line to the draft plan.",
                "description": "The partner's reintegration officer, while the plan is "
                               "drafted.",
                "requestBody": _body(schemas.PlanLineIn),
                "responses": {"201": _json(schemas.PlanLineResult, "The new line and the "
                                           "plan with it."), **_errors(*WRITE_ERRORS)}}},
        "/cases/{number}/plan/lines/{line_id}": {
            "parameters": [NUMBER, LINE_ID],
            "delete": {
                "operationId": "removePlanLine", "tags": ["reintegration"],
                "summary": "Remove a line of the draft plan.",
                "description": "The partner's reintegration officer, while the plan is "
                               "drafted.",
                "responses": {"200": _json(schemas.PlanOut, "The plan without the line."),
                              **_errors("401", "403", "404", "409")}},
            "patch": {
                "operationId": "updatePlanLine", "tags": ["reintegration"],
                "summary": "Record the delivery of a line of the approved plan.",
                "description": "The partner's reintegration officer, once the plan is "
                               "approved or in implementation.",
                "requestBody": _body(schemas.PlanLineUpdate),
                "responses": {"200": _json(schemas.PlanLineResult, "The line and the plan."),
                              **_errors(*WRITE_ERRORS)}}},
        "/service-types": {"get": {
            "operationId": "listServiceTypes", "tags": ["assistance"],
            "summary": "The active types of administrative assistance, in checklist order.",
            "responses": {"200": _json(schemas.ServiceTypes, "The service types."),
                          **_errors("401")}}},
        "/cases/{number}/services": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "listServices", "tags": ["assistance"],
                "summary": "The household's administrative assistance: every request and "
                           "the checklist per person.",
                "responses": {"200": _json(schemas.CaseServices, "The services."),
                              **_errors("401", "404")}},
            "post": {
                "operationId": "requestService", "tags": ["assistance"],
                "summary": "Request a service for a person of the household.",
                "description": "The partner's reintegration officer, after the arrival. A "
                               "second open request of the same service for the same person "
                               "is refused (422 on service_type_id).",
                "requestBody": _body(schemas.ServiceRequestIn),
                "responses": {"201": _json(schemas.ServiceOut, "The new request."),
                              **_errors(*WRITE_ERRORS)}}},
        "/cases/{number}/services/{service_id}": {
            "parameters": [NUMBER, SERVICE_ID],
            "patch": {
                "operationId": "updateService", "tags": ["assistance"],
                "summary": "Follow a service to its outcome.",
                "description": "requested -> in_progress -> completed or not_possible (both "
                               "final). Send the version you read: 409 `stale` "
                               "(details.current_version) if someone saved it since.",
                "requestBody": _body(schemas.ServiceUpdate),
                "responses": {"200": _json(schemas.ServiceOut, "The request as saved."),
                              **_errors(*WRITE_ERRORS)}}},
        "/rss": {"get": {
            "operationId": "getRss", "tags": ["followups"],
            "summary": "The current Reintegration Sustainability Survey.",
            "description": "Indicators with their answer options and scores, and the "
                           "dimension weights. 404 when no questionnaire is set up.",
            "responses": {"200": _json(schemas.RssOut, "The questionnaire."),
                          **_errors("401", "404")}}},
        "/cases/{number}/followups": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "listFollowUps", "tags": ["followups"],
                "summary": "The follow-up visits, due and done, with their survey scores.",
                "responses": {"200": _json(schemas.FollowUps, "The visits."),
                              **_errors("401", "404")}}},
        "/cases/{number}/followups/{visit_id}": {
            "parameters": [NUMBER, VISIT_ID],
            "post": {
                "operationId": "recordVisit", "tags": ["followups"],
                "summary": "Record (or correct) a follow-up visit and its RSS survey.",
                "description": "The partner's reintegration officer, after the arrival. Send "
                               "the visit's version you read: 409 `stale` (details.changes) "
                               "if someone saved it since.",
                "requestBody": _body(schemas.VisitRecordIn),
                "responses": {"200": _json(schemas.VisitOut, "The visit as saved."),
                              **_errors(*WRITE_ERRORS)}}},
    }


def _paths(query: dict[str, Any]) -> dict[str, Any]:
    return {
        "/openapi.json": {"get": {
            "operationId": "getOpenApi", "tags": ["meta"], "security": [],
            "summary": "This document (no token needed).",
            "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                                  "content": {JSON: {"schema": {"type": "object"}}}}}}},
        "/workflow": {"get": {
            "operationId": "getWorkflow", "tags": ["meta"],
            "summary": "The stages of a case and the moves between them.",
            "description": "Which role makes each move and which stage data it needs.",
            "responses": {"200": _json(schemas.Workflow, "The transition table."),
                          **_errors("401")}}},
        "/cases": {
            "get": {
                "operationId": "listCases", "tags": ["cases"],
                "summary": "Cases you may see, newest first, a page at a time.",
                "description": "Follow next_cursor / prev_cursor (with the same filters and "
                               "sort) to page through.",
                "parameters": _query_parameters(query),
                "responses": {"200": _json(schemas.CaseList, "One page of cases."),
                              **_errors("400", "401")}},
            "post": {
                "operationId": "createCase", "tags": ["cases"],
                "summary": "Register a case with its household.",
                "description": "Caseworkers and managers of a sending office. When the "
                               "household looks like people already registered the answer "
                               "is 409 `duplicates`; resend with duplicate_reason.",
                "requestBody": _body(schemas.CaseCreate),
                "responses": {
                    "201": {**_json(schemas.CaseOut, "The new case."), "headers": {
                        "Location": {"description": "The case's address.",
                                     "schema": {"type": "string"}}}},
                    **_errors("400", "401", "403", "409", "413", "422")}}},
        "/cases/{number}": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "getCase", "tags": ["cases"],
                "summary": "One case with its household.",
                "responses": {"200": _json(schemas.CaseOut, "The case."),
                              **_errors("401", "404")}},
            "patch": {
                "operationId": "updateCase", "tags": ["cases"],
                "summary": "Change the country, municipality or assignee.",
                "requestBody": _body(schemas.CaseUpdate),
                "responses": {"200": _json(schemas.CaseOut, "The case as saved."),
                              **_errors("400", "401", "403", "404", "409", "413", "422")}}},
        "/cases/{number}/transitions": {
            "parameters": [NUMBER],
            "post": {
                "operationId": "transitionCase", "tags": ["cases"],
                "summary": "Move the case to another stage.",
                "requestBody": _body(schemas.TransitionIn),
                "responses": {"200": _json(schemas.TransitionOut, "The history event and "
                                           "the case's new status and version."),
                              **_errors("400", "401", "404", "409", "413", "422")}}},
        "/cases/{number}/history": {
            "parameters": [NUMBER],
            "get": {
                "operationId": "getCaseHistory", "tags": ["cases"],
                "summary": "The case's timeline, oldest first.",
                "responses": {"200": _json(schemas.History, "The events."),
                              **_errors("401", "404")}}},
        "/duplicates": {"post": {
            "operationId": "findDuplicates", "tags": ["cases"],
            "summary": "People already in caseflow who look like a household.",
            "description": "Cases you may not see are named by number and office only.",
            "requestBody": _body(schemas.DuplicateCheckIn),
            "responses": {"200": _json(schemas.Duplicates, "Likely matches, best first."),
                          **_errors("400", "401", "403", "413", "422")}}},
        **_after_arrival_paths(),
    }


@cache
def build_document() -> dict[str, Any]:
    """The whole document (built once per process: it depends on the code only)."""
    components, query = _schema_components()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "caseflow API",
            "version": "1.0.0",
            "description": (
                "Case management for Assisted Voluntary Return and Reintegration. Every "
                "operation but this document needs a personal token "
                "(`Authorization: Bearer <token>`; an administrator makes one with "
                "`flask users token EMAIL --name NAME`) and follows the same access rules "
                "as the pages. Errors are JSON: {\"error\": {\"code\", \"message\", "
                "\"details\"}}; codes: " + ", ".join(CODES) + "."),
        },
        "servers": [{"url": PREFIX}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": "cases"}, {"name": "reintegration"}, {"name": "assistance"},
                 {"name": "followups"}, {"name": "meta"}],
        "paths": _paths(query),
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A personal API token (starts with cf_)."}},
            "schemas": components,
            "responses": {name: {"description": text, "content": {
                JSON: {"schema": _ref(schemas.ErrorOut)}}}
                for name, text in ERRORS.values()},
        },
    }
