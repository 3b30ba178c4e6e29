"""The OpenAPI document: every API route documented, nothing documented that is not a route,
a valid OpenAPI 3.1 document whose references all resolve, and answers that match it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from caseflow.api.auth import is_public
from caseflow.api.errors import CODES
from caseflow.api.openapi import PREFIX, build_document
from tests import factories
from tests.services import require

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # added to every route by Flask and Werkzeug


def api_routes(app: Any) -> dict[tuple[str, str], str]:
    """{(documented path, method): endpoint} of every rule under /api/v1."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        for method in rule.methods - IGNORED_METHODS:
            routes[(path, method.lower())] = rule.endpoint
    return routes


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items()
            for method in item if method in METHODS}


def test_every_route_is_documented_and_every_documented_operation_exists(app):
    routes = api_routes(app)
    operations = documented(build_document())
    assert routes, "no API routes found: is the blueprint registered?"
    assert set(routes) - operations == set(), "routes missing from the OpenAPI document"
    assert operations - set(routes) == set(), "documented operations that are not routes"


def test_documented_security_matches_the_views(app):
    document = build_document()
    with app.test_request_context():
        for (path, method), endpoint in api_routes(app).items():
            operation = document["paths"][path][method]
            needs_token = operation.get("security", document["security"]) != []
            assert needs_token is not is_public(endpoint), (path, method)


def test_path_parameters_are_declared(app):
    document = build_document()
    for path, item in document["paths"].items():
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        for method in METHODS & set(item):
            declared |= {p["name"] for p in item[method].get("parameters", [])
                         if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), path


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_reference_resolves():
    document = build_document()
    refs = _refs(document)
    assert "#/components/schemas/CaseCreate" in refs
    for ref in refs:
        assert _resolve(document, ref) is not None, ref


def test_the_document_is_valid_openapi_3_1():
    try:
        from openapi_spec_validator import validate
    except ImportError:  # pragma: no cover - a dev dependency
        validate = None
    require("openapi-spec-validator", validate is not None,
            "pip install -e '.[dev]' (it is a dev dependency)")
    document = build_document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_error_codes_are_documented():
    document = build_document()
    error = document["components"]["schemas"]["ErrorBody"]
    assert error["properties"]["code"]["enum"] == list(CODES)
    for response in document["components"]["responses"].values():
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"}


def test_the_document_is_served_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["servers"] == [{"url": PREFIX}]
    assert body["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


@pytest.fixture
def validator() -> Any:
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - comes with openapi-spec-validator
        jsonschema = None
    require("jsonschema", jsonschema is not None, "pip install -e '.[dev]'")
    document = build_document()

    def check(instance: Any, schema_name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}",
                  "components": document["components"]}
        jsonschema.Draft202012Validator(schema).validate(instance)

    return check


def test_answers_match_their_documented_schemas(client, validator):
    from caseflow.accounts.tokens import create_token
    from caseflow.extensions import db

    user = factories.make_user()
    case = factories.make_case(by=user)
    _token, secret = create_token(user, "docs")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}

    validator(client.get("/api/v1/workflow", headers=headers).get_json(), "Workflow")
    validator(client.get("/api/v1/cases", headers=headers).get_json(), "CaseList")
    validator(client.get(f"/api/v1/cases/{case.number}", headers=headers).get_json(),
              "CaseOut")
    validator(client.get(f"/api/v1/cases/{case.number}/history",
                         headers=headers).get_json(), "History")
    validator(client.get("/api/v1/nope", headers=headers).get_json(), "ErrorOut")
    validator(client.post("/api/v1/cases", headers=headers, json={}).get_json(), "ErrorOut")
    with pytest.raises(Exception, match="required"):
        validator({"items": []}, "CaseList")  # the check itself can fail


def test_answers_after_the_arrival_match_their_documented_schemas(client, validator):
    from datetime import date

    from caseflow.accounts.tokens import create_token
    from caseflow.assistance.services import request_service, service_types
    from caseflow.cases.models import CaseStatus
    from caseflow.extensions import db
    from caseflow.followups.services import current_rss_version
    from caseflow.people.models import Vulnerability
    from tests.cases.helpers import add_plan_line, case_at

    case, world = case_at(CaseStatus.plan_drafted, household=[factories.person_data(
        vulnerabilities=[Vulnerability.pregnant])])
    add_plan_line(case, world, amount="120.50")
    service = request_service(case, case.principal.id, service_types()[0].id, date.today(),
                              by=world.officer)
    _token, secret = create_token(world.officer, "docs")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    base = f"/api/v1/cases/{case.number}"
    today = date.today().isoformat()

    validator(client.get(f"{base}/plan", headers=headers).get_json(), "PlanOut")
    added = client.post(f"{base}/plan/lines", headers=headers, json={
        "kind": "housing", "description": "Rent", "amount": "10"})
    assert added.status_code == 201
    validator(added.get_json(), "PlanLineResult")
    validator(client.get("/api/v1/service-types", headers=headers).get_json(), "ServiceTypes")
    validator(client.get(f"{base}/services", headers=headers).get_json(), "CaseServices")
    updated = client.patch(f"{base}/services/{service.id}", headers=headers,
                           json={"version": service.version, "fees_paid": 3})
    assert updated.status_code == 200
    validator(updated.get_json(), "ServiceOut")
    validator(client.get("/api/v1/rss", headers=headers).get_json(), "RssOut")
    visits = client.get(f"{base}/followups", headers=headers).get_json()
    validator(visits, "FollowUps")
    rss = current_rss_version()
    first = rss.indicators[0]
    recorded = client.post(f"{base}/followups/{visits['items'][0]['id']}", headers=headers,
                           json={"version": visits["items"][0]["version"], "done_on": today,
                                 "mode": "phone",
                                 "answers": {str(first.id): first.options[0].id}})
    assert recorded.status_code == 200, recorded.get_json()
    validator(recorded.get_json(), "VisitOut")
    validator(client.get(f"{base}/followups", headers=headers).get_json(), "FollowUps")
