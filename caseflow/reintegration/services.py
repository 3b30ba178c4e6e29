"""Entitlements and reintegration plans.

What a household is entitled to is computed from the current rules; approving a plan freezes
the rule version and the amounts on the plan, so a later rule change never alters it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from caseflow.accounts.models import Role, User
from caseflow.cases.models import AFTER_ARRIVAL, Case, CaseEvent, CaseStatus, EventKind
from caseflow.cases.services import check_case_version
from caseflow.db import utcnow
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.people.models import Beneficiary
from caseflow.reintegration.models import (
    EntitlementRules,
    LineStatus,
    PlanLine,
    ReintegrationPlan,
    SupportKind,
)
from caseflow.versions import differences

CENT = Decimal("0.01")
PLAIN_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
MAX_AMOUNT = Decimal("1000000")
SUPPORT_MONTHS = 12
# Stages in which the partner may still change the plan's lines.
EDITABLE_STAGES = (CaseStatus.plan_drafted,)
DELIVERY_STAGES = (CaseStatus.plan_approved, CaseStatus.in_implementation)


def parse_amount(value: Any, field: str = "amount") -> Decimal:
    """An amount in euros from user input: exact, two decimals, not negative.

    Only plain decimal notation is accepted: Decimal() alone would also take "1e2", "1_000"
    and non-ASCII digits, which nobody means as an amount of money.
    """
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().replace(",", ".")
        if not PLAIN_AMOUNT.fullmatch(text):
            raise ValidationFailed(_("Enter an amount in euros, e.g. 1250.50."), field=field)
        try:
            amount = Decimal(text)
        except (InvalidOperation, ValueError):
            raise ValidationFailed(_("Enter an amount in euros, e.g. 1250.50."),
                                   field=field) from None
    if not amount.is_finite():  # NaN, Infinity: not an amount at all
        raise ValidationFailed(_("Enter an amount in euros, e.g. 1250.50."), field=field)
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationFailed(_("Use at most two decimals (cents)."), field=field)
    if amount < 0:
        raise ValidationFailed(_("An amount cannot be negative."), field=field)
    if amount >= MAX_AMOUNT:
        raise ValidationFailed(_("This amount is too large."), field=field)
    # copy_abs: "-0" is zero, not "-0.00" (negative amounts are refused above).
    return amount.copy_abs().quantize(CENT, rounding=ROUND_HALF_UP)


# -- rules -------------------------------------------------------------------------------
def current_rules(on: date | None = None) -> EntitlementRules | None:
    on = on or date.today()
    return db.session.scalar(select(EntitlementRules).where(EntitlementRules.valid_from <= on)
                             .order_by(EntitlementRules.version.desc()).limit(1))


RULE_AMOUNTS = ("premium_adult_visa_free", "premium_child_visa_free",
                "premium_adult_visa_required", "premium_child_visa_required",
                "budget_visa_free", "budget_visa_required", "vulnerability_top_up")


def publish_rules(values: dict[str, Any], *, by: User | None,
                  based_on: int | None = None) -> EntitlementRules:
    """A new version of the rules. Old versions stay as they are (approved plans cite them).

    `based_on` is the latest version the admin saw (0: none yet): if another admin published
    one since, StaleEdit shows their figures next to these, and nothing is published."""
    if by is not None and not by.can_administer():
        raise AccessDenied()
    errors: dict[str, list[str]] = {}
    amounts = {}
    for name in RULE_AMOUNTS:
        try:
            amounts[name] = parse_amount(values.get(name), field=name)
        except ValidationFailed as error:
            errors.update(error.errors)
    countries = ",".join(sorted({c.strip().upper() for c in str(
        values.get("visa_free_countries") or "").split(",") if c.strip()}))
    if any(len(c) != 2 or not c.isalpha() for c in countries.split(",") if c):
        errors["visa_free_countries"] = [_("List two-letter country codes separated by "
                                           "commas, e.g. AL, MK, XK, RS.")]
    valid_from = values.get("valid_from") or date.today()
    latest = db.session.scalar(select(EntitlementRules).order_by(
        EntitlementRules.version.desc()).limit(1))
    if based_on is not None and based_on != (latest.version if latest else 0):
        assert latest is not None  # a version newer than "none" exists
        yours = {name: amounts.get(name, values.get(name)) for name in RULE_AMOUNTS}
        yours.update(visa_free_countries=countries, valid_from=valid_from,
                     note=values.get("note"))
        raise StaleEdit(_("Another administrator published version %(v)d of the rules after "
                          "you opened this page. Nothing of yours was published; look at "
                          "their figures below, then publish yours again if they still "
                          "apply.", v=latest.version), latest.version,
                        differences(latest, yours))
    if latest is not None and valid_from < latest.valid_from:
        errors["valid_from"] = [_("A new version cannot start before the current one "
                                  "(%(day)s).", day=latest.valid_from.isoformat())]
    if errors:
        raise ValidationFailed(errors)
    rules = EntitlementRules(version=(latest.version + 1) if latest else 1,
                             valid_from=valid_from, visa_free_countries=countries,
                             note=(values.get("note") or "").strip() or None,
                             created_by=by, **amounts)
    db.session.add(rules)
    db.session.flush()
    return rules


# -- entitlement -------------------------------------------------------------------------
@dataclass(frozen=True)
class Entitlement:
    rules_version: int
    visa_free: bool
    adults: int
    children: int
    vulnerable: bool
    premium_adult: Decimal
    premium_child: Decimal
    premium: Decimal
    standard_budget: Decimal
    top_up: Decimal
    budget: Decimal

    def explanation(self) -> list[str]:
        group = _("visa-free country") if self.visa_free else _("visa-required country")
        lines = [
            _("Rules version %(v)d, %(group)s.", v=self.rules_version, group=group),
            _("Departure premium: %(a)d adult(s) \u00d7 EUR %(pa)s + %(c)d child(ren) "
              "\u00d7 EUR %(pc)s = EUR %(total)s.", a=self.adults, pa=self.premium_adult,
              c=self.children, pc=self.premium_child, total=self.premium),
            _("Standard reintegration budget: EUR %(amount)s.", amount=self.standard_budget),
        ]
        if self.vulnerable:
            lines.append(_("Vulnerability top-up: EUR %(amount)s.", amount=self.top_up))
        return lines


def entitlement(case: Case, rules: EntitlementRules | None = None) -> Entitlement | None:
    """What the household is entitled to under `rules` (default: the rules in force)."""
    rules = rules or current_rules()
    if rules is None:
        return None
    on = case.departed_on or date.today()
    adults = sum(1 for b in case.beneficiaries if b.age_on(on) >= rules.adult_age)
    children = len(case.beneficiaries) - adults
    vulnerable = any(b.vulnerabilities for b in case.beneficiaries)
    visa_free = case.country_of_return in rules.visa_free
    pa = rules.premium_adult_visa_free if visa_free else rules.premium_adult_visa_required
    pc = rules.premium_child_visa_free if visa_free else rules.premium_child_visa_required
    standard = rules.budget_visa_free if visa_free else rules.budget_visa_required
    top_up = rules.vulnerability_top_up if vulnerable else Decimal("0.00")
    return Entitlement(rules_version=rules.version, visa_free=visa_free, adults=adults,
                       children=children, vulnerable=vulnerable, premium_adult=pa,
                       premium_child=pc, premium=pa * adults + pc * children,
                       standard_budget=standard, top_up=top_up, budget=standard + top_up)


def budget_of(case: Case) -> Decimal:
    """The plan's budget: frozen once approved, else what the current rules give."""
    plan = case.plan
    if plan is not None and plan.approved_budget is not None:
        return plan.approved_ceiling or plan.approved_budget
    computed = entitlement(case)
    return computed.budget if computed else Decimal("0.00")


