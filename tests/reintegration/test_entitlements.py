"""What a household is entitled to: departure premium and reintegration budget by country group,
household make-up, age at departure and vulnerability; versioned rules, and approved plans
that keep the version they were approved with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from caseflow.accounts.models import Role
from caseflow.cases.models import RETURN_COUNTRIES, Case, CaseStatus
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.followups.services import add_months
from caseflow.people.models import Sex, Vulnerability
from caseflow.reintegration import services
from caseflow.reintegration.models import EntitlementRules, SupportKind
from caseflow.reintegration.reference import FIRST_RULES
from tests import factories
from tests.cases.helpers import add_plan_line, case_at, count, make_world, move

S = CaseStatus
VISA_FREE_V1 = "AL,BA,GE,MD,ME,MK,RS,UA,XK"


def household(adults: int = 1, children: int = 0, vulnerable: bool = False) -> list[Any]:
    """A principal, then spouse/other adults, then children (born 2015: children for years)."""
    people = [factories.person_data(
        vulnerabilities=[Vulnerability.serious_illness] if vulnerable else [])]
    people += [factories.person_data("spouse" if n == 0 else "other", given_names="Drita",
                                     sex=Sex.female, date_of_birth=date(1988, 1, 9))
               for n in range(adults - 1)]
    people += [factories.person_data("child") for _ in range(children)]
    return people


def rules_values(**changes: Any) -> dict[str, Any]:
    """The values of a new rules version, as the admin form gives them (amounts as text)."""
    values: dict[str, Any] = {
        "valid_from": date.today(), "visa_free_countries": VISA_FREE_V1,
        "premium_adult_visa_free": "50", "premium_child_visa_free": "25",
        "premium_adult_visa_required": "350", "premium_child_visa_required": "175",
        "budget_visa_free": "0", "budget_visa_required": "1500",
        "vulnerability_top_up": "1500", "note": "Test rules"}
    return {**values, **changes}


def publish(**changes: Any) -> EntitlementRules:
    return services.publish_rules(rules_values(**changes),
                                  by=factories.make_user(Role.admin))


def registered(people: list[Any], country: str = "AL") -> Case:
    return make_world(country).new_case(household=people)


# -- the first rules version ---------------------------------------------------------------
def test_version_1_is_loaded_with_the_reference_data():
    rules = services.current_rules()
    assert rules is not None and rules.version == 1
    assert rules.visa_free == set(VISA_FREE_V1.split(","))
    assert (rules.premium_adult_visa_free, rules.premium_child_visa_free) == \
        (Decimal("50.00"), Decimal("25.00"))
    assert (rules.premium_adult_visa_required, rules.premium_child_visa_required) == \
        (Decimal("350.00"), Decimal("175.00"))
    assert (rules.budget_visa_free, rules.budget_visa_required, rules.vulnerability_top_up) \
        == (Decimal("0.00"), Decimal("1500.00"), Decimal("1500.00"))
    assert rules.adult_age == 18
    assert services.current_rules(date(2021, 12, 31)) is None  # before version 1


@pytest.mark.parametrize("country", RETURN_COUNTRIES)
def test_every_country_of_return_is_visa_free_under_version_1(country):
    computed = services.entitlement(registered(household(), country))
    assert computed.visa_free and computed.rules_version == 1
    assert (computed.premium, computed.budget) == (Decimal("50.00"), Decimal("0.00"))


# -- household make-up -----------------------------------------------------------------------
def test_two_adults_and_three_children_to_a_visa_free_country():
    case = registered(household(adults=2, children=3))
    computed = services.entitlement(case)
    assert (computed.adults, computed.children) == (2, 3)
    assert computed.premium == Decimal("175.00")  # 2 x 50 + 3 x 25
    assert isinstance(computed.premium, Decimal) and str(computed.premium) == "175.00"
    assert (computed.standard_budget, computed.top_up, computed.budget) == \
        (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    assert not computed.vulnerable


def test_the_same_household_to_a_visa_required_country():
    case = registered(household(adults=2, children=3))  # AL
    visa_required_al = publish(visa_free_countries="MK, RS, XK")
    computed = services.entitlement(case)
    assert computed.rules_version == visa_required_al.version == 2
    assert not computed.visa_free
    assert (computed.premium_adult, computed.premium_child) == \
        (Decimal("350.00"), Decimal("175.00"))
    assert computed.premium == Decimal("1225.00")  # 2 x 350 + 3 x 175
    assert computed.budget == Decimal("1500.00")
    # under version 1 (asked for explicitly) the same case is still visa-free
    first = db.session.scalar(select(EntitlementRules).where(EntitlementRules.version == 1))
    assert services.entitlement(case, first).premium == Decimal("175.00")
    assert services.entitlement(case, first).visa_free


def test_the_explanation_names_the_rules_version_and_the_sums():
    computed = services.entitlement(registered(household(adults=2, children=3)))
    lines = computed.explanation()
    assert lines[0] == "Rules version 1, visa-free country."
    assert "2 adult(s) \u00d7 EUR 50.00" in lines[1] and "3 child(ren) \u00d7 EUR 25.00" in lines[1]
    assert lines[1].endswith("= EUR 175.00.")
    assert lines[2] == "Standard reintegration budget: EUR 0.00."
    assert len(lines) == 3  # no top-up line without a vulnerability
    publish(visa_free_countries="MK", premium_adult_visa_required="400")
    again = services.entitlement(registered(household()))
    assert again.explanation()[0] == "Rules version 2, visa-required country."
    assert "EUR 400.00" in again.explanation()[1]


# -- age at the departure date ---------------------------------------------------------------
def test_a_child_who_is_18_on_the_departure_day_counts_as_an_adult():
    departed = date(2025, 3, 1)
    people = [factories.person_data(),
              factories.person_data("child", given_names="Besa",
                                    date_of_birth=date(2007, 3, 1)),  # 18 on the day
              factories.person_data("child", given_names="Dea",
                                    date_of_birth=date(2007, 3, 2))]  # 18 a day later
    case, _world = case_at(S.departed, dated=departed, household=people)
    assert case.departed_on == departed
    computed = services.entitlement(case)
    assert (computed.adults, computed.children) == (2, 1)  # Dea is 18 today, not then
    assert computed.premium == Decimal("125.00")


def test_without_a_departure_ages_are_counted_today():
    eighteen_today = add_months(date.today(), -18 * 12)
    people = [factories.person_data(),
              factories.person_data("child", date_of_birth=eighteen_today),
              factories.person_data("child", date_of_birth=add_months(eighteen_today, 1))]
    computed = services.entitlement(registered(people))
    assert (computed.adults, computed.children) == (2, 1)


# -- vulnerability ---------------------------------------------------------------------------
def test_a_vulnerable_member_adds_the_top_up_to_a_visa_free_budget_of_nothing():
    plain = services.entitlement(registered(household(adults=2)))
    assert plain.budget == Decimal("0.00") and not plain.vulnerable
    people = household(adults=1, children=1)
    people[1] = factories.person_data("child", vulnerabilities=[Vulnerability.disabled])
    computed = services.entitlement(registered(people))
    assert computed.vulnerable
    assert (computed.standard_budget, computed.top_up, computed.budget) == \
        (Decimal("0.00"), Decimal("1500.00"), Decimal("1500.00"))
    assert computed.premium == Decimal("75.00")  # the top-up does not change the premium
    assert computed.explanation()[-1] == "Vulnerability top-up: EUR 1500.00."


def test_the_top_up_comes_on_top_of_a_visa_required_budget():
    case = registered(household(adults=1, children=2, vulnerable=True))
    publish(visa_free_countries="XK")
    computed = services.entitlement(case)
    assert not computed.visa_free
    assert (computed.standard_budget, computed.top_up, computed.budget) == \
        (Decimal("1500.00"), Decimal("1500.00"), Decimal("3000.00"))
    assert computed.premium == Decimal("700.00")  # 350 + 2 x 175


def test_two_vulnerable_members_get_one_top_up():
    people = [factories.person_data(vulnerabilities=[Vulnerability.elderly]),
              factories.person_data("spouse", given_names="Drita", sex=Sex.female,
                                    vulnerabilities=[Vulnerability.pregnant])]
    assert services.entitlement(registered(people)).budget == Decimal("1500.00")


# -- stability after a rule change -------------------------------------------------------------
def approved_plan_case() -> Case:
    case, world = case_at(S.plan_drafted, household=household(adults=2, vulnerable=True))
    add_plan_line(case, world, amount="1200.00", kind=SupportKind.business,
                  description="Tools for a carpentry workshop")
    move(case, "submit_plan", world)
    move(case, "approve_plan", world)
    return case


def test_an_approved_plan_keeps_its_rules_version_and_budget_after_a_change():
    case = approved_plan_case()
    plan = case.plan
    assert (plan.entitlement_version, plan.approved_budget, plan.approved_ceiling) == \
        (1, Decimal("1500.00"), Decimal("1500.00"))

    second = publish(premium_adult_visa_free="60", premium_child_visa_free="30",
                     budget_visa_free="500", vulnerability_top_up="2000")
    assert second.version == 2 and services.current_rules().version == 2
    db.session.expire_all()  # read everything back from the database

    plan = case.plan
    assert (plan.entitlement_version, plan.approved_budget, plan.approved_ceiling) == \
        (1, Decimal("1500.00"), Decimal("1500.00"))
    assert services.budget_of(case) == Decimal("1500.00")
    first = db.session.scalar(select(EntitlementRules).where(EntitlementRules.version == 1))
    assert first.budget_visa_free == Decimal("0.00")  # the old version is left as it was
    assert first.premium_adult_visa_free == Decimal(FIRST_RULES["premium_adult_visa_free"])

    newcomer = registered(household(adults=2, vulnerable=True))
    computed = services.entitlement(newcomer)
    assert computed.rules_version == 2
    assert (computed.premium, computed.budget) == (Decimal("120.00"), Decimal("2500.00"))
    assert services.budget_of(newcomer) == Decimal("2500.00")


def test_a_plan_approved_after_the_change_gets_the_new_version():
    case, world = case_at(S.plan_submitted, household=household(vulnerable=True))
    assert services.budget_of(case) == Decimal("1500.00")
    publish(budget_visa_free="250")
    assert services.budget_of(case) == Decimal("1750.00")  # not approved: follows the rules
    move(case, "approve_plan", world)
    assert (case.plan.entitlement_version, case.plan.approved_budget) == \
        (2, Decimal("1750.00"))


def test_rules_valid_from_a_later_day_apply_from_that_day():
    later = publish(valid_from=date(2999, 1, 1), budget_visa_free="999")
    assert services.current_rules().version == 1
    assert services.current_rules(date(2999, 1, 1)).version == later.version
    assert services.entitlement(registered(household())).budget == Decimal("0.00")


# -- publishing rules ------------------------------------------------------------------------
def test_publishing_normalises_the_country_list_and_amounts():
    rules = publish(visa_free_countries=" mk, al ,,RS, al", premium_adult_visa_free="60,5",
                    note="  ")
    assert rules.visa_free_countries == "AL,MK,RS"
    assert rules.premium_adult_visa_free == Decimal("60.50")
    assert rules.note is None


@pytest.mark.parametrize(("changes", "fields"), [
    ({"premium_adult_visa_free": "-1"}, {"premium_adult_visa_free"}),
    ({"vulnerability_top_up": "-0.01"}, {"vulnerability_top_up"}),
    ({"budget_visa_required": "12.345"}, {"budget_visa_required"}),
    ({"budget_visa_free": "lots"}, {"budget_visa_free"}),
    ({"premium_child_visa_required": None}, {"premium_child_visa_required"}),
    ({"visa_free_countries": "ALB, MK"}, {"visa_free_countries"}),
    ({"visa_free_countries": "A1"}, {"visa_free_countries"}),
    ({"visa_free_countries": "AL; MK"}, {"visa_free_countries"}),
    ({"valid_from": date(2021, 12, 31)}, {"valid_from"}),
    ({"premium_adult_visa_free": "-5", "visa_free_countries": "X",
      "valid_from": date(2020, 1, 1)},
     {"premium_adult_visa_free", "visa_free_countries", "valid_from"}),
], ids=["negative", "negative-cent", "three-decimals", "text", "missing", "three-letters",
        "digit", "semicolons", "before-version-1", "all-at-once"])
def test_invalid_rules_are_refused_field_by_field(changes, fields):
    before = count(EntitlementRules)
    with pytest.raises(ValidationFailed) as refused:
        publish(**changes)
    assert set(refused.value.errors) == fields
    assert count(EntitlementRules) == before
    assert services.current_rules().version == 1


def test_a_version_cannot_start_before_the_latest_one():
    publish(valid_from=date(2030, 6, 1))
    with pytest.raises(ValidationFailed) as refused:
        publish(valid_from=date(2030, 5, 31))
    assert set(refused.value.errors) == {"valid_from"}
    assert "2030-06-01" in refused.value.errors["valid_from"][0]
    assert publish(valid_from=date(2030, 6, 1)).version == 3  # the same day is fine


@pytest.mark.parametrize("role", [Role.caseworker, Role.manager, Role.reintegration_officer])
def test_only_an_admin_publishes_rules(role):
    with pytest.raises(AccessDenied):
        services.publish_rules(rules_values(), by=factories.make_user(role))
    admin = factories.make_user(Role.admin, is_active=False)
    with pytest.raises(AccessDenied):
        services.publish_rules(rules_values(), by=admin)
    assert services.current_rules().version == 1
