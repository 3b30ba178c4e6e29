"""Tests of the printed case, follow-up visit and monitoring reports. Helpers shared by the
test modules live here."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pypdf
from flask import Flask
from flask_login import login_user

from caseflow.accounts.models import User
from caseflow.assistance.models import ServiceStatus, ServiceType
from caseflow.assistance.services import request_service, update_service
from caseflow.cases import services as cases
from caseflow.cases.models import Case, CaseStatus
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, VisitMode
from caseflow.followups.services import record_visit
from caseflow.people.models import Vulnerability
from tests import factories
from tests.cases.helpers import World, case_at
from tests.followups import answers, rss_v1

TODAY = date.today()
# Arrival in March of last year: the printed dates then carry month names that differ in
# English (Mar, Apr), French (mars, avr.) and Dutch (mrt, apr).
ARRIVED = date(TODAY.year - 1, 3, 2)
FIRST_VISIT = date(TODAY.year - 1, 4, 2)
SECOND_VISIT = date(TODAY.year - 1, 6, 3)
MEDICAL_NOTE = "Needs insulin every day; diabetic since 2015."
SESSION_NOTE = "Worried about the asylum appeal; decided to go home."
# Scores as in tests/followups: the first visit's composite is 0.5556, the second's 0.8056.
PARTIAL = {"economic_satisfaction": "very_satisfied", "employment": "none",
           "support_network": "one", "able_to_stay": "yes", "signs_of_distress": "often"}
BETTER = {**PARTIAL, "employment": "regular"}


@dataclass
class Scored:
    case: Case
    world: World
    first: FollowUpVisit
    second: FollowUpVisit


def household(**principal: Any) -> list[Any]:
    return [
        factories.person_data("principal", given_names="Đorđe", family_name="Petrović",
                              name_original="Ђорђе Петровић", nationality="RS",
                              oe_number="8.123.456", reception_centre="Petit-Château",
                              vulnerabilities=[Vulnerability.serious_illness],
                              vulnerability_note=MEDICAL_NOTE, **principal),
        factories.person_data("spouse", given_names="Drita", family_name="Hoxhë",
                              nationality="AL"),
    ]


def scored_case(world: World | None = None, **principal: Any) -> Scored:
    """A case back since March last year with a counselling note, two services and two
    visits with RSS surveys (the second better than the first), committed."""
    case, world = case_at(CaseStatus.arrival_confirmed, world, dated=ARRIVED,
                          household=household(**principal))
    cases.log_counselling_session(case, cases.SessionData(
        held_on=TODAY, language="Serbian", notes=SESSION_NOTE), by=world.caseworker)
    types = {t.code: t for t in db.session.query(ServiceType)}
    principal_id = case.principal.id
    civil = request_service(case, principal_id, types["civil_registration"].id,
                            ARRIVED + timedelta(days=3), by=world.officer)
    update_service(civil, ServiceStatus.completed, by=world.officer,
                   completed_on=FIRST_VISIT + timedelta(days=10), outcome="Registered in Niš.")
    request_service(case, principal_id, types["id_card"].id, FIRST_VISIT + timedelta(days=12),
                    by=world.officer)
    rss = rss_v1()
    visits = sorted(case.visits, key=lambda v: v.sequence)
    first = record_visit(visits[0], by=world.officer, done_on=FIRST_VISIT,
                         mode=VisitMode.phone, notes="Living with the grandparents.",
                         next_steps="Start the civil registration.",
                         answers=answers(rss, **PARTIAL))
    second = record_visit(visits[1], by=world.officer, done_on=SECOND_VISIT,
                          mode=VisitMode.home_visit, notes="Found work at a bakery.",
                          next_steps="Check the lease.", answers=answers(rss, **BETTER))
    db.session.commit()
    return Scored(case=case, world=world, first=first, second=second)


@contextmanager
def as_user(app: Flask, user: User) -> Iterator[None]:
    """A request context with `user` logged in, for the context and HTML functions."""
    with app.test_request_context():
        login_user(user)
        yield


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, whitespace collapsed."""
    return [" ".join(page.extract_text().split())
            for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))
