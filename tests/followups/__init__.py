"""Tests of follow-up visits and the RSS. Helpers shared by the test modules live here."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from caseflow.accounts.models import OfficeKind, Role
from caseflow.cases.models import Case, CaseStatus
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, RssOption, RssVersion
from tests import factories
from tests.cases.helpers import World, case_at, make_world


def arrived_case(world: World | None = None) -> tuple[Case, World]:
    """A case whose arrival was confirmed today (so its visits are scheduled), committed
    (a savepoint in the tests), so that a rollback after a refused change keeps it."""
    case, world = case_at(CaseStatus.arrival_confirmed, world)
    db.session.commit()
    return case, world


def other_partner_world(world: World) -> World:
    """Same sending office, another partner organisation in the same country."""
    partner = factories.make_office(kind=OfficeKind.partner, country=world.country)
    return World(office=world.office, caseworker=world.caseworker, manager=world.manager,
                 partner=partner,
                 officer=factories.make_user(Role.reintegration_officer, office=partner),
                 country=world.country)


def visit(case: Case, sequence: int = 1) -> FollowUpVisit:
    return next(v for v in case.visits if v.sequence == sequence)


def set_due(case: Case, *due: date) -> None:
    """Move the case's visits to these due dates (first visit first)."""
    for v, day in zip(sorted(case.visits, key=lambda v: v.sequence), due, strict=False):
        v.due_on = day
    db.session.flush()


def rss_v1() -> RssVersion:
    return db.session.scalar(select(RssVersion).where(RssVersion.version == 1))


def options(version: RssVersion, **codes: str) -> list[RssOption]:
    """The options chosen, by indicator code and option code."""
    by_code = {i.code: i for i in version.indicators}
    return [next(o for o in by_code[ind].options if o.code == opt) for ind, opt in codes.items()]


def answers(version: RssVersion, **codes: str) -> dict[int, int | None]:
    """{indicator id: option id} for record_visit."""
    return {o.indicator_id: o.id for o in options(version, **codes)}


__all__ = ["answers", "arrived_case", "make_world", "options", "other_partner_world",
           "rss_v1", "set_due", "visit"]
