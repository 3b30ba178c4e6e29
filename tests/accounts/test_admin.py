"""Admins manage users and offices; nobody else may."""

import re

import pytest
from sqlalchemy import select

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.extensions import db
from tests import factories

NEW_PASSWORD = "a long initial passphrase"


def user_form(office, **overrides):
    data = {"email": "new.person@example.org", "full_name": "Nina Novak",
            "role": "caseworker", "office_id": office.id, "preferred_language": "fr",
            "password": NEW_PASSWORD}
    return {**data, **overrides}


def admin_urls(app, user_id, office_id):
    """Every URL under /admin, with ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        path = rule.rule.replace("<int:user_id>", str(user_id))
        path = path.replace("<int:office_id>", str(office_id))
        path = re.sub(r"<int:\w+>", "1", path)
        for method in sorted(rule.methods & {"GET", "POST"}):
            urls.append((method, path))
    return urls


@pytest.mark.parametrize("role", [Role.caseworker, Role.manager, Role.reintegration_officer])
def test_non_admins_are_refused_on_every_admin_page(app, client, login_as, role):
    login_as(role)
    target = factories.make_user()
    db.session.commit()
    urls = admin_urls(app, target.id, target.office_id)
    assert len(urls) >= 14
    for method, path in urls:
        response = client.open(path, method=method, data={"email": "x@example.org"})
        assert response.status_code == 403, (method, path)
        assert "Access denied" in response.text
    db.session.refresh(target)
    assert target.is_active


def test_anonymous_visitors_are_sent_to_login(app, client):
    for method, path in admin_urls(app, 1, 1):
        response = client.open(path, method=method)
        assert response.status_code == 302 and response.location.startswith("/login"), path


def test_admin_lists_filters_and_paginates_users(client, login_as):
    admin = login_as(Role.admin)
    for n in range(30):
        factories.make_user(full_name=f"Listed Person {n:02}", office=admin.office)
    factories.make_user(full_name="Gone Person", is_active=False)
    db.session.commit()
    page1 = client.get("/admin/users?q=listed")
    assert "Listed Person 00" in page1.text and "Listed Person 29" not in page1.text
    assert "Page 1 of 2" in page1.text
    page2 = client.get("/admin/users?q=listed&page=2")
    assert "Listed Person 29" in page2.text
    assert "Gone Person" not in client.get("/admin/users").text
    assert "Gone Person" in client.get("/admin/users?status=inactive").text
    empty = client.get("/admin/users?q=nobody-has-this-name")
    assert "No users match these filters." in empty.text
    assert client.get("/admin/users?page=abc&office=x&role=<script>").status_code == 200


def test_admin_creates_a_user(client, login_as):
    admin = login_as(Role.admin)
    response = client.post("/admin/users/new", data=user_form(admin.office))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.full_name == "Nina Novak" and user.preferred_language == "fr"
    assert user.password_hash.startswith("$argon2id$")
    assert "Account created for Nina Novak." in client.get("/admin/users").text


def test_new_user_errors_are_shown_per_field_and_nothing_is_saved(client, login_as):
    admin = login_as(Role.admin)
    factories.make_user(email="taken@example.org")
    partner = factories.make_office(kind=OfficeKind.partner)
    db.session.commit()
    before = db.session.scalar(select(db.func.count()).select_from(User))

    taken = client.post("/admin/users/new", data=user_form(admin.office, email="TAKEN@example.org"))
    assert "Another account already uses this e-mail address." in taken.text
    short = client.post("/admin/users/new", data=user_form(admin.office, password="short"))
    assert "Use at least 12 characters." in short.text
    wrong_side = client.post("/admin/users/new", data=user_form(partner))
    assert "A Caseworker must belong to a Sending office (Belgium)." in wrong_side.text
    bad_email = client.post("/admin/users/new", data=user_form(admin.office, email="not-an-email"))
    assert "Enter a valid e-mail address." in bad_email.text
    missing = client.post("/admin/users/new", data={})
    assert 'id="full_name-error">Enter the person' in missing.text
    assert 'aria-invalid="true"' in missing.text
    bad_choice = client.post("/admin/users/new", data=user_form(admin.office, role="superuser",
                                                                office_id="abc"))
    assert bad_choice.status_code == 200
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_admin_edits_a_user(client, login_as):
    admin = login_as(Role.admin)
    user = factories.make_user(office=admin.office)
    partner = factories.make_office(kind=OfficeKind.partner, country="RS", city="Belgrade")
    db.session.commit()
    page = client.get(f"/admin/users/{user.id}/edit")
    assert user.email in page.text
    response = client.post(f"/admin/users/{user.id}/edit", data={
        "email": user.email, "full_name": "Renamed Person", "role": "reintegration_officer",
        "office_id": partner.id, "preferred_language": ""})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.full_name == "Renamed Person" and user.office_id == partner.id
    assert user.role is Role.reintegration_officer and user.preferred_language is None
    assert client.get("/admin/users/999999/edit").status_code == 404


def test_admin_cannot_demote_or_deactivate_themself(client, login_as):
    admin = login_as(Role.admin)
    response = client.post(f"/admin/users/{admin.id}/edit", data={
        "email": admin.email, "full_name": admin.full_name, "role": "manager",
        "office_id": admin.office_id})
    assert "You cannot take the administrator role away from yourself." in response.text
    client.post(f"/admin/users/{admin.id}/deactivate")
    db.session.refresh(admin)
    assert admin.role is Role.admin and admin.is_active


def test_deactivation_asks_for_confirmation_then_stops_login(client, login_as):
    admin = login_as(Role.admin)
    user = factories.make_user(office=admin.office, full_name="Leaving Colleague")
    db.session.commit()
    confirm = client.get(f"/admin/users/{user.id}/deactivate")
    assert "Deactivate Leaving Colleague?" in confirm.text
    assert user.is_active  # a GET changes nothing
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    db.session.refresh(user)
    assert not user.is_active
    assert client.post(f"/admin/users/{user.id}/reactivate").status_code == 302
    db.session.refresh(user)
    assert user.is_active


def test_admin_manages_offices(client, login_as):
    admin = login_as(Role.admin)
    response = client.post("/admin/offices/new", data={
        "name": "IOM Belgrade", "kind": "partner", "country": "RS", "city": "Belgrade"})
    assert response.status_code == 302
    office = db.session.scalar(select(Office).where(Office.name == "IOM Belgrade"))
    assert office.kind is OfficeKind.partner

    wrong = client.post("/admin/offices/new", data={
        "name": "Return desk Ghent", "kind": "sending", "country": "AL", "city": "Ghent"})
    assert "A sending office is in Belgium." in wrong.text
    duplicate = client.post("/admin/offices/new", data={
        "name": "iom belgrade", "kind": "partner", "country": "RS", "city": "Belgrade"})
    assert "Another office already has this name." in duplicate.text

    edit = client.post(f"/admin/offices/{office.id}/edit", data={
        "name": "IOM Belgrade", "kind": "partner", "country": "RS", "city": "Novi Sad"})
    assert edit.status_code == 302
    db.session.refresh(office)
    assert office.city == "Novi Sad"

    listing = client.get("/admin/offices")
    assert "IOM Belgrade" in listing.text and admin.office.name in listing.text

    # An office with active users cannot be deactivated.
    refused = client.post(f"/admin/offices/{admin.office_id}/deactivate", follow_redirects=True)
    assert "1 active user still belongs to this office" in refused.text
    assert "Deactivate IOM Belgrade?" in client.get(
        f"/admin/offices/{office.id}/deactivate").text
    client.post(f"/admin/offices/{office.id}/deactivate")
    db.session.refresh(office)
    assert not office.is_active
    assert re.search(r"IOM Belgrade\s*<span class=\"badge\">deactivated", client.get(
        "/admin/offices").text)
