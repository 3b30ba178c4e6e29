"""Logging in and out."""

import pytest

from caseflow.accounts.models import Role
from caseflow.extensions import db
from tests import factories

SAME_MESSAGE = "Wrong e-mail address or password."


def post_login(client, email, password=factories.PASSWORD, next_url=""):
    return client.post("/login", data={"email": email, "password": password, "next": next_url})


def test_login_page_is_served(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="email"' in response.text and 'autocomplete="current-password"' in response.text


def test_login_success_records_last_login_and_shows_dashboard(client):
    user = factories.make_user(role=Role.caseworker, email="anna@example.org")
    db.session.commit()
    response = post_login(client, "ANNA@example.org ")
    assert response.status_code == 302 and response.location == "/"
    assert user.last_login_at is not None
    assert "Welcome, " + user.full_name in client.get("/").text


@pytest.mark.parametrize("email, password", [
    ("nobody@example.org", factories.PASSWORD),
    ("known@example.org", "wrong password entirely"),
])
def test_wrong_email_or_password_get_the_same_message(client, email, password):
    factories.make_user(email="known@example.org")
    db.session.commit()
    response = post_login(client, email, password)
    assert response.status_code == 200
    assert SAME_MESSAGE in response.text
    assert client.get("/").status_code == 302  # still logged out


def test_inactive_user_cannot_log_in(client):
    factories.make_user(email="gone@example.org", is_active=False)
    db.session.commit()
    response = post_login(client, "gone@example.org")
    assert SAME_MESSAGE in response.text
    assert client.get("/").status_code == 302


def test_user_of_a_deactivated_office_cannot_log_in(client):
    office = factories.make_office(is_active=False)
    factories.make_user(email="closed@example.org", office=office)
    db.session.commit()
    assert SAME_MESSAGE in post_login(client, "closed@example.org").text


def test_empty_form_gets_field_errors(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 200
    assert "Enter your e-mail address." in response.text
    assert "Enter your password." in response.text


def test_local_next_is_followed_through_the_two_factor_step(client):
    factories.make_user(email="n@example.org", role=Role.admin)
    db.session.commit()
    response = post_login(client, "n@example.org", next_url="/admin/users?page=2")
    assert response.location == "/login/two-factor"
    response = client.post("/login/two-factor", data={"code": factories.totp_code()})
    assert response.location == "/admin/users?page=2"


@pytest.mark.parametrize("target", [
    "https://evil.example.com/",
    "//evil.example.com/path",
    "/\\evil.example.com",
    "\\\\evil.example.com",
    "javascript:alert(1)",
    "http://localhost/",
    "/\t/evil.example.com",
    "https:/evil.example.com",
])
def test_next_never_leaves_the_site(client, target):
    factories.make_user(email="r@example.org")
    db.session.commit()
    response = post_login(client, "r@example.org", next_url=target)
    assert response.status_code == 302
    assert response.location == "/"


def test_pages_need_login_and_come_back_after_it(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    login_page = client.get(response.location)
    assert 'value="/admin/users"' in login_page.text


def test_logout_ends_the_session(client, login_as):
    login_as(Role.caseworker)
    assert client.get("/").status_code == 200
    assert client.get("/logout").status_code == 405  # only POST logs out
    response = client.post("/logout")
    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/").status_code == 302


def test_deactivation_ends_an_open_session(client, login_as):
    user = login_as(Role.caseworker)
    assert client.get("/").status_code == 200
    user.is_active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_logged_in_user_visiting_login_goes_to_dashboard(client, login_as):
    login_as(Role.manager)
    assert client.get("/login").location == "/"


def test_change_own_password(client, login_as):
    user = login_as(Role.caseworker)
    mismatch = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "one long passphrase",
        "confirm_password": "another long passphrase"})
    assert "The two new passwords differ." in mismatch.text
    wrong = client.post("/account/password", data={
        "current_password": "not it at all", "new_password": "one long passphrase",
        "confirm_password": "one long passphrase"})
    assert "This is not your current password." in wrong.text
    too_short = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "short",
        "confirm_password": "short"})
    assert "Use at least 12 characters." in too_short.text
    too_long = "x" * 129
    assert "Use at most 128 characters." in client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": too_long,
        "confirm_password": too_long}).text
    new = "a much better passphrase"
    ok = client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": new, "confirm_password": new})
    assert ok.status_code == 302
    client.post("/logout")
    assert post_login(client, user.email, factories.PASSWORD).status_code == 200
    assert post_login(client, user.email, new).status_code == 302


def test_api_tokens_on_the_profile_page(client, login_as):
    from caseflow.accounts.tokens import ApiToken, user_for_token

    user = login_as(Role.caseworker)
    assert "You have no tokens." in client.get("/account/tokens").text
    assert "Give the token a name" in client.post("/account/tokens", data={"name": ""}).text
    page = client.post("/account/tokens", data={"name": "export script"})
    secret = page.text.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("cf_")
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.token_hash != secret and secret not in client.get("/account/tokens").text
    assert user_for_token(secret).id == user.id
    client.post(f"/account/tokens/{token.id}/revoke")
    db.session.refresh(token)
    assert token.revoked_at is not None and user_for_token(secret) is None
