"""Two-factor login: required for managers and admins, opt-in for the others; codes from an
authenticator app (never twice), single-use recovery codes, an admin's reset."""

import json
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from caseflow.accounts import twofactor
from caseflow.accounts.models import Role
from caseflow.accounts.twofactor import RecoveryCode
from caseflow.audit.models import AuditEntry
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from tests import factories

WRONG_CODE = "This code is not right, or it was already used."


def password_step(client, user):
    return client.post("/login", data={"email": user.email, "password": factories.PASSWORD})


def events(user, action="security"):
    rows = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.user_id == user.id)).all()
    return [json.loads(row.details).get("event") or json.loads(row.details).get("reason")
            for row in rows]


def code_at(secret, step):
    return pyotp.TOTP(secret).generate_otp(step)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_login_as_works_for_every_role(client, login_as, role):
    user = login_as(role)
    assert client.get("/").status_code == 200
    assert user.has_two_factor is (role in (Role.manager, Role.admin))


def test_a_manager_gives_a_code_after_the_password(client):
    manager = factories.make_user(role=Role.manager)
    db.session.commit()
    response = password_step(client, manager)
    assert response.location == "/login/two-factor"
    assert client.get("/").status_code == 302  # not logged in yet
    page = client.get("/login/two-factor")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text

    wrong = client.post("/login/two-factor", data={"code": "000000"})
    assert wrong.status_code == 200 and WRONG_CODE in wrong.text
    assert client.get("/").status_code == 302

    right = client.post("/login/two-factor", data={"code": factories.totp_code()})
    assert right.status_code == 302 and right.location == "/"
    assert client.get("/").status_code == 200
    assert "wrong two-factor code" in events(manager, "login_failed")
    assert db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "login", AuditEntry.user_id == manager.id)).first() is not None


def test_a_code_is_refused_the_second_time(app, client):
    manager = factories.make_user(role=Role.manager)
    db.session.commit()
    code = factories.totp_code()
    password_step(client, manager)
    assert client.post("/login/two-factor", data={"code": code}).location == "/"
    client.post("/logout")

    other = app.test_client()
    password_step(other, manager)
    replay = other.post("/login/two-factor", data={"code": code})
    assert replay.status_code == 200 and WRONG_CODE in replay.text
    assert other.get("/").status_code == 302


