"""Security headers on pages, downloads, the API and static files, and a check that no
template relies on inline script or style (the Content-Security-Policy would block it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from caseflow import headers
from tests import factories
from tests.conftest import make_app

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", ["/login", "/", "/cases/", "/api/v1/cases", "/verify/nope",
                                  "/no-such-page"])
def test_every_answer_carries_the_policy_and_is_not_stored(client, login_as, path):
    login_as("manager")
    response = client.get(path)
    policy = directives(response)
    assert policy["script-src"] == "'self'" and "unsafe-inline" not in response.headers[
        "Content-Security-Policy"]
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_anonymous_pages_are_not_stored_either(client):
    response = client.get("/login")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers


def test_static_files_may_be_cached_and_still_carry_the_policy(client):
    response = client.get("/static/css/caseflow.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_hsts_outside_development_only(tmp_path, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    production = make_app("sqlite:///" + str(tmp_path / "p.db"), tmp_path,
                          CASEFLOW_ENV="production")
    with production.test_request_context("/login"):
        response = production.make_response("x")
        for hook in production.after_request_funcs[None]:
            response = hook(response)
    assert response.headers["Strict-Transport-Security"] == headers.HSTS


@pytest.mark.parametrize("template", sorted(p for p in TEMPLATES.rglob("*.html")
                                            if "pdf" not in p.parts),
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")
    for script in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in script, f"inline script in {template.name}: {script}"
    for body in re.findall(r"<script\b[^>]*>(.*?)</script>", text, flags=re.S):
        assert not body.strip(), f"script body in {template.name}"
    assert "<style" not in text, f"inline <style> in {template.name}"
    assert not re.search(r"\sstyle=\"", text), f"style attribute in {template.name}"
    assert not re.search(r"\son[a-z]+=\"", text), f"event handler attribute in {template.name}"


def test_the_session_cookie_is_http_only_and_same_site(client):
    user = factories.make_user()
    response = client.post("/login", data={"email": user.email,
                                           "password": factories.PASSWORD})
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
