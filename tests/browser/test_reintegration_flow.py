"""After return, in Chromium: the partner accepts, confirms arrival, drafts and submits a
plan, completes a civil registration then an ID card, records a follow-up visit with an RSS
survey; the manager approves the plan (over budget) and sees the overdue follow-ups."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from caseflow.assistance.models import ServiceRequest, ServiceStatus
from caseflow.cases.models import Case, CaseStatus
from caseflow.extensions import db
from tests.browser import log_in
from tests.cases.helpers import bring_to, make_world, move

pytestmark = pytest.mark.browser




def do_move(page: Page, name: str, fill: dict[str, str] | None = None,
            check: list[str] | None = None) -> None:
    page.get_by_role("link", name=name, exact=True).click()
    for label, value in (fill or {}).items():
        page.get_by_label(label).fill(value)
    for label in check or []:
        page.get_by_label(label).check()
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("is now at stage")


def request_and_complete(page: Page, person: str, service: str) -> None:
    page.get_by_role("link", name="Request a service").click()
    page.get_by_label("Person").select_option(label=person)
    page.get_by_label("Service").select_option(label=service)
    page.get_by_role("button", name="Request", exact=False).first.click()
    expect(page.get_by_role("status")).to_be_visible()
    row = page.locator("#services tr", has_text=service).first
    row.get_by_role("link", name="Update", exact=False).click()
    page.get_by_label("Status").select_option("completed")
    page.get_by_label("Completed on").fill(date.today().isoformat())
    page.get_by_role("button", name="Save", exact=False).first.click()
    expect(page.get_by_role("status")).to_be_visible()


def test_partner_and_manager_after_arrival(live_app, page):
    base = live_app.config["LIVE_URL"]
    with live_app.app_context():
        world = make_world(country="AL")
        case = bring_to(world.new_case(), CaseStatus.referred, world)
        # A household that arrived four months ago and was never visited: overdue follow-ups.
        old = bring_to(world.new_case(), CaseStatus.arrival_confirmed, world,
                       dated=date.today() - timedelta(days=125))
        db.session.commit()
        number, old_number = case.number, old.number
        principal = case.beneficiaries[0].full_name
        officer, manager = world.officer.email, world.manager.email

    log_in(page, base, officer)
    page.goto(f"{base}/cases/{number}")
    do_move(page, "Accept the referral")
    with live_app.app_context():
        # The world's objects belong to the first block's session: bring them into this one.
        world = replace(world, **{name: db.session.merge(getattr(world, name)) for name in (
            "office", "caseworker", "manager", "partner", "officer")})
        case = db.session.scalar(select(Case).where(Case.number == number))
        move(case, "book_travel", world)
        move(case, "confirm_departure", world)
        db.session.commit()

    page.goto(f"{base}/cases/{number}")
    do_move(page, "Confirm arrival")
    expect(page.get_by_text("Support must be used by")).to_be_visible()
    do_move(page, "Draft the reintegration plan")

    page.get_by_role("link", name="Add a plan line").click()
    page.get_by_label("Kind of support").select_option("business")
    page.get_by_label("Description").fill("Tools and stock for a small tailoring workshop")
    page.get_by_label("Amount (EUR)").fill("850.00")
    page.get_by_label("Supplier").fill("Shkodër Textile Supply")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#plan")).to_contain_text("850.00")
    do_move(page, "Submit the plan for approval", fill={
        "Why the plan needs more than the budget": "Visa-free country: no standard budget, "
                                                   "but the workshop is the family's income."})

    request_and_complete(page, principal, "Civil registration")
    request_and_complete(page, principal, "Personal ID card")
    expect(page.locator("#services")).to_contain_text("Completed")

    page.locator("#followups").get_by_role("link", name="Record", exact=False).first.click()
    page.get_by_label("Date of the visit").fill(date.today().isoformat())
    page.get_by_label("How the visit took place").select_option("home_visit")
    page.get_by_label("Notes").fill("Workshop set up in the family home.")
    groups = page.locator("fieldset.checkboxes")
    for n in range(min(groups.count(), 8)):
        groups.nth(n).locator("input[type=radio]").nth(1).check()
    page.get_by_role("button", name="Save the visit").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("#followups")).to_contain_text("partial", ignore_case=True)
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, manager)
    page.goto(f"{base}/cases/{number}")
    page.get_by_role("link", name="Approve the plan", exact=True).click()
    page.get_by_role("button", name="Approve the plan", exact=True).click()
    expect(page.get_by_text("tick the box", exact=False)).to_be_visible()
    page.get_by_label("I approve spending above the budget").check()
    page.get_by_role("button", name="Approve the plan", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("is now at stage")
    page.goto(f"{base}/")
    overdue = page.locator("section:has(#followups-overdue)")
    expect(overdue).to_contain_text(old_number)

    with live_app.app_context():
        case = db.session.scalar(select(Case).where(Case.number == number))
        assert case.status is CaseStatus.plan_approved
        assert str(case.plan.approved_ceiling) == "850.00"
        statuses = {s.service_type.code: s.status for s in db.session.scalars(
            select(ServiceRequest).where(ServiceRequest.case_id == case.id))}
        assert statuses == {"civil_registration": ServiceStatus.completed,
                            "id_card": ServiceStatus.completed}
        assert case.visits[0].survey is not None and case.visits[0].survey.is_partial
