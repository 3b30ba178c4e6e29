"""Each demo role logs in, sees its dashboard, switches to French and logs out, in Chromium."""

import pytest
from playwright.sync_api import expect

from caseflow.accounts.models import Role
from caseflow.demo import data
from tests.browser import log_in

pytestmark = pytest.mark.browser

DASHBOARD_PANEL = {
    Role.admin: ("Active users", "Utilisateurs actifs"),
    Role.manager: ("Applications awaiting your decision",
                   "Demandes en attente de votre décision"),
    Role.caseworker: ("My cases", "Mes dossiers"),
    Role.reintegration_officer: ("Referrals to accept", "Dossiers transmis à accepter"),
}

DEMO = {
    Role.admin: ("iom-brussels", "Marc Dubois"),
    Role.manager: ("iom-brussels", "Annelies Peeters"),
    Role.caseworker: ("petit-chateau", "Lotte Janssens"),
    Role.reintegration_officer: ("caritas-serbia", "Jelena Đorđević"),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_demo_role_logs_in_switches_to_french_and_logs_out(live_server, page, role):
    slug, name = DEMO[role]
    english_panel, french_panel = DASHBOARD_PANEL[role]

    page.goto(f"{live_server}/login")
    expect(page.get_by_role("heading", name="Log in to caseflow")).to_be_visible()
    # Managers and admins give a two-factor code too (log_in does).
    log_in(page, live_server, data.demo_email(role, slug), data.DEMO_PASSWORD)

    expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()
    expect(page.get_by_role("heading", name=english_panel)).to_be_visible()
    admin_links = 1 if role is Role.admin else 0
    expect(page.get_by_role("link", name="Users", exact=True)).to_have_count(admin_links)

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name=f"Bienvenue, {name}")).to_be_visible()
    expect(page.get_by_role("heading", name=french_panel)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Se connecter à caseflow")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("déconnecté")

    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login?next=%2F")


def test_wrong_password_in_the_browser(live_server, page):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address").fill("admin@iom-brussels.example.org")
    page.get_by_label("Password").fill("not the demo password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong e-mail address or password.")


def test_phone_sized_screen_shows_the_navigation(live_server, browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 740})
    page = context.new_page()
    log_in(page, live_server, "admin@iom-brussels.example.org", data.DEMO_PASSWORD)
    expect(page.get_by_role("link", name="Offices", exact=True)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    context.close()
