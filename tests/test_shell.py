"""The UI shell: role dashboards and navigation, error pages, local assets."""

import re

import pytest

from caseflow.accounts.models import Role
from tests.conftest import make_app


@pytest.mark.parametrize("role, expected", [
    (Role.caseworker, "My cases"),
    (Role.reintegration_officer, "Referrals to accept"),
    (Role.manager, "Applications awaiting your decision"),
    (Role.admin, "Active users"),
])
def test_each_role_has_its_dashboard(client, login_as, role, expected):
    user = login_as(role)
    page = client.get("/").text
    assert expected in page
    assert user.full_name in page and user.office.name in page
    assert ("/admin/users" in page) is (role is Role.admin)


def test_empty_states_are_honest(client, login_as):
    login_as(Role.caseworker)
    page = client.get("/").text
    assert "No open case is assigned to you." in page
    assert "No departures booked for the coming week." in page


def test_not_found_page(client, login_as):
    login_as(Role.caseworker)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_server_error_page_shows_no_internals(databases, tmp_path):
    app = make_app(databases.new("errors"), tmp_path, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail /etc/caseflow")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


def test_assets_are_served_locally(client):
    page = client.get("/login").text
    external = re.findall(r'(?:src|href)="(https?:)?//', page)
    assert external == []
    css = client.get("/static/css/caseflow.css")
    assert css.status_code == 200 and "font-family" in css.text


def test_layout_fits_a_phone(client):
    page = client.get("/login").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media (max-width: 40rem)" in client.get("/static/css/caseflow.css").text


def test_times_are_shown_in_the_configured_zone(client, login_as):
    from datetime import UTC, datetime

    from caseflow.extensions import db

    admin = login_as("admin")
    admin.last_login_at = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 next day in Brussels
    db.session.commit()
    assert "2 Jul 2026, 00:30" in client.get("/admin/users").text
