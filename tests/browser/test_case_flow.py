"""A household's return, end to end in Chromium: registration with a duplicate warning,
counselling, application, approval and referral, travel, departure and arrival."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from caseflow.accounts.models import User
from caseflow.cases.models import Case, CaseStatus
from caseflow.cases.services import CaseDetails, PersonData, Registration, register_case
from caseflow.demo import data
from caseflow.extensions import db
from caseflow.people.models import ConsentPurpose, HouseholdRole, Sex
from tests.browser import log_in

pytestmark = pytest.mark.browser

CASEWORKER = "caseworker@caritas-be.example.org"
MANAGER = "manager@caritas-be.example.org"
OFFICER = "officer@iom-pristina.example.org"


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def fill_person(page: Page, n: int, role: str, given: str, family: str, sex: str,
                born: str, passport: str) -> None:
    prefix = f"#household-{n}-"
    page.locator(f"{prefix}role").select_option(role)
    page.locator(f"{prefix}given_names").fill(given)
    page.locator(f"{prefix}family_name").fill(family)
    page.locator(f"{prefix}sex").select_option(sex)
    page.locator(f"{prefix}date_of_birth").fill(born)
    page.locator(f"{prefix}nationality").select_option("XK")
    page.locator(f"{prefix}document_kind").select_option("passport")
    page.locator(f"{prefix}document_number").fill(passport)
    page.locator(f"{prefix}document_country").select_option("XK")
    page.locator(f"{prefix}document_expires_on").fill("2034-06-30")


def do_move(page: Page, name: str, fields: dict[str, str] | None = None,
            selects: dict[str, str] | None = None) -> None:
    page.get_by_role("link", name=name, exact=True).click()
    for label, value in (fields or {}).items():
        page.get_by_label(label).fill(value)
    for label, value in (selects or {}).items():
        page.get_by_label(label).select_option(label=value)
    page.get_by_role("button", name=name, exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("is now at stage")


def test_a_family_of_four_returns_to_kosovo(live_app, page):
    base = live_app.config["LIVE_URL"]
    with live_app.app_context():
        caseworker = db.session.scalar(select(User).where(User.email == CASEWORKER))
        register_case(Registration(
            details=CaseDetails(country_of_return="XK", municipality="Prizren"),
            household=[PersonData(role=HouseholdRole.principal, given_names="Arbën",
                                  family_name="Gashi", sex=Sex.male,
                                  date_of_birth=date(1984, 2, 10), nationality="XK")],
            consent_on=date.today(), consent_purposes=[ConsentPurpose.case_processing],
            duplicate_reason="seeded look-alike"), by=caseworker)
        db.session.commit()

    # The caseworker registers the family and meets the duplicate warning.
    log_in(page, base, CASEWORKER, data.DEMO_PASSWORD)
    page.get_by_role("link", name="Register a case").first.click()
    page.get_by_label("Country of return").select_option("XK")
    page.get_by_label("Municipality of return").fill("Prizren")
    fill_person(page, 0, "principal", "Arben", "Gashi", "M", "1984-02-10", "P1000001")
    for n, (role, given, sex, born) in enumerate([
            ("spouse", "Vlora", "F", "1987-09-01"), ("child", "Drin", "M", "2014-04-12"),
            ("child", "Era", "F", "2017-11-30")], start=1):
        page.get_by_role("button", name="Add another person").click()
        fill_person(page, n, role, given, "Gashi", sex, born, f"P100000{n + 1}")
    page.get_by_label("Sharing with the reintegration partner").check()
    page.get_by_role("button", name="Register the case").click()

    expect(page.get_by_role("heading", name="Possible duplicates")).to_be_visible()
    expect(page.get_by_role("alert").first).to_contain_text("Arbën Gashi")
    page.get_by_label("Why register anyway?").fill("Different person: cousin of the same name.")
    page.get_by_role("button", name="Register anyway").click()
    expect(page.get_by_role("status")).to_contain_text("registered")
    number = page.locator("h1").inner_text().split()[0]
    expect(page.get_by_role("heading", name="Era Gashi")).to_be_visible()

    # Counselling, then the application.
    page.get_by_role("link", name="Log a session").click()
    page.get_by_label("Language").fill("Albanian")
    page.get_by_label("Interpreter").fill("Blerta Hoti")
    page.get_by_role("button", name="Save").click()
    do_move(page, "Start counselling")
    do_move(page, "Submit the application")
    expect(page.get_by_role("link", name="Approve", exact=True)).to_have_count(0)
    log_out(page)

    # The manager approves and refers it to the partner in Kosovo.
    log_in(page, base, MANAGER, data.DEMO_PASSWORD)
    page.goto(f"{base}/cases/{number}")
    do_move(page, "Approve")
    do_move(page, "Refer to a partner", selects={"Partner organisation": "IOM Pristina"})
    log_out(page)

    # The partner accepts the referral.
    log_in(page, base, OFFICER, data.DEMO_PASSWORD)
    page.goto(f"{base}/cases/{number}")
    expect(page.get_by_text("P1000001")).to_be_visible()
    do_move(page, "Accept the referral")
    log_out(page)

    # The caseworker books the flight and confirms the departure.
    log_in(page, base, CASEWORKER, data.DEMO_PASSWORD)
    page.goto(f"{base}/cases/{number}")
    do_move(page, "Book travel", fields={
        "Airline": "Brussels Airlines", "Flight number": "SN 2911",
        "Departure airport": "Brussels (BRU)", "Departure date": date.today().isoformat()})
    do_move(page, "Confirm departure")
    log_out(page)

    # The partner's officer confirms the arrival.
    log_in(page, base, OFFICER, data.DEMO_PASSWORD)
    page.goto(f"{base}/cases/{number}")
    do_move(page, "Confirm arrival")
    expect(page.locator("h1")).to_contain_text("Arrival confirmed")

    with live_app.app_context():
        case = db.session.scalar(select(Case).where(Case.number == number))
        assert case.status is CaseStatus.arrival_confirmed
        assert case.household_size == 4
        assert case.duplicate_override_reason.startswith("Different person")
        moves = [e.to_status for e in case.events if e.to_status]
        assert moves[-3:] == [CaseStatus.travel_booked, CaseStatus.departed,
                              CaseStatus.arrival_confirmed]
