"""`flask retention run`: what an anonymised case keeps and loses, what is left alone, the
dry run, one transaction per case, and the programme's figures before and after."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from caseflow.accounts.models import Role
from caseflow.assistance.models import ServiceRequest, ServiceStatus
from caseflow.audit.models import AuditEntry, AuditKey
from caseflow.audit.trail import unsealed_changes
from caseflow.cases import workflow
from caseflow.cases.models import Case, CaseEvent, CaseStatus, EventKind
from caseflow.documents.models import Document
from caseflow.documents.services import upload_folder
from caseflow.errors import InvalidTransition, ValidationFailed
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, RssSurvey
from caseflow.people.models import Beneficiary, IdentityDocument, NameKey, Sex, Vulnerability
from caseflow.printing.models import Certificate
from caseflow.printing.services import certificate_folder, offers
from caseflow.privacy.retention import ANONYMISED, anonymise_case, cases_due, months_before
from caseflow.programme.report import ReportFilters, build_report
from caseflow.reintegration.models import PlanLine
from config import ConfigError, load_config
from tests import factories
from tests.cases.helpers import case_at, make_world
from tests.privacy import PERSONAL_TEXTS, full_case

LONG_AGO = 61 * 31  # days: past the default 60 months
RECENTLY = 30


def run(runner, *args):
    return runner.invoke(args=["retention", "run", *args])


def fresh(model, id_):
    """A row as the database has it now (the command ran in its own session)."""
    db.session.expire_all()
    return db.session.get(model, id_)


def case_rows_text(case_id: int) -> str:
    """Every row that belongs to the case, as text (to search for personal values)."""
    parts = []
    for table in db.metadata.sorted_tables:
        if table.name.startswith("audit"):
            continue
        columns = table.c
        if "case_id" in columns:
            condition = columns.case_id == case_id
        elif table.name == "cases":
            condition = columns.id == case_id
        elif "beneficiary_id" in columns:
            condition = columns.beneficiary_id.in_(
                select(Beneficiary.id).where(Beneficiary.case_id == case_id))
        elif "plan_id" in columns:
            condition = columns.plan_id.in_(text(
                f"(SELECT id FROM reintegration_plans WHERE case_id = {int(case_id)})"))
        else:
            continue
        parts += [repr(tuple(row)) for row in db.session.execute(select(table).where(condition))]
    return "\n".join(parts)


def database_digest(app) -> str:
    """A hash of every row of every table and of every stored file."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns) or list(table.columns)
        for row in db.session.execute(select(table).order_by(*key)):
            digest.update(repr((table.name, tuple(row))).encode())
    instance = Path(app.instance_path)
    for path in sorted(instance.rglob("*")):
        if path.is_file():
            digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


