"""`flask users create` and `flask users list`."""

from sqlalchemy import select

from caseflow.accounts.models import Role, User
from caseflow.accounts.passwords import verify_password
from caseflow.extensions import db
from tests import factories


def test_create_reads_the_password_from_stdin(runner):
    office = factories.make_office(name="IOM Brussels test")
    db.session.commit()
    result = runner.invoke(args=[
        "users", "create", "--email", "Cli.User@Example.org", "--name", "Cli User",
        "--role", "manager", "--office", office.name, "--password-stdin"],
        input="a strong cli passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Created cli.user@example.org (manager, IOM Brussels test)." in result.output
    user = db.session.scalar(select(User).where(User.email == "cli.user@example.org"))
    assert user.role is Role.manager
    assert verify_password(user.password_hash, "a strong cli passphrase")


def test_create_prompts_for_the_password_twice(runner):
    office = factories.make_office()
    db.session.commit()
    result = runner.invoke(args=[
        "users", "create", "--email", "prompted@example.org", "--name", "Prompted",
        "--role", "caseworker", "--office", office.name],
        input="prompted passphrase\nprompted passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output


def test_create_explains_what_is_wrong_and_saves_nothing(runner):
    office = factories.make_office()
    db.session.commit()
    result = runner.invoke(args=[
        "users", "create", "--email", "weak@example.org", "--name", "Weak",
        "--role", "reintegration_officer", "--office", office.name, "--password-stdin"],
        input="short\n")
    assert result.exit_code == 1
    assert "error: password: Use at least 12 characters." in result.output
    assert "error: office_id: A Reintegration officer must belong to a Partner" in result.output
    assert factories_count("weak@example.org") == 0
    unknown = runner.invoke(args=[
        "users", "create", "--email", "x@example.org", "--name", "X", "--role", "manager",
        "--office", "No Such Office", "--password-stdin"], input="whatever whatever\n")
    assert unknown.exit_code == 2 and "no office named 'No Such Office'" in unknown.output


def factories_count(email: str) -> int:
    return len(db.session.scalars(select(User).where(User.email == email)).all())


def test_list_shows_every_account(runner):
    assert "No users yet" in runner.invoke(args=["users", "list"]).output
    factories.make_user(email="listed@example.org", role=Role.admin)
    factories.make_user(email="inactive@example.org", is_active=False)
    db.session.commit()
    output = runner.invoke(args=["users", "list"]).output
    assert "listed@example.org" in output and "admin" in output
    assert "inactive@example.org" in output and "inactive" in output


def test_offices_create_and_list(runner):
    assert "No offices yet" in runner.invoke(args=["offices", "list"]).output
    result = runner.invoke(args=["offices", "create", "--name", "Return desk Liege",
                                 "--kind", "sending", "--country", "BE", "--city", "Liege"])
    assert result.exit_code == 0, result.output
    assert "Return desk Liege" in runner.invoke(args=["offices", "list"]).output
    wrong = runner.invoke(args=["offices", "create", "--name", "Abroad", "--kind", "sending",
                                "--country", "RS", "--city", "Nis"])
    assert wrong.exit_code == 1 and "A sending office is in Belgium." in wrong.output
