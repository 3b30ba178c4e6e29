"""One large case, built through the real services, for the case report's benchmark
(bench/pdf.py) and the long-report tests.

A household of six returning to Serbia (names in Latin and Cyrillic script, one member with
an Albanian name), its whole path from registration to implementation, a reintegration plan,
30 administrative-assistance services and 12 monthly follow-up visits with RSS surveys whose
scores improve over the year. Every step goes through workflow.transition and the domain
services, so the case is as valid as one made by people.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.accounts.passwords import hash_password
from caseflow.assistance.models import ServiceRequest, ServiceStatus, ServiceType
from caseflow.assistance.services import request_service, update_service
from caseflow.cases import services as cases
from caseflow.cases import workflow
from caseflow.cases.models import Case
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, RssVersion, VisitMode
from caseflow.followups.services import add_months, current_rss_version, record_visit
from caseflow.people.models import (
    ConsentPurpose,
    DocumentKind,
    HouseholdRole,
    ProcedureStatus,
    Sex,
    Vulnerability,
)
from caseflow.reintegration.models import LineStatus, SupportKind
from caseflow.reintegration.services import LineData, add_line, update_line_status

VISITS = 12
# Five services per person, in dependency order (civil registration unlocks the ID card,
# which unlocks health insurance), ending in the states a real year leaves them in.
SERVICE_PLAN = (("civil_registration", ServiceStatus.completed),
                ("id_card", ServiceStatus.completed),
                ("health_insurance", ServiceStatus.in_progress),
                ("job_seeking", ServiceStatus.requested),
                ("housing_referral", ServiceStatus.not_possible))


@dataclass
class LargeCase:
    case: Case
    office: Office
    partner: Office
    caseworker: User
    manager: User
    officer: User


def _household() -> list[cases.PersonData]:
    def person(role: HouseholdRole, given: str, family: str, original: str | None, sex: Sex,
               born: date, n: int, **extra: Any) -> cases.PersonData:
        return cases.PersonData(
            role=role, given_names=given, family_name=family, name_original=original,
            sex=sex, date_of_birth=born, nationality="RS", place_of_birth="Niš",
            languages="Serbian", oe_number=f"9.{secrets.randbelow(900) + 100}.{n:03d}",
            reception_centre="Petit-Château", asylum_applied_on=date(2023, 2, 1),
            procedure_status=ProcedureStatus.refused,
            documents=[cases.TravelDocumentData(
                DocumentKind.passport, f"LC{secrets.token_hex(4).upper()}", "RS",
                date(2034, 1, 1))], **extra)

    return [
        person(HouseholdRole.principal, "Đorđe", "Petrović", "Ђорђе Петровић", Sex.male,
               date(1980, 4, 2), 1, phone="+381 60 123 4567",
               vulnerabilities=[Vulnerability.serious_illness],
               vulnerability_note="Insulin-dependent diabetes; needs a regular prescription."),
        person(HouseholdRole.spouse, "Drita", "Hoxhë", None, Sex.female, date(1984, 9, 12), 2),
        person(HouseholdRole.child, "Milica", "Petrović", "Милица Петровић", Sex.female,
               date(2010, 1, 5), 3),
        person(HouseholdRole.child, "Luka", "Petrović", "Лука Петровић", Sex.male,
               date(2012, 6, 20), 4),
        person(HouseholdRole.child, "Ana", "Petrović", "Ана Петровић", Sex.female,
               date(2016, 11, 30), 5),
        person(HouseholdRole.other, "Dragan", "Petrović", "Драган Петровић", Sex.male,
               date(1950, 3, 3), 6, vulnerabilities=[Vulnerability.elderly]),
    ]


def _people(token: str) -> tuple[Office, Office, User, User, User]:
    office = Office(name=f"Return desk Ghent {token}", kind=OfficeKind.sending, country="BE",
                    city="Ghent")
    partner = Office(name=f"Caritas Serbia {token}", kind=OfficeKind.partner, country="RS",
                     city="Belgrade")
    db.session.add_all([office, partner])
    password = hash_password(secrets.token_urlsafe(16))

    def user(role: Role, where: Office, name: str) -> User:
        return User(role=role, office=where, full_name=name, password_hash=password,
                    email=f"{role.value}.{token}@large-case.example.org")

    people = (user(Role.caseworker, office, "Caseworker Large"),
              user(Role.manager, office, "Manager Large"),
              user(Role.reintegration_officer, partner, "Officer Large"))
    db.session.add_all(people)
    db.session.flush()
    return (office, partner, *people)


def _answers(rss: RssVersion, visit_number: int) -> dict[int, int | None]:
    """Answers that get better over the year, unevenly across the indicators."""
    chosen: dict[int, int | None] = {}
    for n, indicator in enumerate(rss.indicators):
        ranked = sorted(indicator.options, key=lambda o: (o.score, o.position))
        step = (visit_number + 3 + n % 3) * (len(ranked) - 1) // (VISITS + 5)
        chosen[indicator.id] = ranked[min(step, len(ranked) - 1)].id
    return chosen


def build_large_case(today: date | None = None) -> LargeCase:
    """Create the large case with its own sending office, partner and users; flushes, the
    caller commits. Needs the reference data (RSS questionnaire, service types, rules)."""
    today = today or date.today()
    arrived = today - timedelta(days=400)
    office, partner, caseworker, manager, officer = _people(secrets.token_hex(4))
    case = cases.register_case(cases.Registration(
        details=cases.CaseDetails(country_of_return="RS", municipality="Niš",
                                  assignee_id=caseworker.id),
        household=_household(), consent_on=arrived - timedelta(days=60),
        consent_purposes=[ConsentPurpose.case_processing, ConsentPurpose.partner_sharing],
        duplicate_reason="Benchmark household"), by=caseworker)
    cases.log_counselling_session(case, cases.SessionData(
        held_on=today, language="Serbian", interpreter="M. Jovanović",
        notes="The family wants to return before the school year starts."), by=caseworker)

    def move(name: str, **data: Any) -> None:
        roles = workflow.MOVES_BY_NAME[name].roles
        actor = caseworker if Role.caseworker in roles else \
            manager if Role.manager in roles else officer
        workflow.transition(case, name, by=actor, data=data)

    move("start_counselling")
    move("submit_application", application_submitted_on=arrived)
    move("approve", decision_on=arrived, note="Eligible: serious illness in the household.")
    move("refer", partner_id=str(partner.id), referred_on=arrived)
    move("accept_referral", partner_accepted_on=arrived)
    move("book_travel", flight_carrier="Air Serbia", flight_number="JU 331",
         departure_airport="Brussels (BRU)", planned_departure_on=today, escort_needed=False)
    # A booking is only accepted for a future day; this household left over a year ago.
    case.planned_departure_on = arrived
    move("confirm_departure", departed_on=arrived)
    # Monthly visits instead of the default schedule: confirming the arrival keeps them.
    case.visits.extend(FollowUpVisit(sequence=m, months_after_arrival=m,
                                     due_on=add_months(arrived, m), schedule_version=0)
                       for m in range(1, VISITS + 1))
    move("confirm_arrival", arrived_on=arrived)
    move("draft_plan")
    lines = [add_line(case, LineData(kind, description, amount), by=officer)
             for kind, description, amount in (
                 (SupportKind.medical, "Three months of insulin and test strips", "420.00"),
                 (SupportKind.housing, "Repair of the roof of the family house", "650.00"),
                 (SupportKind.education, "School books and clothes for three children",
                  "300.00"),
                 (SupportKind.administrative_assistance, "Fees for documents", "0.00"))]
    move("submit_plan")
    move("approve_plan", plan_approved_on=arrived + timedelta(days=20),
         approve_over_budget=True)
    move("start_implementation")
    for line in lines[:3]:
        update_line_status(case, line, LineStatus.delivered, by=officer,
                           delivered_on=arrived + timedelta(days=45))

    types = {t.code: t for t in db.session.query(ServiceType).all()}
    requests: list[tuple[ServiceRequest, ServiceStatus]] = []
    for person in case.beneficiaries:
        for n, (code, final) in enumerate(SERVICE_PLAN):
            request = request_service(case, person.id, types[code].id,
                                      arrived + timedelta(days=5 + n), by=officer)
            requests.append((request, final))
    for n, (request, final) in enumerate(requests):
        if final is ServiceStatus.completed:
            update_service(request, final, by=officer, outcome="Done at the municipality.",
                           completed_on=request.requested_on + timedelta(days=20 + n),
                           fees_paid="5.00")
        elif final is ServiceStatus.not_possible:
            update_service(request, final, by=officer,
                           outcome="No social housing available in the municipality.")
        elif final is ServiceStatus.in_progress:
            update_service(request, final, by=officer)

    rss = current_rss_version()
    for visit in sorted(case.visits, key=lambda v: v.sequence):
        assert rss is not None, "load the reference data first (flask reference load)"
        record_visit(visit, by=officer, done_on=visit.due_on,
                     mode=VisitMode.home_visit if visit.sequence % 2 else VisitMode.phone,
                     notes=f"Visit {visit.sequence}: the family is settling in; the children "
                           "go to school and the father sees his doctor every month.",
                     next_steps="Follow up the health insurance card and the job search.",
                     answers=_answers(rss, visit.sequence), today=today)
    db.session.flush()
    return LargeCase(case=case, office=office, partner=partner, caseworker=caseworker,
                     manager=manager, officer=officer)