# -- the anonymised case ---------------------------------------------------------------------
def test_a_case_closed_long_ago_is_anonymised(app, runner):
    full = full_case(app, closed_days_ago=LONG_AGO)
    case_id, number = full.case.id, full.case.number
    principal_id, child_id = full.principal.id, full.child.id
    upload = upload_folder() / full.case.documents[0].storage_name
    certificate_file = certificate_folder() / full.certificate.storage_name
    assert upload.exists() and certificate_file.exists()
    events_before = db.session.scalar(select(func.count()).where(CaseEvent.case_id == case_id))

    result = run(runner)
    assert result.exit_code == 0, result.output
    assert f"{number}  closed " in result.output and ": anonymised" in result.output
    assert "Anonymised 1 case(s); 0 failed." in result.output

    case = fresh(Case, case_id)
    assert case.anonymised_at is not None and case.status is CaseStatus.closed
    assert case.principal_name == ANONYMISED
    assert case.duplicate_override_reason is None and case.flight_number is None
    principal = db.session.get(Beneficiary, principal_id)
    for person in case.beneficiaries:
        assert (person.given_names, person.family_name) == (ANONYMISED, ANONYMISED)
        assert person.name_original is None and person.phone is None
        assert person.oe_number is None and person.place_of_birth is None
        assert person.reception_centre is None and person.languages is None
        assert person.vulnerability_note is None
        assert (person.date_of_birth.month, person.date_of_birth.day) == (1, 1)
        assert person.identity_documents == []
    # the figures stay: sex, nationality, year of birth, vulnerabilities, consents
    assert principal.date_of_birth == date(1985, 1, 1)
    assert principal.asylum_applied_on == date(2023, 1, 1)
    assert principal.sex is Sex.male and principal.nationality == "RS"
    assert principal.vulnerability_codes == [Vulnerability.serious_illness]
    assert principal.consents
    child = db.session.get(Beneficiary, child_id)
    assert [(r.school, r.town, r.grade, r.year_from, r.year_to) for r in child.school_records] \
        == [("", "", None, 2022, 2024)]
    # documents and search keys gone, rows and files
    assert db.session.scalar(select(func.count()).where(Document.case_id == case_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(IdentityDocument).join(
        Beneficiary).where(Beneficiary.case_id == case_id)) == 0
    assert db.session.scalar(select(func.count()).where(NameKey.case_id == case_id)) == 0
    assert not upload.exists() and not certificate_file.exists()
    # the certificate's number and date remain (it still verifies as issued)
    certificate = db.session.get(Certificate, full.certificate.id)
    assert certificate.number == full.certificate.number and certificate.issued_at
    # free text cleared everywhere
    assert all(s.notes == "" and s.interpreter is None for s in case.sessions)
    assert all(v.notes is None and v.next_steps is None for v in case.visits)
    assert case.plan.summary is None and case.plan.over_budget_reason is None
    assert all(line.description == ANONYMISED and line.supplier is None
               for line in case.plan.lines)
    assert all(s.outcome is None for s in case.services)
    assert all(e.note is None for e in case.events)
    assert db.session.scalar(select(func.count()).where(CaseEvent.case_id == case_id)) \
        == events_before
    rows = case_rows_text(case_id)
    for personal in PERSONAL_TEXTS:
        assert personal not in rows, personal
    # amounts, stages and scores are still there
    assert [line.amount for line in db.session.scalars(
        select(PlanLine).where(PlanLine.beneficiary_id == principal_id))] == [1250]
    survey = db.session.scalar(select(RssSurvey).join(FollowUpVisit).where(
        FollowUpVisit.case_id == case_id))
    assert survey.composite is not None and survey.answers
    assert db.session.scalar(select(func.count()).where(
        ServiceRequest.case_id == case_id, ServiceRequest.status == ServiceStatus.completed)) == 1
    transitions = [e for e in case.events if e.kind is EventKind.transition]
    assert transitions[-1].to_status is CaseStatus.closed
    assert transitions[-1].data["closure_reason"] == "completed"
    assert all(e.stage_days is not None for e in transitions)


def test_the_audit_trail_keeps_a_stub_and_loses_the_values(app, runner):
    full = full_case(app, closed_days_ago=LONG_AGO)
    assert run(runner).exit_code == 0
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.case_id == full.case.id).order_by(AuditEntry.seq)).all()
    retention = [e for e in entries if e.action == "update" and e.target == "case"
                 and '"retention":true' in e.details]
    assert len(retention) == 1
    assert '"documents":1' in retention[0].details
    # every recorded value of the case, before and during the anonymisation, is unreadable
    for entry in entries:
        changes = unsealed_changes(db.session, entry) or {}
        for name, change in changes.items():
            assert change is None or "secret" in change, (entry.seq, name, change)


def test_the_case_page_says_anonymised_and_the_case_cannot_be_reopened(app, runner, client,
                                                                       login_as):
    full = full_case(app, closed_days_ago=LONG_AGO)
    assert run(runner).exit_code == 0
    case = fresh(Case, full.case.id)
    manager = login_as("manager", office=full.world.office)
    page = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "data-anonymised" in page and "Anonymised on" in page
    assert "Đorđe" not in page and "Petrović" not in page
    with pytest.raises(InvalidTransition) as refused:
        workflow.transition(case, "reopen", by=manager, data={"note": "Came back."})
    assert "anonymised" in refused.value.message
    assert all(not offer.is_offered for offer in offers(case))
    # the deleted PDF is gone for good; its number still verifies
    assert client.get(f"/certificates/{full.certificate.id}.pdf").status_code == 410
    verify = client.get(f"/verify/{full.certificate.verification_code}")
    assert verify.status_code == 200 and full.certificate.number in verify.get_data(as_text=True)


def test_a_recent_or_open_case_is_left_alone(app, runner):
    recent = full_case(app, closed_days_ago=RECENTLY)
    open_case, _world = case_at(CaseStatus.monitoring)
    db.session.commit()
    before = {c.id: case_rows_text(c.id) for c in (recent.case, open_case)}

    result = run(runner)
    assert result.exit_code == 0, result.output
    assert "0 case(s)" in result.output
    db.session.expire_all()
    assert {c.id: case_rows_text(c.id) for c in (recent.case, open_case)} == before
    assert (upload_folder() / recent.case.documents[0].storage_name).exists()


