"""Helpers shared by the browser tests."""

import time
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import Page, expect

from caseflow.demo import data
from tests import factories

# The last time step whose code each account used: the server refuses a code twice, and the
# browser tests log the same demo accounts in many times a minute.
_last_step: dict[str, int] = {}


def two_factor_code(email: str, secret: str) -> str:
    """A code the server has not seen yet for `email`: the current step's, or the next one's
    (accepted too), or, when both were used, the next one's once it is close enough."""
    now_step = int(time.time() // 30)
    step = max(now_step, _last_step.get(email, 0) + 1)
    while step > int(time.time() // 30) + 1:
        time.sleep(1)
    _last_step[email] = step
    return pyotp.TOTP(secret).generate_otp(step)


def log_in(page: Page, base: str, email: str, password: str = factories.PASSWORD,
           totp_secret: str | None = None) -> None:
    """Log in through the login form, with the two-factor step when the account has it
    (demo accounts use the demo secret, the factories' ones the tests' secret), and switch
    to English if the account prefers another language (the tests read English labels)."""
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")
    if urlsplit(page.url).path == "/login/two-factor":
        secret = totp_secret or (data.DEMO_TOTP_SECRET if password == data.DEMO_PASSWORD
                                 else factories.TOTP_SECRET)
        page.get_by_label("Code").fill(two_factor_code(email, secret))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url(lambda url: not urlsplit(url).path.startswith("/login"))
    if page.locator("html").get_attribute("lang") != "en":
        page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
