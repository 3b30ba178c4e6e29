"""Printing, in Chromium: a manager downloads the case, monitoring and visit reports, watches
a programme report prepared by a real worker on Redis, and issues a departure certificate
whose printed address (and QR code) opens the public verification page."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest
import segno
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect
from redis import Redis
from redis.exceptions import RedisError

from caseflow.jobs import services as jobs
from tests.browser import log_in
from tests.cases.helpers import make_world
from tests.reports import ARRIVED, pdf_text, scored_case
from tests.services import require

pytestmark = pytest.mark.browser

REDIS_URL = "redis://127.0.0.1:6379/13"
ROOT = Path(__file__).resolve().parents[2]
# Long enough for a cold worker process to import the app and render a PDF with charts.
WORKER_WAIT = 45_000


@dataclass(frozen=True)
class Printed:
    number: str
    manager: str
    office: str
    principal: str
    born: int
    first_visit: int


@pytest.fixture(scope="module")
def printed(live_app: Any) -> Printed:
    """One case for the whole module: back since March last year, two visits recorded."""
    with live_app.app_context():
        scored = scored_case(make_world())
        case = scored.case
        return Printed(number=case.number, manager=scored.world.manager.email,
                       office=scored.world.office.name, principal=case.principal.full_name,
                       born=case.principal.date_of_birth.year,
                       first_visit=scored.first.id)




def download(page: Page, click: Any) -> tuple[str, bytes]:
    """Click something that answers with a file; its suggested name and its bytes."""
    with page.expect_download() as info:
        click()
    file = info.value
    assert file.failure() is None
    return file.suggested_filename, Path(file.path()).read_bytes()


def assert_pdf(data: bytes, *expected: str) -> str:
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for part in expected:
        assert part in text, f"{part!r} not in the PDF text: {text[:300]}"
    return text


def test_a_manager_prints_the_case_monitoring_and_visit_reports(live_app, page, printed):
    base = live_app.config["LIVE_URL"]
    log_in(page, base, printed.manager)
    page.goto(f"{base}/cases/{printed.number}")
    reports = page.locator("#reports")

    name, data = download(page, reports.get_by_role("link", name="Print case report").click)
    assert name == f"{printed.number}-case-report.pdf"
    assert_pdf(data, printed.number, "Page 1 of", printed.principal)

    name, data = download(
        page, reports.get_by_role("link", name="Print monitoring report").click)
    assert name == f"{printed.number}-monitoring.pdf"
    assert_pdf(data, printed.number, "Page 1 of", "Monitoring report")

    # The first visit's PDF link in the follow-ups panel (its name says which visit).
    row = page.locator(f"#visit-{printed.first_visit}")
    name, data = download(page, row.get_by_role("link", name=re.compile(r"^PDF\b")).click)
    assert name == f"{printed.number}-visit-1.pdf"
    assert_pdf(data, printed.number, "Page 1 of", "Living with the grandparents.")

    # The same report from the visit's own page.
    row.get_by_role("link", name=re.compile(r"^Report\b")).click()
    name, again = download(
        page, page.get_by_role("link", name="Print visit report (PDF)").click)
    assert name == f"{printed.number}-visit-1.pdf"
    assert_pdf(again, printed.number, "Living with the grandparents.")


# -- the programme report, prepared by a worker on Redis ---------------------------------------
def redis_available() -> bool:
    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except RedisError:
        return False


def start_worker(app: Any) -> subprocess.Popen[str]:
    """`flask jobs worker --burst` in its own process, on the live server's database and
    instance folder (where the result file must land for the server to send it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    env.update({"CASEFLOW_ENV": "testing", "REDIS_URL": REDIS_URL,
                "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "CASEFLOW_INSTANCE_PATH": app.instance_path,
                "SECRET_KEY": app.config["SECRET_KEY"]})
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen([str(flask), "--app", "tests.jobs.worker_app:build", "jobs",
                             "worker", "--burst"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def keep_status(response: Any, polled: list[dict[str, Any]]) -> None:
    """Note a status answer jobs.js received. The last one's body may be gone already: the
    script reloads the page as soon as it reads that the job has finished."""
    if response.ok and re.search(r"/jobs/\d+/status$", response.url):
        with contextlib.suppress(PlaywrightError):
            polled.append(response.json())


def test_a_manager_watches_the_programme_report_being_prepared(live_app, page, printed):
    require("Redis", redis_available(), f"nothing answers at {REDIS_URL} "
            "(apt-get install redis-server)")
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    previous = live_app.config.get("REDIS_URL")
    live_app.config["REDIS_URL"] = REDIS_URL
    worker = None
    try:
        base = live_app.config["LIVE_URL"]
        log_in(page, base, printed.manager)
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Programme report").click()
        start = date(ARRIVED.year, 1, 1)
        page.get_by_label("From").fill(start.isoformat())
        page.get_by_label("To").fill(date.today().isoformat())
        page.get_by_label("Sending office").select_option(label=printed.office)
        page.get_by_label("Format").select_option("pdf")
        page.get_by_role("button", name="Prepare the report").click()

        # Nothing runs the job yet: it waits on the queue, and the page says so.
        expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
        expect(page.get_by_role("heading", name="Programme report")).to_be_visible()
        expect(page.locator("#job-status")).to_have_text("Waiting to start")
        expect(page.locator("progress#job-progress")).to_be_attached()
        expect(page.get_by_label("Progress")).to_be_attached()
        expect(page.locator("#job-download")).to_be_hidden()
        with live_app.app_context():
            assert jobs.job_queue(Redis.from_url(REDIS_URL)).count == 1

        polled: list[dict[str, Any]] = []
        page.on("response", lambda response: keep_status(response, polled))
        worker = start_worker(live_app)

        # jobs.js follows the job by itself; the test never reloads the page.
        link = page.locator("#job-download")
        expect(link).to_be_visible(timeout=WORKER_WAIT)
        expect(page.locator("#job-status")).to_have_text("Ready")
        bar = page.locator("#job-progress")
        assert bar.get_attribute("value") == bar.get_attribute("max") != "0"
        # What jobs.js was told along the way (how much of it depends on the worker's pace).
        assert polled, "jobs.js never asked for the job's status"
        order = ["queued", "running", "done"]
        seen = [order.index(state["status"]) for state in polled]
        done = [state["done"] for state in polled]
        assert seen == sorted(seen) and done == sorted(done), polled

        name, data = download(page, link.click)
        assert name == f"programme-report-{start.isoformat()}-{date.today().isoformat()}.pdf"
        assert_pdf(data, "Programme report", "Page 1 of", printed.office)

        out, err = worker.communicate(timeout=30)
        assert worker.returncode == 0, err
        assert "(burst)" in out
    finally:
        live_app.config["REDIS_URL"] = previous
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.communicate()
        redis.flushdb()


# -- the certificate and its verification page -------------------------------------------------
def qr_image(data: bytes) -> Any:
    """The QR code embedded in the certificate PDF, as a Pillow image (black and white)."""
    images = [image for page in pypdf.PdfReader(io.BytesIO(data)).pages
              for image in page.images]
    assert len(images) == 1, f"expected one image (the QR code), found {len(images)}"
    return images[0].image.convert("L")


def assert_qr_encodes(image: Any, url: str) -> None:
    """The embedded picture is, module for module, the QR code of `url` as the app draws it
    (segno, error level M, 4 pixels a module, a 2-module quiet zone): another address would
    give another pattern."""
    symbol = segno.make(url, error="m")
    modules = list(symbol.matrix)
    side = len(modules)
    assert image.size == ((side + 4) * 4, (side + 4) * 4), image.size
    for r, row in enumerate(modules):
        for c, dark in enumerate(row):
            pixel = image.getpixel(((c + 2) * 4 + 2, (r + 2) * 4 + 2))
            assert (pixel < 128) == bool(dark), f"module ({r}, {c}) differs"


def test_a_certificate_whose_address_opens_the_verification_page(live_app, browser, page,
                                                                 printed, tmp_path):
    base = live_app.config["LIVE_URL"]
    log_in(page, base, printed.manager)
    page.goto(f"{base}/cases/{printed.number}")
    offer = page.locator("#certificates li[data-kind=voluntary_departure]")
    offer.get_by_label("Language of the certificate").select_option("en")
    offer.get_by_role("button", name="Issue").click()
    expect(page.get_by_role("status")).to_contain_text("issued")
    number = re.search(r"Certificate (\S+) issued", page.get_by_role("status").inner_text())[1]

    row = page.locator("#certificates tr", has_text=number)
    expect(row).to_contain_text("Valid")
    name, data = download(page, row.get_by_role("link", name=number).click)
    assert name == f"{number}.pdf"
    text = assert_pdf(data, number, "Verification")
    # PUBLIC_BASE_URL is not set: the address is the live server's, from the request.
    found = re.search(re.escape(base) + r"/verify/[A-Za-z0-9_-]+", text)
    assert found, f"no verification address of {base} in: {text}"
    url = found[0]
    assert_qr_encodes(qr_image(data), url)

    # Someone holding the paper, not logged in, follows the address.
    context = browser.new_context(locale="en-GB")
    try:
        visitor = context.new_page()
        visitor.set_default_timeout(10_000)
        visitor.goto(url)
        expect(visitor.get_by_role("heading", name="Certificate verification")).to_be_visible()
        panel = visitor.locator("main")
        expect(panel.locator("p.status")).to_have_text("Valid")
        expect(panel).to_contain_text(number)
        expect(panel).to_contain_text(printed.office)
        initials = "".join(part[0] + "." for part in printed.principal.split()[:2])
        expect(panel).to_contain_text(f"{initials}, born in {printed.born}")
        expect(panel).not_to_contain_text(printed.principal)
        expect(panel).not_to_contain_text(printed.principal.split()[-1])

        genuine = tmp_path / name
        genuine.write_bytes(data)
        visitor.get_by_label("Certificate (PDF)").set_input_files(genuine)
        visitor.get_by_role("button", name="Check the file").click()
        expect(visitor.locator("[data-result]")).to_have_text(
            "The uploaded file is exactly the certificate that was issued.")

        altered = bytearray(data)
        middle = len(altered) // 2
        altered[middle] ^= 0x01
        forged = tmp_path / f"altered-{name}"
        forged.write_bytes(bytes(altered))
        visitor.get_by_label("Certificate (PDF)").set_input_files(forged)
        visitor.get_by_role("button", name="Check the file").click()
        expect(visitor.locator("[data-result]")).to_contain_text(
            "is NOT the certificate that was issued")
    finally:
        context.close()
