"""Administrative assistance: shared helpers for the service and page tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from caseflow.assistance.models import ServiceType
from caseflow.cases.models import Case
from caseflow.extensions import db
from tests import factories
from tests.cases.helpers import S, World, bring_to, make_world

TODAY = date.today()
ARRIVED_ON = TODAY - timedelta(days=30)


def arrived_case(world: World | None = None, people: int = 1,
                 **names: Any) -> tuple[Case, World]:
    """A case at "arrival confirmed" whose household (the principal, then children) arrived
    30 days ago, so that dates between the arrival and today can be used."""
    world = world or make_world()
    household = [factories.person_data(**names)]
    household += [factories.person_data("child") for _ in range(people - 1)]
    case = bring_to(world.new_case(household=household), S.arrival_confirmed, world)
    case.departed_on = case.arrived_on = ARRIVED_ON
    db.session.flush()
    return case, world


def service_type(code: str) -> ServiceType:
    """A service type of the seeded reference list."""
    found = db.session.scalar(select(ServiceType).where(ServiceType.code == code))
    assert found is not None, code
    return found


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)
