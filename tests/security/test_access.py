"""Access control over every route (issue 6, point 2): the declared table in access_table.py
covers app.url_map exactly, and every principal gets the declared answer from every route.

Each request runs inside a savepoint that is rolled back afterwards, so that one request (an
allowed deactivation, a stage move) does not change the world the next one sees, and the
client's cookies are put back, so that a login, a logout or a language switch does not carry
over. A refused request must leave every table as it was; the audit trail, which records
refusals, and "last used" bookkeeping are left out of that comparison.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from caseflow.db import Base
from caseflow.extensions import db
from tests.security.access_table import (
    EXCLUDED,
    OK,
    TABLE,
    AccessWorld,
    Entry,
    Principal,
    build_world,
    category,
    variants,
)

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Tables a refused request may write to: the audit trail records the refusal itself.
BOOKKEEPING_TABLES = {"audit_entries", "audit_head", "audit_keys"}


def route_methods(app: Flask) -> dict[str, set[str]]:
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in EXCLUDED:
            methods.setdefault(rule.endpoint, set()).update(
                (rule.methods or set()) - IGNORED_METHODS)
    return methods


def route_paths(app: Flask) -> dict[str, str]:
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}


def test_the_table_names_every_route_and_nothing_else(app: Flask) -> None:
    routes = route_methods(app)
    paths = route_paths(app)
    problems = [f"{endpoint} ({', '.join(sorted(routes[endpoint]))} {paths[endpoint]}): a "
                f"route without an entry in tests/security/access_table.py TABLE; declare "
                f"who may call it" for endpoint in sorted(set(routes) - set(TABLE))]
    problems += [f"{endpoint}: an entry for a route that does not exist"
                 for endpoint in sorted(set(TABLE) - set(routes) - EXCLUDED)]
    problems += [f"{endpoint}: {entry.label or 'the entry'} tries {sorted(entry.methods)}, "
                 f"the route answers {sorted(methods)}"
                 for endpoint, methods in sorted(routes.items()) if endpoint in TABLE
                 for entry in variants(endpoint) if set(entry.methods) != methods]
    assert not problems, "\n".join(problems)


# -- walking the table -----------------------------------------------------------------------
def fingerprint() -> dict[str, str]:
    """A digest of every table's rows, "last_*" columns (last login, last use) left out."""
    digests = {}
    for table in Base.metadata.sorted_tables:
        if table.name in BOOKKEEPING_TABLES:
            continue
        columns = [c for c in table.columns if not c.name.startswith("last_")]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


@pytest.fixture
def isolated(client: FlaskClient) -> Callable[..., tuple[Any, list[str]]]:
    """Run `call` (a request) in a savepoint rolled back afterwards, with the client's cookies
    put back; return what `call` returned and, with `check`, the tables it changed."""
    baseline: dict[str, dict[str, str]] = {}

    def run(call: Callable[[], Any], check: bool) -> tuple[Any, list[str]]:
        db.session.commit()
        if check and "digests" not in baseline:
            baseline["digests"] = fingerprint()
            db.session.commit()
        # The test client keeps no public copy of its cookie jar.
        cookies = dict(client._cookies)
        connection = db.session.get_bind()
        savepoint = connection.begin_nested()
        try:
            response = call()
            changed = []
            if check:
                after = fingerprint()
                changed = sorted(name for name, digest in after.items()
                                 if baseline["digests"].get(name) != digest)
        finally:
            db.session.rollback()
            savepoint.rollback()
            db.session.expire_all()
            client._cookies.clear()
            client._cookies.update(cookies)
        return response, changed

    return run


def ordered() -> list[tuple[str, Entry]]:
    """The table's entries, those that end the session last."""
    entries = [(endpoint, entry) for endpoint in TABLE for entry in variants(endpoint)]
    return sorted(entries, key=lambda item: item[1].last)


def send(client: FlaskClient, app: Flask, world: AccessWorld, endpoint: str, entry: Entry,
         method: str) -> Any:
    url = app.url_map.bind("localhost").build(endpoint, entry.values(world), method=method)
    if entry.before is not None:
        entry.before(client, world)
    if entry.api:
        kwargs: dict[str, Any] = {"headers": world.headers}
        if method != "GET":
            kwargs["json"] = entry.body(world)
    else:
        kwargs = {"data": entry.body(world)} if method != "GET" else {}
    return client.open(url, method=method, **kwargs)


@pytest.mark.parametrize("principal", list(Principal), ids=str)
def test_every_route_answers_each_principal_as_declared(
        principal: Principal, app: Flask, client: FlaskClient,
        login_as: Callable[..., Any], isolated: Callable[..., Any]) -> None:
    world = build_world(principal, login_as)
    mismatches = []
    for endpoint, entry in ordered():
        for method in entry.methods:
            expected = entry.expect[principal]
            response, changed = isolated(
                lambda e=endpoint, en=entry, m=method: send(client, app, world, e, en, m),
                check=expected != OK)
            got = category(response.status_code, response.headers.get("Location"), entry.api)
            what = f"{method} {endpoint}" + (f" ({entry.label})" if entry.label else "")
            if got != expected:
                mismatches.append(f"{what} as {principal}: expected {expected}, "
                                  f"got {got} ({response.status_code} "
                                  f"{response.headers.get('Location') or ''})".rstrip())
            if changed:
                mismatches.append(f"{what} as {principal}: refused, yet it "
                                  f"changed {', '.join(changed)}")
    assert not mismatches, f"{len(mismatches)} answers differ from the table:\n" + \
        "\n".join(mismatches)
