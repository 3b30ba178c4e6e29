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
    schemas.CaseListQuery)
RESPONSES: tuple[type[BaseModel], ...] = (
    schemas.Workflow, schemas.CaseList, schemas.CaseOut, schemas.TransitionOut,
    schemas.History, schemas.Duplicates, schemas.ErrorOut)

ERRORS = {
    "400": ("BadRequest", "The body is not JSON (`malformed_json`) or not a JSON object "
            "(`invalid_body`), or a query parameter is not valid (`invalid_query`)."),
    "401": ("Unauthorized", "No token, or a token that is not valid or was revoked "
            "(`unauthorized`). The answer has a `WWW-Authenticate: Bearer` header."),
    "403": ("Forbidden", "You may see this case but not do this (`forbidden`)."),
    "404": ("NotFound", "No such case, or one you may not see: the two answers are the same "
            "(`not_found`)."),
    "409": ("Conflict", "`duplicates` (details.matches), `stale` (details.current_version, "
            "details.changes), or a refused stage change: `wrong_stage`, `wrong_role`, "
            "`not_your_case`, `precondition` (details: {field or \"\": [messages]})."),
    "413": ("TooLarge", "The body is larger than the server accepts (`too_large`)."),
    "422": ("Unprocessable", "Fields of the body are not valid (`validation`), or the stage "
            "data of a move is missing (`missing_data`) or not valid (`invalid_data`); "
            "details maps each field's path (household.0.date_of_birth) to its messages."),
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
        "tags": [{"name": "cases"}, {"name": "meta"}],
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