def support_deadline(case: Case) -> date | None:
    """Support must be used within about 12 months of arrival (Fedasil)."""
    if case.arrived_on is None:
        return None
    from caseflow.followups.services import add_months

    return add_months(case.arrived_on, SUPPORT_MONTHS)


# -- plans -------------------------------------------------------------------------------
def start_plan(case: Case, *, by: User) -> ReintegrationPlan:
    if case.plan is None:
        case.plan = ReintegrationPlan(created_by=by)
        db.session.flush()
    return case.plan


def approve_plan(case: Case, *, by: User, on: date) -> ReintegrationPlan:
    """Freeze the budget: rules version, amount and the ceiling the manager accepted."""
    plan = case.plan
    if plan is None:
        raise ValidationFailed(_("This case has no reintegration plan."))
    computed = entitlement(case)
    budget = computed.budget if computed else Decimal("0.00")
    plan.entitlement_version = computed.rules_version if computed else 0
    plan.approved_budget = budget
    plan.approved_ceiling = max(budget, plan.committed)
    plan.approved_on = on
    plan.approved_by = by
    db.session.flush()
    return plan


def can_edit_lines(case: Case, user: User) -> bool:
    return user.role is Role.reintegration_officer and user.is_active and \
        case.partner_id == user.office_id and case.status in EDITABLE_STAGES


