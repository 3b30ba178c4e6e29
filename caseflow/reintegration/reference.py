"""The first version of the entitlement rules (Fedasil 2022 figures; admins publish new ones)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from caseflow.extensions import db
from caseflow.reintegration.models import EntitlementRules

# Departure premiums are Fedasil's 2022 rules (DOMAIN.md). The reintegration budgets and the
# vulnerability top-up are starting values for an admin to replace with the programme's own.
FIRST_RULES = {
    "version": 1,
    "valid_from": date(2022, 1, 1),
    "visa_free_countries": "AL,BA,GE,MD,ME,MK,RS,UA,XK",
    "premium_adult_visa_free": Decimal("50.00"),
    "premium_child_visa_free": Decimal("25.00"),
    "premium_adult_visa_required": Decimal("350.00"),
    "premium_child_visa_required": Decimal("175.00"),
    "budget_visa_free": Decimal("0.00"),
    "budget_visa_required": Decimal("1500.00"),
    "vulnerability_top_up": Decimal("1500.00"),
    "note": "Premiums from Fedasil's 2022 rules; budgets are starting values to review.",
}


def seed() -> bool:
    """Create version 1 when there are no rules yet. Returns whether it created anything."""
    if db.session.scalar(select(EntitlementRules.id).limit(1)) is not None:
        return False
    db.session.add(EntitlementRules(**FIRST_RULES))
    db.session.flush()
    return True
