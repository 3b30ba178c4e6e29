"""A week of departure attestations for the batch-printing tests: two valid ones of the
manager's office, one revoked, one issued the week before and one of another office."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pypdf
from flask import current_app

from caseflow.cases.models import CaseStatus
from caseflow.db import utcnow
from caseflow.extensions import db
from caseflow.printing import services as printing
from caseflow.printing.models import Certificate
from tests import factories
from tests.cases.helpers import World, case_at, make_world


@dataclass
class Week:
    world: World
    year: int
    week: int
    valid: list[Certificate]
    excluded: list[Certificate]

    @property
    def field(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"


def page_count(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def text_of(data: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def issue(world: World, family_name: str) -> Certificate:
    household = [factories.person_data(given_names="Arta", family_name=family_name)]
    case, _world = case_at(CaseStatus.departed, world, household=household)
    return printing.issue_departure_certificate(case, by=world.manager, language="en")


def this_week() -> tuple[int, int]:
    zone = ZoneInfo(current_app.config["CASEFLOW_TIMEZONE"])
    year, week, _day = utcnow().astimezone(zone).isocalendar()
    return year, week


def build_week() -> Week:
    world = make_world("AL")
    first = issue(world, "Krasniqi")
    second = issue(world, "Berisha")
    revoked = issue(world, "Gashi")
    printing.revoke_certificate(revoked, by=world.manager, reason="Issued twice by mistake.")
    earlier = issue(world, "Shehu")
    earlier.issued_at = utcnow() - timedelta(days=8)
    elsewhere_world = make_world("AL")
    elsewhere = issue(elsewhere_world, "Dervishi")
    db.session.commit()
    year, week = this_week()
    return Week(world, year, week, [first, second], [revoked, earlier, elsewhere])
