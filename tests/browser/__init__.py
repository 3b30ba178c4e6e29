"""Helpers shared by the browser tests."""

from playwright.sync_api import Page, expect

from tests import factories


def log_in(page: Page, base: str, email: str, password: str = factories.PASSWORD) -> None:
    """Log in through the login form, and switch to English if the account prefers another
    language (the tests read English labels)."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
    if page.locator("html").get_attribute("lang") != "en":
        page.get_by_role("button", name="English").click()