def test_months_option_overrides_the_setting_and_a_second_run_skips(app, runner):
    full = full_case(app, closed_days_ago=400)
    assert "0 case(s)" in run(runner).output  # 60 months by default
    first = run(runner, "--months", "12")
    assert first.exit_code == 0 and "Anonymised 1 case(s)" in first.output
    anonymised_at = fresh(Case, full.case.id).anonymised_at
    second = run(runner, "--months", "12")
    assert second.exit_code == 0 and "Anonymising 0 case(s)" in second.output
    assert fresh(Case, full.case.id).anonymised_at == anonymised_at


def test_bad_months_are_refused(runner):
    result = run(runner, "--months", "0")
    assert result.exit_code == 2 and "--months" in result.output
    with pytest.raises(ValidationFailed):
        cases_due(0)


def test_the_setting_is_read_and_checked():
    base = {"CASEFLOW_ENV": "testing"}
    assert load_config(base)["RETENTION_MONTHS"] == 60
    assert load_config({**base, "CASEFLOW_RETENTION_MONTHS": "84"})["RETENTION_MONTHS"] == 84
    with pytest.raises(ConfigError, match="CASEFLOW_RETENTION_MONTHS"):
        load_config({**base, "CASEFLOW_RETENTION_MONTHS": "five years"})


def test_months_are_calendar_months():
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=UTC), 1) == \
        datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 60) == datetime(2021, 1, 15,
                                                                           tzinfo=UTC)


# -- dry run ---------------------------------------------------------------------------------
def test_a_dry_run_lists_what_it_would_do_and_changes_nothing(app, runner):
    full = full_case(app, closed_days_ago=LONG_AGO)
    before = database_digest(app)

    result = run(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    closed_on = full.case.closed_at.date().isoformat()
    assert "Would anonymise 1 case(s)" in result.output
    assert (f"{full.case.number}  closed {closed_on}  1 document(s), 3 identity document(s), "
            "1 certificate file(s)") in result.output
    assert "Dry run: nothing was changed." in result.output
    db.session.expire_all()
    assert database_digest(app) == before


# -- one transaction per case ----------------------------------------------------------------
def test_a_failing_case_is_left_untouched_and_the_run_goes_on(app, runner):
    world = make_world()
    broken = full_case(app, world, closed_days_ago=LONG_AGO + 10)
    good = full_case(app, world, closed_days_ago=LONG_AGO)
    # A stored file name caseflow cannot have written (a damaged row): refused, not followed.
    db.session.execute(update(Document).where(Document.case_id == broken.case.id)
                       .values(storage_name="../../outside.pdf"))
    db.session.commit()
    before = case_rows_text(broken.case.id)

    result = run(runner)
    assert result.exit_code == 1
    assert f"{broken.case.number}: FAILED, left unchanged" in result.output
    assert "Anonymised 1 case(s); 1 failed" in result.output
    db.session.expire_all()
    assert case_rows_text(broken.case.id) == before
    assert db.session.get(Case, broken.case.id).anonymised_at is None
    assert db.session.get(Case, good.case.id).anonymised_at is not None


def test_only_closed_cases_can_be_anonymised(app):
    case, _world = case_at(CaseStatus.monitoring)
    with pytest.raises(ValidationFailed):
        anonymise_case(case)


def test_the_database_keeps_anonymised_cases_closed(app):
    full = full_case(app, closed_days_ago=LONG_AGO)
    anonymise_case(full.case)
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(update(Case).where(Case.id == full.case.id)
                           .values(status=CaseStatus.monitoring.value, closed_at=None,
                                   closure_reason=None, closed_from=None))


# -- statistics ------------------------------------------------------------------------------
def figures(report):
    values = dataclasses.asdict(report)
    for volatile in ("generated_at", "filters", "filter_labels"):
        values.pop(volatile)
    return values


def test_programme_figures_are_the_same_before_and_after(app, runner):
    world = make_world()
    full_case(app, world, closed_days_ago=400)
    full_case(app, world, closed_days_ago=RECENTLY)
    admin = factories.make_user(role=Role.admin)
    db.session.commit()
    today = date.today()
    filters = ReportFilters(date_from=today - timedelta(days=3 * 365), date_to=today)
    before = figures(build_report(filters, admin, today=today))

    assert "Anonymised 1 case(s)" in run(runner, "--months", "12").output
    db.session.expire_all()
    assert figures(build_report(filters, admin, today=today)) == before


def test_a_key_left_by_a_stopped_run_is_shredded_by_the_next(app, runner):
    full = full_case(app, closed_days_ago=LONG_AGO)
    anonymise_case(full.case)
    db.session.commit()  # the run stopped here: values sealed, key not yet forgotten
    assert db.session.get(AuditKey, full.case.id) is not None

    result = run(runner)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(AuditKey, full.case.id) is None
