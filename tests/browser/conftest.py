"""A real caseflow server on a fresh database, and a real Chromium driven by Playwright."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import flask_migrate
import pytest
from werkzeug.serving import make_server

from caseflow.demo.services import load_demo
from caseflow.extensions import db
from caseflow.reference import load_reference_data
from tests.conftest import make_app
from tests.services import CHROMIUM, CHROMIUM_ARGS, require_chromium


@pytest.fixture(autouse=True)
def db_session() -> Iterator[None]:
    """The server commits for real on its own database: no per-test rollback here."""
    yield None


@pytest.fixture(scope="session")
def live_app(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app behind the live server, for setting up data the browser then works with."""
    app = make_app(databases.new("browser"), tmp_path_factory.mktemp("browser"),
                   WTF_CSRF_ENABLED=True)
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Any) -> str:
    return live_app.config["LIVE_URL"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
