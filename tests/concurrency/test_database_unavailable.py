"""A database that cannot be reached gives a clear 503, not a 500 (unit level, in process).

The app points at a PostgreSQL port nobody listens on; no server is needed. The live-server
test of the same rule, with a cut and restored connection, is in test_faults.py.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from flask import Flask

from caseflow.accounts.tokens import TOKEN_PREFIX
from tests.conftest import make_app

INTERNALS = ("Traceback", "psycopg", "OperationalError", "sqlalchemy", "127.0.0.1", "SELECT")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable_app(tmp_path: Path) -> Flask:
    return make_app(f"postgresql://postgres@127.0.0.1:{closed_port()}/caseflow", tmp_path,
                    CASEFLOW_ENV="production")


def assert_no_internals(text: str) -> None:
    for word in INTERNALS:
        assert word not in text, f"the error answer shows {word!r}"


def test_page_answers_503_with_retry_after(unreachable_app: Flask) -> None:
    client = unreachable_app.test_client()
    with client.session_transaction() as session:
        # A logged-in session, as caseflow.accounts.sessions writes it: the page has to
        # load the user from the database.
        session["_user_id"] = "1:0"
        session["_fresh"] = True
        session["login_at"] = session["seen_at"] = int(time.time())
    response = client.get("/")
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Temporarily unavailable" in text
    assert "Nothing was saved" in text
    assert_no_internals(text)


def test_login_post_answers_503(unreachable_app: Flask) -> None:
    response = unreachable_app.test_client().post(
        "/login", data={"email": "someone@example.org", "password": "x" * 14})
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.get_data(as_text=True)


def test_api_answers_503_json(unreachable_app: Flask) -> None:
    response = unreachable_app.test_client().get(
        "/api/v1/cases", headers={"Authorization": f"Bearer {TOKEN_PREFIX}{'x' * 40}"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.is_json
    assert response.get_json()["error"]["code"] == "unavailable"
    assert_no_internals(response.get_data(as_text=True))
