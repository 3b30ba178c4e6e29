"""The plan section of the case page, plan line pages, and the entitlement rules admin page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from caseflow.accounts.models import Role
from caseflow.cases.models import CaseStatus
from caseflow.extensions import db
from caseflow.reintegration.models import EntitlementRules, LineStatus, PlanLine
from tests import factories
from tests.cases.helpers import case_at, move


def log_in(client, user) -> None:
    client.post("/logout")
    response = factories.log_in(client, user)  # with the two-factor step of managers
    assert response.status_code == 302


def test_partner_drafts_lines_and_sees_the_budget(client):
    case, world = case_at(CaseStatus.plan_drafted)
    db.session.commit()
    log_in(client, world.officer)
    page = client.get(f"/cases/{case.number}").text
    assert "Reintegration" in page and "Add a plan line" in page
    assert "Support must be used by" in page
    bad = client.post(f"/cases/{case.number}/plan/lines/new", data={
        "kind": "housing", "description": "Rent for 3 months", "beneficiary_id": "0",
        "amount": "-5"})
    assert "An amount cannot be negative." in bad.text
    cents = client.post(f"/cases/{case.number}/plan/lines/new", data={
        "kind": "housing", "description": "Rent", "beneficiary_id": "0", "amount": "1.234"})
    assert "Use at most two decimals" in cents.text
    assert db.session.scalar(select(db.func.count()).select_from(PlanLine)) == 0
    ok = client.post(f"/cases/{case.number}/plan/lines/new", data={
        "kind": "business", "description": "Tools for a carpentry workshop",
        "beneficiary_id": str(case.beneficiaries[0].id), "amount": "1200,50",
        "supplier": "Brico Shkodër"})
    assert ok.status_code == 302
    line = db.session.scalar(select(PlanLine))
    assert line.amount == Decimal("1200.50")
    page = client.get(f"/cases/{case.number}").text
    assert "Tools for a carpentry workshop" in page and "1200.50" in page


def test_only_the_partner_edits_lines_and_others_get_refused(client):
    case, world = case_at(CaseStatus.plan_drafted)
    db.session.commit()
    log_in(client, world.caseworker)
    page = client.get(f"/cases/{case.number}").text
    assert "Add a plan line" not in page
    assert client.get(f"/cases/{case.number}/plan/lines/new").status_code == 403
    other_partner = factories.make_office(kind="partner", country=world.country)
    stranger = factories.make_user(role=Role.reintegration_officer, office=other_partner)
    db.session.commit()
    log_in(client, stranger)
    assert client.get(f"/cases/{case.number}/plan/lines/new").status_code == 404


def test_delivery_of_an_approved_plan(client):
    case, world = case_at(CaseStatus.in_implementation)
    db.session.commit()
    line = case.plan.lines[0]
    log_in(client, world.officer)
    future = client.post(f"/cases/{case.number}/plan/lines/{line.id}/status", data={
        "status": "delivered", "delivered_on": "2999-01-01"})
    assert "This date cannot be in the future." in future.text
    done = client.post(f"/cases/{case.number}/plan/lines/{line.id}/status", data={
        "status": "delivered", "delivered_on": date.today().isoformat()})
    assert done.status_code == 302
    db.session.refresh(line)
    assert line.status is LineStatus.delivered


def test_manager_approves_over_budget_only_with_the_box(client):
    case, world = case_at(CaseStatus.plan_drafted)
    from caseflow.reintegration.models import SupportKind
    from caseflow.reintegration.services import LineData, add_line

    add_line(case, LineData(SupportKind.housing, "Rent and furniture", "99999"), by=world.officer)
    move(case, "submit_plan", world, over_budget_reason="Family of six, no housing at all.")
    db.session.commit()
    log_in(client, world.manager)
    page = client.get(f"/cases/{case.number}").text
    assert "over budget" in page and "Family of six" in page
    refused = client.post(f"/cases/{case.number}/move/approve_plan", data={
        "plan_approved_on": date.today().isoformat()})
    assert "tick the box" in refused.text
    ok = client.post(f"/cases/{case.number}/move/approve_plan", data={
        "plan_approved_on": date.today().isoformat(), "approve_over_budget": "y"})
    assert ok.status_code == 302
    db.session.refresh(case)
    assert case.status is CaseStatus.plan_approved
    assert case.plan.approved_ceiling >= case.plan.committed


def test_admin_publishes_a_new_rules_version(client, login_as):
    login_as(Role.admin)
    page = client.get("/admin/entitlements")
    assert page.status_code == 200 and "50.00" in page.text
    fields = {"valid_from": date.today().isoformat(), "visa_free_countries": "AL, MK, XK, RS",
              "premium_adult_visa_free": "60", "premium_child_visa_free": "30",
              "premium_adult_visa_required": "350", "premium_child_visa_required": "175",
              "budget_visa_free": "0", "budget_visa_required": "1500",
              "vulnerability_top_up": "-1", "note": ""}
    bad = client.post("/admin/entitlements", data=fields)
    assert "An amount cannot be negative." in bad.text
    ok = client.post("/admin/entitlements", data={**fields, "vulnerability_top_up": "1500"})
    assert ok.status_code == 302
    latest = db.session.scalar(select(EntitlementRules).order_by(
        EntitlementRules.version.desc()))
    assert latest.premium_adult_visa_free == Decimal("60.00")


def test_non_admins_cannot_see_the_rules(client, login_as):
    login_as(Role.manager)
    assert client.get("/admin/entitlements").status_code == 403