def test_codes_one_step_either_side_are_accepted_not_further(db_session):
    secret = factories.TOTP_SECRET
    now = time.time()
    step = int(now // 30)
    for offset in (-1, 0, 1):
        assert twofactor.matching_step(secret, code_at(secret, step + offset), now) \
            == step + offset
    for offset in (-2, 2):
        assert twofactor.matching_step(secret, code_at(secret, step + offset), now) is None
    assert twofactor.matching_step(secret, "12345", now) is None
    assert twofactor.matching_step(secret, "abcdef", now) is None


def test_an_older_step_than_the_last_accepted_one_is_refused(db_session):
    user = factories.make_user(role=Role.manager)
    step = int(time.time() // 30)
    user.totp_last_step = step
    assert twofactor.check_code(user, code_at(user.totp_secret, step - 1)) is None
    assert twofactor.check_code(user, code_at(user.totp_secret, step)) is None
    assert twofactor.check_code(user, code_at(user.totp_secret, step + 1)) == "totp"
    assert user.totp_last_step == step + 1


def test_the_two_factor_step_expires(client):
    manager = factories.make_user(role=Role.manager)
    db.session.commit()
    password_step(client, manager)
    with client.session_transaction() as session:
        session["two_factor_at"] -= 301
    response = client.post("/login/two-factor", data={"code": factories.totp_code()})
    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/").status_code == 302


def test_the_two_factor_step_needs_the_password_step(client):
    assert client.get("/login/two-factor").location == "/login"


def test_wrong_codes_are_throttled(client):
    manager = factories.make_user(role=Role.manager)
    db.session.commit()
    password_step(client, manager)
    for _ in range(5):
        assert client.post("/login/two-factor", data={"code": "000000"}).status_code == 200
    refused = client.post("/login/two-factor", data={"code": factories.totp_code()})
    assert refused.status_code == 429
    assert "Too many failed attempts." in refused.text
    assert client.get("/").status_code == 302


# -- recovery codes -------------------------------------------------------------------------
def enrolled_caseworker():
    user = factories.make_user(role=Role.caseworker)
    step = int(time.time() // 30)
    codes = twofactor.enrol(user, factories.TOTP_SECRET, code_at(factories.TOTP_SECRET, step))
    db.session.commit()
    return user, codes


def test_recovery_codes_are_ten_stored_hashed_and_single_use(app, client):
    user, codes = enrolled_caseworker()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", code) for code in codes)
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(stored) & set(codes)

    password_step(client, user)
    # Typed with capitals and without the dashes: still the code.
    typed = codes[0].replace("-", "").upper()
    assert client.post("/login/two-factor", data={"code": typed}).location == "/"
    assert "recovery code used" in events(user)
    assert twofactor.unused_recovery_codes(user) == 9

    client.post("/logout")
    other = app.test_client()
    password_step(other, user)
    again = other.post("/login/two-factor", data={"code": codes[0]})
    assert again.status_code == 200 and WRONG_CODE in again.text


def test_new_recovery_codes_replace_the_old_ones(client):
    user, old_codes = enrolled_caseworker()
    factories.log_in(client, user)
    step = int(time.time() // 30) + 1  # the login used the current step
    page = client.post("/account/two-factor/recovery-codes",
                       data={"regenerate-code": code_at(user.totp_secret, step)})
    assert page.status_code == 200
    new_codes = re.findall(r'<code class="secret">([a-z2-9-]{19})</code>', page.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    with pytest.raises(ValidationFailed):
        twofactor.regenerate_recovery_codes(user, "000000")
    assert twofactor._use_recovery_code(user, old_codes[1]) is False
    assert twofactor._use_recovery_code(user, new_codes[1]) is True


# -- enrolment ------------------------------------------------------------------------------
def test_a_manager_without_two_factor_must_set_it_up_before_any_page(client):
    manager = factories.make_user(role=Role.manager, totp_secret=None)
    db.session.commit()
    assert password_step(client, manager).location == "/"
    for path in ("/", "/cases/", "/account/tokens"):
        response = client.get(path)
        assert response.status_code == 302 and response.location == "/account/two-factor"

    page = client.get("/account/two-factor")
    assert page.status_code == 200
    qr = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', page.text)
    assert qr is not None
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', page.text).group(1)
    assert "<script" not in page.text.split("</header>")[-1]
    assert "<svg" not in page.text  # the QR code is an image, not inline markup

    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert "This code is not right" in wrong.text
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert len(re.findall(r'<code class="secret">', done.text)) == 10
    db.session.refresh(manager)
    assert manager.totp_secret == secret
    assert client.get("/").status_code == 200
    assert "two-factor enrolled" in events(manager)
    # The codes are shown once: the page now only counts them.
    manage = client.get("/account/two-factor")
    assert "10 unused recovery codes" in manage.text and "Turn off" not in manage.text


def test_the_set_up_secret_stays_the_same_until_confirmed(client, login_as):
    login_as(Role.caseworker)
    first = client.get("/account/two-factor").text
    second = client.get("/account/two-factor").text
    pattern = r'<code class="secret">([A-Z2-7]{32})</code>'
    assert re.search(pattern, first).group(1) == re.search(pattern, second).group(1)


def test_a_caseworker_opts_in_and_out(app, client, login_as):
    user = login_as(Role.caseworker)
    assert client.get("/").status_code == 200  # not required
    page = client.get("/account/two-factor").text
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', page).group(1)
    client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    client.post("/logout")
    assert password_step(client, user).location == "/login/two-factor"
    db.session.refresh(user)
    step = user.totp_last_step + 1
    assert client.post("/login/two-factor",
                       data={"code": code_at(secret, step)}).location == "/"

    assert "Turn off" in client.get("/account/two-factor").text
    # The code just used for the login does not turn it off.
    client.post("/account/two-factor/disable", data={"off-code": code_at(secret, step)})
    assert "This code is not right" in client.get("/account/two-factor").text
    db.session.refresh(user)
    assert user.has_two_factor
    user.totp_last_step -= 2  # a minute later
    db.session.commit()
    off = client.post("/account/two-factor/disable", data={"off-code": code_at(secret, step)})
    assert off.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None and twofactor.unused_recovery_codes(user) == 0
    client.post("/logout")
    assert password_step(client, user).location == "/"


def test_managers_and_admins_cannot_turn_it_off(db_session):
    manager = factories.make_user(role=Role.manager)
    with pytest.raises(AccessDenied):
        twofactor.turn_off(manager, factories.totp_code())
    assert manager.has_two_factor


# -- an admin's reset -----------------------------------------------------------------------
def test_an_admin_resets_someones_two_factor(app, client, login_as):
    admin = login_as(Role.admin)
    manager = factories.make_user(role=Role.manager, office=admin.office)
    db.session.commit()
    victim = app.test_client()
    factories.log_in(victim, manager)
    assert victim.get("/").status_code == 200

    confirm = client.get(f"/admin/users/{manager.id}/two-factor/reset")
    assert confirm.status_code == 200 and "Reset two-factor login" in confirm.text
    assert client.post(f"/admin/users/{manager.id}/two-factor/reset").status_code == 302
    db.session.refresh(manager)
    assert manager.totp_secret is None and manager.totp_last_step is None
    assert victim.get("/").status_code == 302  # sessions ended
    rows = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "security", AuditEntry.target_id == str(manager.id))).all()
    assert "two-factor reset" in [json.loads(r.details).get("event") for r in rows]
    # At the next login the manager sets it up again before anything else.
    assert password_step(victim, manager).location == "/"
    assert victim.get("/").location == "/account/two-factor"


def test_only_an_admin_resets_two_factor(client, login_as):
    manager = login_as(Role.manager)
    other = factories.make_user(role=Role.manager, office=manager.office)
    db.session.commit()
    assert client.post(f"/admin/users/{other.id}/two-factor/reset").status_code == 403
    with pytest.raises(AccessDenied):
        twofactor.reset(other, by=manager)


def test_the_demo_manager_and_admin_have_the_printed_two_factor_key(runner):
    from caseflow.accounts.services import find_user_by_email
    from caseflow.demo import data

    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert data.DEMO_TOTP_SECRET in result.output
    for role, slug in ((Role.manager, "iom-brussels"), (Role.admin, "iom-brussels"),
                       (Role.caseworker, "petit-chateau")):
        user = find_user_by_email(data.demo_email(role, slug))
        expected = data.DEMO_TOTP_SECRET if role in (Role.manager, Role.admin) else None
        assert user.totp_secret == expected
