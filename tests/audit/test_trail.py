"""The audit trail records reads, changes, prints, downloads, refusals; it is append-only and
its hash chain shows tampering."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from caseflow import audit
from caseflow.accounts.models import Role
from caseflow.audit.models import AuditEntry, AuditHead
from caseflow.audit.queries import verify
from caseflow.audit.trail import unsealed_changes
from caseflow.extensions import db
from tests import factories
from tests.databases import backend


def entries(**where: object) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.seq)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return list(db.session.scalars(query))


def test_reading_a_case_page_records_who_when_and_from_where(client, login_as):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker)
    db.session.commit()
    assert client.get(f"/cases/{case.number}",
                      environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    [read] = entries(action="read", case_id=case.id)
    assert read.user_id == caseworker.id and read.address == "192.0.2.7"
    assert read.target == "cases.show" and read.target_id == case.number
    assert read.at is not None


def test_a_change_records_fields_with_old_and_new_values_encrypted(client, login_as, caplog):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker)
    db.session.commit()
    caplog.set_level(logging.DEBUG)
    response = client.post(f"/cases/{case.number}/edit", data={
        "version": case.version, "country_of_return": case.country_of_return,
        "municipality": "Gjirokastër", "assignee_id": caseworker.id})
    assert response.status_code == 302
    [change] = [e for e in entries(action="update", target="cases") if e.case_id == case.id]
    assert change.user_id == caseworker.id
    # The stored details do not carry the value in clear ...
    assert "Gjirokastër" not in change.details
    # ... but the case's key opens them.
    values = unsealed_changes(db.session, change)
    assert values["municipality"]["new"] == "Gjirokastër"
    assert values["municipality"]["old"] == case.municipality or values["municipality"]["old"]
    # Personal values stay out of the application log.
    assert "Gjirokastër" not in caplog.text


def test_registering_records_the_new_rows_of_the_household(client, login_as):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker, household=[
        factories.person_data(given_names="Drita"),
        factories.person_data(role="child", given_names="Ilir")])
    db.session.commit()
    created = {e.target for e in entries(action="create", case_id=case.id)}
    assert {"cases", "beneficiaries"} <= created
    people = [unsealed_changes(db.session, e) for e in entries(action="create",
                                                               target="beneficiaries")
              if e.case_id == case.id]
    assert sorted(p["given_names"]["new"] for p in people) == ["Drita", "Ilir"]


def test_secrets_are_never_recorded_only_that_they_changed(client, login_as):
    user = login_as(Role.caseworker)
    user.password_hash = "$argon2id$v=19$m=8,t=1,p=1$bm90LWEtcmVhbC1zYWx0$x"
    db.session.commit()
    [change] = [e for e in entries(action="update", target="users")
                if e.target_id == str(user.id)][-1:]
    assert "argon2id" not in change.details
    assert json.loads(change.details)["changes"]["password_hash"] == {"secret": True}


def test_a_rolled_back_change_leaves_no_entry_but_a_read_survives(app, login_as):
    case = factories.make_case()
    db.session.commit()
    before = len(entries())
    with app.test_request_context("/"):
        audit.record(audit.Action.read, case_id=case.id, target="test")
        case.municipality = "Never saved"
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    after = entries()[before:]
    assert [(e.action, e.case_id) for e in after] == [("read", case.id)]


def test_refusals_are_recorded(client, login_as):
    caseworker = login_as(Role.caseworker)
    assert client.get("/admin/users").status_code == 403
    [refusal] = entries(action="denied", user_id=caseworker.id)
    assert refusal.target == "admin.users"
    assert json.loads(refusal.details) == {"method": "GET", "status": 403}


def test_a_look_at_another_offices_case_is_recorded_as_refused(client, login_as):
    case = factories.make_case()
    db.session.commit()
    stranger = login_as(Role.caseworker)  # another office
    assert client.get(f"/cases/{case.number}").status_code == 404
    [refusal] = entries(action="denied", user_id=stranger.id)
    assert refusal.case_id == case.id


def test_prints_downloads_and_lists_are_recorded(client, login_as):
    manager = login_as(Role.manager)
    case = factories.make_case(office=manager.office)
    db.session.commit()
    assert client.get(f"/cases/{case.number}/report.pdf").status_code == 200
    [printed] = entries(action="print", case_id=case.id)
    assert printed.target == "reports.case_report_pdf" and printed.user_id == manager.id
    assert client.get("/cases/").status_code == 200
    [listing] = entries(action="read", target="cases.index")
    assert case.id in json.loads(listing.details)["listed"]


def test_login_logout_and_failed_login_are_recorded(client):
    user = factories.make_user(Role.caseworker)
    db.session.commit()
    assert client.post("/login", data={"email": user.email,
                                       "password": "wrong password here"}).status_code == 200
    assert client.post("/login", data={"email": "nobody@example.org",
                                       "password": "wrong password here"}).status_code == 200
    failed = entries(action="login_failed")
    assert [e.user_id for e in failed] == [user.id, None]
    assert all("nobody@example.org" not in e.details for e in failed)
    assert client.post("/login", data={"email": user.email,
                                       "password": factories.PASSWORD}).status_code == 302
    assert client.post("/logout").status_code == 302
    assert [e.action for e in entries(user_id=user.id)
            if e.action in ("login", "logout")] == ["login", "logout"]


def test_the_trail_is_append_only_in_the_database(app):
    audit.record(audit.Action.read, target="test")
    db.session.commit()
    [entry] = entries(target="test")
    for statement in (f"UPDATE audit_entries SET action = 'update' WHERE id = {entry.id}",
                      f"DELETE FROM audit_entries WHERE id = {entry.id}"):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))


def _drop_guards() -> None:
    """What someone with direct database access would do before rewriting history."""
    if backend() == "postgresql":
        db.session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER audit_entries_no_update"))
        db.session.execute(text("DROP TRIGGER audit_entries_no_delete"))


def _chain(n: int) -> list[AuditEntry]:
    for i in range(n):
        audit.record(audit.Action.read, target="chain", target_id=i)
    db.session.commit()
    return entries(target="chain")


def test_verify_finds_an_altered_entry(app, runner):
    chain = _chain(4)
    assert verify(db.session).intact
    _drop_guards()
    db.session.execute(text("UPDATE audit_entries SET target_id = '99' WHERE id = :id"),
                       {"id": chain[2].id})
    result = verify(db.session)
    assert result.broken_at == chain[2].seq and "content" in result.reason
    cli = runner.invoke(args=["audit", "verify"])
    assert cli.exit_code == 1 and f"BROKEN at entry {chain[2].seq}" in cli.output


def test_verify_finds_a_removed_entry(app):
    chain = _chain(4)
    _drop_guards()
    db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": chain[1].id})
    result = verify(db.session)
    assert result.broken_at == chain[1].seq and "missing" in result.reason


def test_verify_finds_entries_cut_off_the_end(app):
    chain = _chain(3)
    _drop_guards()
    db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": chain[-1].id})
    result = verify(db.session)
    assert result.broken_at == chain[-1].seq and "removed" in result.reason


def test_verify_finds_a_rehashed_forgery(app):
    """Rewriting an entry and recomputing its own hash still breaks the next link."""
    from caseflow.audit.trail import entry_hash

    chain = _chain(3)
    _drop_guards()
    row = dict(db.session.execute(select(AuditEntry.__table__).where(
        AuditEntry.id == chain[1].id)).mappings().one())
    row["target_id"] = "forged"
    forged_hash = entry_hash(row)
    db.session.execute(text("UPDATE audit_entries SET target_id = 'forged', hash = :h "
                            "WHERE id = :id"), {"h": forged_hash, "id": chain[1].id})
    result = verify(db.session)
    assert result.broken_at == chain[2].seq and "entry before" in result.reason


def test_cli_verify_reports_an_intact_trail(app, runner):
    _chain(2)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    head = db.session.get(AuditHead, 1)
    assert f"intact: {head.seq} entries" in result.output


def test_shredding_a_case_key_erases_its_values_but_keeps_the_chain(client, login_as):
    caseworker = login_as(Role.caseworker)
    case = factories.make_case(by=caseworker, household=[
        factories.person_data(given_names="Shpresa")])
    db.session.commit()
    created = [e for e in entries(action="create", target="beneficiaries")
               if e.case_id == case.id]
    assert unsealed_changes(db.session, created[0])["given_names"]["new"] == "Shpresa"
    audit.shred(case.id)
    db.session.commit()
    assert unsealed_changes(db.session, created[0])["given_names"] is None
    assert verify(db.session).intact


def test_shredding_seals_the_queued_changes_with_the_key_that_goes(app):
    """Retention changes the names, then shreds: the old names in those very change entries
    must not stay readable under a fresh key."""
    case = factories.make_case(household=[factories.person_data(given_names="Mirela")])
    db.session.commit()
    person = case.beneficiaries[0]
    person.given_names = "Anonymised"
    audit.shred(case.id)
    db.session.commit()
    [change] = [e for e in entries(action="update", target="beneficiaries")
                if e.target_id == str(person.id)]
    assert "Mirela" not in change.details
    assert unsealed_changes(db.session, change)["given_names"] is None
    assert verify(db.session).intact


def test_two_factor_secrets_and_recovery_codes_stay_out_of_the_trail(app):
    import pyotp

    from caseflow.accounts import twofactor

    user = factories.make_user(Role.caseworker)
    db.session.commit()
    secret = twofactor.new_secret()
    codes = twofactor.enrol(user, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    hashes = [twofactor._digest(code) for code in codes]
    recorded = " ".join(e.details for e in entries())
    assert secret not in recorded
    assert not any(h in recorded for h in hashes)
    assert not any(code in recorded for code in codes)
