"""Sessions: renewed at login, ended everywhere at once, timed out; a replayed cookie is refused."""

import json
import time

import pytest
from sqlalchemy import select

from caseflow.accounts.models import Role
from caseflow.audit.models import AuditEntry
from caseflow.extensions import db
from tests import factories


def copy_session(source, target):
    """`target` gets the same session cookie as `source`: a stolen or replayed cookie."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


@pytest.fixture
def other(app):
    """A second browser."""
    return app.test_client()


def security_events(user):
    rows = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "security", AuditEntry.target == "user",
        AuditEntry.target_id == str(user.id))).all()
    return [json.loads(row.details).get("event") for row in rows]


def test_the_login_id_carries_the_session_generation(db_session):
    user = factories.make_user()
    assert user.get_id() == f"{user.id}:0"


def test_a_fresh_session_at_login_drops_what_was_planted_before(client):
    user = factories.make_user()
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    assert factories.log_in(client, user).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:0"
    assert client.get_cookie("session").value != before


def test_a_replayed_cookie_is_refused_after_logout(client, other, login_as):
    login_as(Role.caseworker)
    copy_session(client, other)
    assert other.get("/").status_code == 200  # the copy works while the session lives

    assert client.post("/logout").status_code == 302
    replay = other.get("/")
    assert replay.status_code == 302 and replay.location.startswith("/login")


def test_logout_ends_the_sessions_on_every_device(app, client, other):
    user = factories.make_user()
    db.session.commit()
    factories.log_in(client, user)
    factories.log_in(other, user)
    assert other.get("/").status_code == 200
    client.post("/logout")
    assert other.get("/").status_code == 302
    logouts = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "logout", AuditEntry.user_id == user.id)).all()
    assert len(logouts) == 1


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(
        client, other, login_as):
    admin = login_as(Role.admin)
    user = factories.make_user(office=admin.office)
    db.session.commit()
    factories.log_in(other, user)
    stolen = other.get_cookie("session").value
    assert other.get("/").status_code == 200

    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert other.get("/").status_code == 302
    client.post(f"/admin/users/{user.id}/reactivate")
    db.session.refresh(user)
    assert user.is_active
    other.set_cookie("session", stolen)
    assert other.get("/").status_code == 302
    assert "sessions ended" in security_events(user)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(client, other):
    user = factories.make_user()
    db.session.commit()
    factories.log_in(client, user)
    factories.log_in(other, user)
    new = "a much better passphrase"
    response = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": new, "confirm_password": new})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    events = security_events(user)
    assert "password changed" in events and "sessions ended" in events


def test_an_admin_logs_a_user_out_everywhere(client, other, login_as):
    admin = login_as(Role.admin)
    user = factories.make_user(office=admin.office)
    db.session.commit()
    factories.log_in(other, user)
    confirm = client.get(f"/admin/users/{user.id}/end-sessions")
    assert confirm.status_code == 200 and "Log out everywhere" in confirm.text
    response = client.post(f"/admin/users/{user.id}/end-sessions")
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200  # the admin's own session goes on
    assert "sessions ended" in security_events(user)


def test_only_admins_end_other_peoples_sessions(client, login_as):
    manager = login_as(Role.manager)
    user = factories.make_user(office=manager.office)
    db.session.commit()
    assert client.post(f"/admin/users/{user.id}/end-sessions").status_code == 403


def test_a_deactivated_users_api_token_stops_working(client, login_as):
    from caseflow.accounts.tokens import create_token

    admin = login_as(Role.admin)
    user = factories.make_user(office=admin.office)
    _token, secret = create_token(user, "script")
    db.session.commit()
    api = {"Authorization": f"Bearer {secret}"}
    other = client.application.test_client()
    assert other.get("/api/v1/cases", headers=api).status_code == 200
    client.post(f"/admin/users/{user.id}/deactivate")
    assert other.get("/api/v1/cases", headers=api).status_code == 401


# -- timeouts -------------------------------------------------------------------------------
def age_session(client, *, idle_seconds=0, since_login_seconds=0):
    now = int(time.time())
    with client.session_transaction() as session:
        session["seen_at"] = now - idle_seconds
        session["login_at"] = now - max(since_login_seconds, idle_seconds)


def test_an_idle_session_expires(app, client, login_as):
    login_as(Role.caseworker)
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    age_session(client, idle_seconds=idle - 60)
    assert client.get("/").status_code == 200  # and the activity counts again from now
    age_session(client, idle_seconds=idle + 5)
    response = client.get("/cases/?page=2")
    assert response.status_code == 302
    assert response.location == "/login?next=/cases/?page%3D2"
    page = client.get(response.location)
    assert "Your session expired. Please log in again." in page.text
    assert client.get("/").status_code == 302


def test_a_session_ends_after_the_absolute_limit_even_when_active(app, client, login_as):
    login_as(Role.caseworker)
    age_session(client, since_login_seconds=app.config["SESSION_MAX_HOURS"] * 3600 - 60)
    assert client.get("/").status_code == 200
    age_session(client, since_login_seconds=app.config["SESSION_MAX_HOURS"] * 3600 + 1)
    assert client.get("/").location.startswith("/login")


def test_each_request_counts_as_activity(client, login_as):
    login_as(Role.caseworker)
    age_session(client, idle_seconds=600)
    client.get("/")
    with client.session_transaction() as session:
        assert int(time.time()) - session["seen_at"] < 5


def test_a_session_without_timestamps_is_refused(client, login_as):
    """A cookie from before the timeouts existed, or forged without them."""
    login_as(Role.caseworker)
    with client.session_transaction() as session:
        del session["login_at"]
    assert client.get("/").status_code == 302


def test_the_api_is_not_touched_by_session_timeouts(client, login_as):
    from caseflow.accounts.tokens import create_token

    user = login_as(Role.caseworker)
    _token, secret = create_token(user, "script")
    db.session.commit()
    age_session(client, idle_seconds=10 * 3600)
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_timeouts_come_from_the_settings(tmp_path):
    from config import ConfigError, load_config

    base = {"CASEFLOW_ENV": "development", "CASEFLOW_INSTANCE_PATH": str(tmp_path)}
    config = load_config(base)
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"]) == (30, 12)
    config = load_config({**base, "CASEFLOW_SESSION_IDLE_MINUTES": "15",
                          "CASEFLOW_SESSION_MAX_HOURS": "8"})
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"]) == (15, 8)
    for value in ("0", "-5", "ten", "100000"):
        with pytest.raises(ConfigError) as raised:
            load_config({**base, "CASEFLOW_SESSION_IDLE_MINUTES": value})
        assert raised.value.setting == "CASEFLOW_SESSION_IDLE_MINUTES"


def test_session_cookie_flags(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
