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
