"""Demo data: the fixed demo world, and seeded generation for benchmarks."""

from sqlalchemy import func, select

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.demo import data
from caseflow.demo.services import generated_users
from caseflow.extensions import db


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_load_is_idempotent_and_prints_the_logins(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    offices, users = count(Office), count(User)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert (count(Office), count(User)) == (offices, users)
    assert offices == 8 and users == 12
    assert f"password for all: {data.DEMO_PASSWORD}" in second.output
    for email in ("admin@iom-brussels.example.org", "manager@iom-brussels.example.org",
                  "caseworker@petit-chateau.example.org", "officer@caritas-serbia.example.org"):
        assert email in second.output


def test_demo_world_has_every_role_on_the_right_side():
    runner_offices = {name: (kind, country) for name, kind, country, _city, _slug in data.OFFICES}
    assert runner_offices["C.S.I. Nadez"] == (OfficeKind.partner, "MK")
    assert runner_offices["IOM Pristina"] == (OfficeKind.partner, "XK")
    roles = {role for people in data.USERS.values() for role, _name in people}
    assert roles == set(Role)


def test_generation_is_deterministic_for_a_seed(runner):
    runner.invoke(args=["demo", "load"])
    offices = list(db.session.scalars(select(Office).order_by(Office.id)))
    first = list(generated_users(50, seed=7, offices=offices))
    again = list(generated_users(50, seed=7, offices=offices))
    other = list(generated_users(50, seed=8, offices=offices))
    assert first == again and first != other
    office_by_id = {o.id: o for o in offices}
    for row in first:
        assert office_by_id[row["office_id"]].kind in row["role"].office_kinds


def test_generate_command_bulk_inserts(runner):
    runner.invoke(args=["demo", "load"])
    before = count(User)
    result = runner.invoke(args=["demo", "generate", "--users", "1200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Generated 1200 users with seed 3." in result.output
    assert count(User) == before + 1200
    again = runner.invoke(args=["demo", "generate", "--users", "10", "--seed", "3"])
    assert again.exit_code != 0 and "already generated" in again.output
