"""Tests of subject access, retention and consent. `full_case()` builds a case that holds a
value in every personal field the two features deal with."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import Flask

from caseflow.assistance.models import ServiceRequest, ServiceStatus, ServiceType
from caseflow.assistance.services import request_service, update_service
from caseflow.cases import services as cases
from caseflow.cases.models import Case, CaseStatus
from caseflow.documents.services import attach_document
from caseflow.extensions import db
from caseflow.followups.models import VisitMode
from caseflow.followups.services import record_visit
from caseflow.people.models import (
    Beneficiary,
    ConsentPurpose,
    ProcedureStatus,
    SchoolLevel,
    Vulnerability,
)
from caseflow.printing.models import Certificate, CertificateKind
from caseflow.printing.services import issue_certificate
from caseflow.reintegration.models import SupportKind
from tests import factories
from tests.cases.helpers import World, add_plan_line, case_at, move
from tests.followups import answers, rss_v1

TODAY = date.today()
ARRIVED = date(TODAY.year - 1, 3, 2)
FIRST_VISIT = date(TODAY.year - 1, 4, 2)
MEDICAL_NOTE = "Needs insulin every day; diabetic since 2015."
SESSION_NOTE = "Worried about the asylum appeal; decided to go home."
VISIT_NOTE = "Living with the grandparents in Niš."
NEXT_STEPS = "Call Mrs Petrović about the lease."
PLAN_LINE = "Roof repair of the Petrović house"
SUPPLIER = "Krovovi Petrović d.o.o."
OUTCOME = "Registered in Niš by Đorđe himself."
SCHOOL = "École communale n°7"
CLOSE_NOTE = "Family moved to Novi Sad; Đorđe asked to close."
# Every piece of personal text full_case() stores: none may survive anonymisation.
PERSONAL_TEXTS = ("Đorđe", "Petrović", "Ђорђе", "Drita", "Hoxhë", "Elira", "8.123.456",
                  "Petit-Château", "+381 64 123 4567", "Leskovac", "serbian, romani",
                  MEDICAL_NOTE, SESSION_NOTE, VISIT_NOTE, NEXT_STEPS, PLAN_LINE, SUPPLIER,
                  OUTCOME, SCHOOL, "Schaerbeek", CLOSE_NOTE, "A. Tumač", "passport-scan.pdf",
                  "Passport scan")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Full:
    case: Case
    world: World
    principal: Beneficiary
    spouse: Beneficiary
    child: Beneficiary
    certificate: Certificate


def household() -> list:
    return [
        factories.person_data(
            "principal", given_names="Đorđe", family_name="Petrović",
            name_original="Ђорђе Петровић", nationality="RS", place_of_birth="Leskovac",
            languages="serbian, romani", phone="+381 64 123 4567", oe_number="8.123.456",
            reception_centre="Petit-Château", asylum_applied_on=date(2023, 8, 17),
            procedure_status=ProcedureStatus.refused,
            vulnerabilities=[Vulnerability.serious_illness], vulnerability_note=MEDICAL_NOTE,
            date_of_birth=date(1985, 3, 14)),
        factories.person_data("spouse", given_names="Drita", family_name="Hoxhë",
                              nationality="AL", date_of_birth=date(1988, 11, 30)),
        factories.person_data("child", given_names="Elira", family_name="Petrović",
                              nationality="RS", date_of_birth=date(2015, 6, 2)),
    ]


def full_case(app: Flask, world: World | None = None, *, closed_days_ago: int | None = None
              ) -> Full:
    """A returned household with every kind of record: identity and school data, consents,
    a counselling note, a plan with a line for the principal, a completed service, a visit
    with its survey, an uploaded scan and an issued certificate. With `closed_days_ago` the
    case is then closed that many days ago. Committed."""
    case, world = case_at(CaseStatus.plan_drafted, world, dated=ARRIVED, household=household())
    principal, spouse, child = case.beneficiaries
    add_plan_line(case, world, amount="1250.00", kind=SupportKind.housing,
                  description=PLAN_LINE, beneficiary_id=principal.id)
    case.plan.lines[-1].supplier = SUPPLIER
    move(case, "submit_plan", world, over_budget_reason="Roof unsafe for Elira.")
    move(case, "approve_plan", world, approve_over_budget=True)
    move(case, "start_implementation", world)
    move(case, "start_monitoring", world)
    cases.log_counselling_session(case, cases.SessionData(
        held_on=TODAY, language="Serbian", interpreter="A. Tumač", notes=SESSION_NOTE),
        by=world.caseworker)
    cases.add_school_record(case, child, cases.SchoolData(
        school=SCHOOL, town="Schaerbeek", year_from=2022, year_to=2024,
        level=SchoolLevel.primary, grade="3e primaire"), by=world.caseworker)
    cases.record_consent(case, child, ConsentPurpose.medical_sharing, TODAY,
                         by=world.caseworker)
    types = {t.code: t for t in db.session.query(ServiceType)}
    service: ServiceRequest = request_service(
        case, principal.id, types["civil_registration"].id, ARRIVED + timedelta(days=3),
        by=world.officer)
    update_service(service, ServiceStatus.completed, by=world.officer,
                   completed_on=FIRST_VISIT + timedelta(days=10), outcome=OUTCOME)
    first = next(v for v in case.visits if v.sequence == 1)
    record_visit(first, by=world.officer, done_on=FIRST_VISIT, mode=VisitMode.home_visit,
                 notes=VISIT_NOTE, next_steps=NEXT_STEPS,
                 answers=answers(rss_v1(), economic_satisfaction="very_satisfied",
                                 employment="regular", able_to_stay="yes"))
    attach_document(case, io.BytesIO(PDF), filename="passport-scan.pdf", title="Passport scan",
                    by=world.caseworker, beneficiary=principal)
    with app.test_request_context():
        certificate = issue_certificate(case, CertificateKind.reintegration_completed,
                                        by=world.manager, language="fr")
    if closed_days_ago is not None:
        move(case, "close", world, closure_reason="completed", optional_note=CLOSE_NOTE)
        case.closed_at = datetime.now(UTC) - timedelta(days=closed_days_ago)
    db.session.commit()
    return Full(case=case, world=world, principal=principal, spouse=spouse, child=child,
                certificate=certificate)
