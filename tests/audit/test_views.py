"""Browsing the audit trail, and the case page's list of who looked."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import flask_migrate
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow import audit
from caseflow.accounts.models import OfficeKind, Role
from caseflow.audit.models import AuditEntry
from caseflow.audit.queries import verify
from caseflow.extensions import db
from tests import factories
from tests.conftest import make_app


def test_only_managers_and_admins_browse_the_trail(client, login_as):
    login_as(Role.caseworker)
    assert client.get("/audit/").status_code == 403


def test_a_manager_sees_their_offices_part_and_not_another_offices(client, login_as):
    manager = login_as(Role.manager)
    own = factories.make_case(office=manager.office)
    other_office = factories.make_office(kind=OfficeKind.sending)
    foreign = factories.make_case(office=other_office)
    db.session.commit()
    page = client.get("/audit/").text
    assert own.number in page
    assert foreign.number not in page
    # A filter naming the other office's case shows nothing of it either.
    filtered = client.get(f"/audit/?case={foreign.number}").text
    assert "No entries match these filters." in filtered


def test_an_admin_filters_by_case_user_action_and_date(client, login_as):
    admin = login_as(Role.admin)
    first = factories.make_case()
    second = factories.make_case()
    db.session.commit()
    page = client.get(f"/audit/?case={first.number}&action=create").text
    assert first.number in page and second.number not in page
    today = date.today()
    assert first.number in client.get(
        f"/audit/?case={first.number}&from={today}&to={today}").text
    yesterday = (today - timedelta(days=1)).isoformat()
    assert "No entries match" in client.get(
        f"/audit/?case={first.number}&to={yesterday}").text
    # Nonsense in the filters is ignored, not an error.
    assert client.get("/audit/?user=abc&from=2026-02-30&action=<b>&page=-3").status_code == 200
    mine = client.get(f"/audit/?user={admin.id}&action=login").text
    assert "Logged in" in mine


def test_the_case_page_shows_who_looked(client, login_as, app):
    manager = login_as(Role.manager)
    caseworker = factories.make_user(Role.caseworker, office=manager.office)
    case = factories.make_case(office=manager.office, by=caseworker)
    db.session.commit()
    with app.test_request_context("/"):
        for _ in range(2):
            audit.record(audit.Action.read, case_id=case.id, target="cases.show",
                         user=caseworker)
        db.session.commit()
    page = client.get(f"/cases/{case.number}").text
    assert "Who looked at this case" in page
    section = page.split('id="readers"')[1]
    assert caseworker.full_name in section
    assert f"/audit/?case={case.number}" in section


def test_the_case_page_hides_the_readers_from_caseworkers(client, login_as):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker)
    db.session.commit()
    assert "Who looked at this case" not in client.get(f"/cases/{case.number}").text


def test_the_chain_stays_whole_when_many_writers_append_at_once(databases, tmp_path):
    """Separate connections committing at the same time never fork the chain: the head
    row serialises them (a row lock on PostgreSQL, the write lock on SQLite)."""
    app = make_app(databases.new("audit"), tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
        engine = db.engine
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        # Each thread its own connection (the test's db.session is bound to another app).
        try:
            for i in range(10):
                with Session(engine) as session:
                    audit.record(audit.Action.read, target="writer", target_id=f"{n}-{i}",
                                 session=session)
                    session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not errors, errors
        with Session(engine) as session:
            result = verify(session)
            assert result.intact and result.entries == 60, result
            assert len(session.scalars(select(AuditEntry.target_id)).all()) == 60
    finally:
        engine.dispose()


@pytest.mark.parametrize("role", [Role.manager, Role.admin])
def test_the_navigation_links_the_trail_for_who_may_browse_it(client, login_as, role):
    login_as(role)
    assert 'href="/audit/"' in client.get("/").text
