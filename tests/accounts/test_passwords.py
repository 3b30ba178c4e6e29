"""Password rules: 12 to 128 characters, and not a common or guessable one."""

from __future__ import annotations

import pytest

from caseflow.accounts import services
from caseflow.accounts.models import Role
from caseflow.accounts.passwords import MAX_LENGTH, password_problems
from caseflow.errors import ValidationFailed
from tests import factories

TOO_COMMON = "too common or too easy to guess"


@pytest.mark.parametrize("password", [
    "password1234",  # a breach favourite, long enough
    "Password123!",  # the same, decorated
    "qwertyuiop12",  # a keyboard walk
    "aaaaaaaaaaaa",  # a repetition
    "123456789012",  # a sequence
    "iloveyou12345",
])
def test_common_and_guessable_passwords_are_refused(app, password):
    with app.app_context():
        assert any(TOO_COMMON in p for p in password_problems(password))


@pytest.mark.parametrize("password", [
    "correct horse battery staple", "violet-kettle-marathon-58", "Tr0ub4dor&3xx"])
def test_strong_passwords_pass(app, password):
    with app.app_context():
        assert password_problems(password) == []


def test_a_password_made_of_the_own_name_is_refused(app):
    with app.app_context():
        assert password_problems("anneliespeeters") == []  # a stranger's name is fine
        assert any(TOO_COMMON in p for p in password_problems(
            "anneliespeeters", ("annelies.peeters@example.org", "Annelies Peeters")))


def test_length_limits(app):
    with app.app_context():
        strong = "violet-kettle-marathon-"
        assert password_problems(strong + "x" * (MAX_LENGTH - len(strong))) == []
        assert any("at most" in p for p in password_problems("y" * (MAX_LENGTH + 1)))
        assert any("at least" in p for p in password_problems("short-1"))


def test_creating_an_account_with_a_common_password_is_refused_and_nothing_saved():
    office = factories.make_office()
    data = services.UserData(email="new.person@example.org", full_name="New Person",
                             role=Role.caseworker, office_id=office.id)
    with pytest.raises(ValidationFailed) as refused:
        services.create_user(data, "Password123!", by=None)
    assert TOO_COMMON in " ".join(refused.value.errors["password"])
    assert services.find_user_by_email("new.person@example.org") is None


def test_twelve_characters_is_the_minimum(app):
    with app.app_context():
        # Random enough to pass the strength check at either length: only the length decides.
        assert password_problems("k7#Vq9!zR2$w") == []
        assert password_problems("k7#Vq9!zR2$") == ["Use at least 12 characters."]


def test_a_128_character_password_logs_in(client):
    from caseflow.extensions import db

    longest = ("violet kettle marathon " * 6)[:MAX_LENGTH]
    assert len(longest) == 128
    user = factories.make_user(password=longest)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": longest})
    assert response.status_code == 302


def test_the_hash_is_argon2id_and_renewed_at_login_when_the_parameters_change(app, client):
    from caseflow.extensions import db

    user = factories.make_user()
    db.session.commit()
    old_hash = user.password_hash
    assert old_hash.startswith("$argon2id$") and "m=8,t=1,p=1" in old_hash
    saved = {k: app.config[k] for k in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST")}
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=16)
    try:
        assert client.post("/login", data={"email": user.email,
                                           "password": factories.PASSWORD}).status_code == 302
    finally:
        app.config.update(saved)
    db.session.refresh(user)
    assert user.password_hash != old_hash
    assert user.password_hash.startswith("$argon2id$") and "m=16,t=2,p=1" in user.password_hash
    client.post("/logout")
    # The new hash holds the same password.
    assert client.post("/login", data={"email": user.email,
                                       "password": factories.PASSWORD}).status_code == 302


def test_a_wrong_password_does_not_renew_the_hash(app, client):
    from caseflow.extensions import db

    user = factories.make_user()
    db.session.commit()
    old_hash = user.password_hash
    saved = app.config["ARGON2_TIME_COST"]
    app.config["ARGON2_TIME_COST"] = saved + 1
    try:
        client.post("/login", data={"email": user.email, "password": "not the right one!"})
    finally:
        app.config["ARGON2_TIME_COST"] = saved
    db.session.refresh(user)
    assert user.password_hash == old_hash