def can_update_delivery(case: Case, user: User) -> bool:
    return user.role is Role.reintegration_officer and user.is_active and \
        case.partner_id == user.office_id and case.status in DELIVERY_STAGES


@dataclass
class LineData:
    kind: SupportKind
    description: str
    amount: Any
    beneficiary_id: int | None = None
    supplier: str | None = None


def _beneficiary(case: Case, beneficiary_id: int | None) -> Beneficiary | None:
    if not beneficiary_id:
        return None
    person = next((b for b in case.beneficiaries if b.id == beneficiary_id), None)
    if person is None:
        raise ValidationFailed(_("Choose a person of this household."), field="beneficiary_id")
    return person


def _touch(case: Case, by: User, what: dict[str, list[Any]]) -> None:
    case.updated_at = utcnow()
    db.session.flush()
    db.session.add(CaseEvent(case=case, kind=EventKind.edited, by=by, version=case.version,
                             data=what))
    db.session.flush()


def add_line(case: Case, data: LineData, *, by: User) -> PlanLine:
    if not can_edit_lines(case, by):
        raise AccessDenied(_("Plan lines are added by the partner while the plan is a draft."))
    errors: dict[str, list[str]] = {}
    description = data.description.strip()
    if not description:
        errors["description"] = [_("Describe the support.")]
    elif len(description) > 500:
        errors["description"] = [_("Use at most %(n)d characters.", n=500)]
    try:
        amount = parse_amount(data.amount)
    except ValidationFailed as error:
        errors.update(error.errors)
    try:
        person = _beneficiary(case, data.beneficiary_id)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    line = PlanLine(kind=data.kind, description=description, amount=amount,
                    beneficiary=person, supplier=(data.supplier or "").strip()[:160] or None)
    case.plan.lines.append(line)
    db.session.flush()
    _touch(case, by, {"plan line": [None, f"{data.kind.value}: EUR {amount}"]})
    return line


def remove_line(case: Case, line: PlanLine, *, by: User) -> None:
    if not can_edit_lines(case, by) or line.plan_id != case.plan.id:
        raise AccessDenied()
    case.plan.lines.remove(line)
    db.session.flush()
    _touch(case, by, {"plan line": [f"{line.kind.value}: EUR {line.amount}", None]})


def update_line_status(case: Case, line: PlanLine, status: LineStatus, *, by: User,
                       delivered_on: date | None = None, today: date | None = None,
                       expected_version: int | None = None) -> None:
    """Delivery of an approved plan: planned -> in progress -> delivered, or cancelled.

    A line has no version of its own: every change of a line moves its case's version on,
    and `expected_version` is the case version the user saw (StaleEdit if it moved)."""
    if not can_update_delivery(case, by) or line.plan_id != case.plan.id:
        raise AccessDenied()
    check_case_version(case, expected_version)
    today = today or date.today()
    if line.status in (LineStatus.delivered, LineStatus.cancelled):
        raise ValidationFailed(_("This line is already %(status)s.", status=line.status.label),
                               field="status")
    if status is line.status:
        return  # nothing changes: no history row, no new version
    if status is LineStatus.delivered:
        if delivered_on is None:
            raise ValidationFailed(_("Enter the delivery date."), field="delivered_on")
        if delivered_on > today:
            raise ValidationFailed(_("This date cannot be in the future."),
                                   field="delivered_on")
        if case.arrived_on and delivered_on < case.arrived_on:
            raise ValidationFailed(_("Support cannot be delivered before the arrival "
                                     "(%(day)s).", day=case.arrived_on.isoformat()),
                                   field="delivered_on")
    line.delivered_on = delivered_on if status is LineStatus.delivered else None
    old = line.status
    line.status = status
    db.session.flush()
    _touch(case, by, {f"plan line {line.id}": [old.value, status.value]})


def is_after_arrival(case: Case) -> bool:
    return case.status in AFTER_ARRIVAL or case.held_from in AFTER_ARRIVAL \
        or case.closed_from in AFTER_ARRIVAL
