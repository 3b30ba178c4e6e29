"""Faults against the live stack (gunicorn with four workers -> TCP proxy -> PostgreSQL, and
a private Redis): a worker killed mid-request, the database cut off, Redis stopped.

Each test puts back what it broke (the `live` fixture does too, if the test failed), so the
stack is whole for the next one.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from io import BytesIO

import requests
from pypdf import PdfWriter

from tests.concurrency.live import (
    Browser,
    Stack,
    assert_cases_whole,
    case_number_of,
    register_household,
)

INTERNALS = ("Traceback", "psycopg", "OperationalError", "sqlalchemy", "5432", "SELECT")
TOO_MANY = "Too many attempts"


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout}s")


def answers(browser: Browser, path: str = "/") -> int:
    try:
        return browser.get(path).status_code
    except requests.RequestException:
        return 0


# -- a worker killed mid-request -------------------------------------------------------------
REGISTERING_THREADS = 6
MAX_KILLS = 8


def test_killed_worker_leaves_no_partial_case(live: Stack) -> None:
    server = live.server
    sessions = [Browser(server.base).logged_in(live.database.users[f"cw{n}"])
                for n in range(1, 5)]
    expected_size: dict[str, int] = {}
    outcomes: Counter[str] = Counter()
    unexpected: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def registrar(thread: int) -> None:
        browser = Browser(server.base)
        browser.session.cookies.update(sessions[thread % 4].session.cookies)
        attempt = 0
        while not stop.is_set():
            attempt += 1
            size = 2 + (thread + attempt) % 4  # two to five people
            try:
                response = register_household(browser, f"kill{thread}x{attempt}", size)
            except (requests.ConnectionError, requests.Timeout):
                with lock:
                    outcomes["dropped"] += 1  # the worker died under this request
                continue
            except AssertionError as error:  # the form page itself did not come
                with lock:
                    unexpected.append(str(error)[:300])
                continue
            number = case_number_of(response)
            with lock:
                if number:
                    expected_size[number] = size
                    outcomes["saved"] += 1
                else:
                    unexpected.append(f"{response.status_code} {response.text[:300]}")

    killed: list[int] = []
    with ThreadPoolExecutor(REGISTERING_THREADS) as pool:
        futures = [pool.submit(registrar, n) for n in range(REGISTERING_THREADS)]
        try:
            time.sleep(1.0)
            while len(killed) < MAX_KILLS and not outcomes["dropped"]:
                workers = server.worker_pids()
                if workers:
                    victim = random.choice(workers)
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)
                time.sleep(1.0)
            time.sleep(1.0)
        finally:
            stop.set()
        for future in futures:
            future.result()

    assert outcomes["dropped"] > 0, f"no request was cut by {len(killed)} kills: {outcomes}"
    assert unexpected == [], f"{unexpected[:5]}\n{server.log()}"
    assert outcomes["saved"] > 0

    # The master replaced the killed workers and the site answers on every one of them.
    wait_for(lambda: len(server.worker_pids()) == server.workers
             and not set(killed) & set(server.worker_pids()), 30, "workers replaced")
    assert server.process is not None and server.process.poll() is None
    browser = sessions[0]
    assert [answers(browser) for _ in range(8)] == [200] * 8

    # Nothing half-written: every case is whole, and every confirmed case has its household.
    assert_cases_whole(live.database)
    sizes = dict(live.database.rows("SELECT number, household_size FROM cases"))
    for number, size in expected_size.items():
        assert sizes.get(number) == size, f"{number}: {sizes.get(number)} people, not {size}"


# -- the database unreachable ----------------------------------------------------------------
def assert_unavailable_page(response: requests.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:500])
    assert response.headers.get("Retry-After", "").isdigit()
    assert "Temporarily unavailable" in response.text
    for word in INTERNALS:
        assert word not in response.text, f"the 503 page shows {word!r}"


def test_database_cut_gives_503_and_recovers_by_itself(live: Stack) -> None:
    server, proxy = live.server, live.proxy
    browser = Browser(server.base).logged_in(live.database.users["cw3"])
    assert browser.get("/").status_code == 200
    workers_before = sorted(server.worker_pids())
    api_headers = {"Authorization": "Bearer cf_" + "x" * 40}

    proxy.cut()
    try:
        # Several requests, so that every worker meets the cut: none may answer 500.
        for _ in range(8):
            assert_unavailable_page(browser.get("/"))
        assert_unavailable_page(browser.get("/cases/"))
        assert_unavailable_page(Browser(server.base).login(live.database.users["cw4"]))
        api = requests.get(f"{server.base}/api/v1/cases", headers=api_headers, timeout=30)
        assert api.status_code == 503
        assert api.headers.get("Retry-After", "").isdigit()
        assert api.json()["error"]["code"] == "unavailable"
        for word in INTERNALS:
            assert word not in api.text
    finally:
        proxy.restore()

    # Back without a restart: the same workers, each replacing its dead connections.
    wait_for(lambda: answers(browser) == 200, 20, "the site answering again")
    assert [answers(browser) for _ in range(8)] == [200] * 8
    assert browser.get("/cases/").status_code == 200
    api = requests.get(f"{server.base}/api/v1/cases", headers=api_headers, timeout=30)
    assert api.status_code == 401  # the database answers again: the made-up token is refused
    assert sorted(server.worker_pids()) == workers_before


# -- Redis stopped ---------------------------------------------------------------------------
def failed_logins_until_refused(server_base: str, email: str, limit: int) -> int:
    """Wrong passwords for `email` until the login is refused; returns the attempt that was
    refused (0 if none within `limit`). Each answer is the login form again, never a 500."""
    for attempt in range(1, limit + 1):
        response = Browser(server_base).login(email, "not the password at all")
        assert response.status_code in (200, 429), (response.status_code, response.text[:500])
        if response.status_code == 429 or TOO_MANY in response.text:
            return attempt
    return 0


def test_redis_stopped_logins_pages_and_jobs_still_work(live: Stack) -> None:
    server, database = live.server, live.database
    # With Redis, the failed-login count is shared: the sixth attempt is refused whichever
    # worker takes it (five per account, see caseflow/ratelimit.py).
    assert failed_logins_until_refused(server.base, "nobody-shared@live.example.org", 8) == 6

    live.redis.kill()

    # Logins and pages work without Redis.
    caseworker = Browser(server.base).logged_in(database.users["cw2"])
    for path in ("/", "/cases/", "/cases/new"):
        assert caseworker.get(path).status_code == 200, path
    manager = Browser(server.base).logged_in(database.users["manager"],
                                             database.users["manager-recovery"])
    assert manager.get("/").status_code == 200

    # The limit still holds, counted by each worker on its own: at most five per worker.
    refused_at = failed_logins_until_refused(server.base, "nobody-alone@live.example.org",
                                             5 * server.workers + 1)
    assert refused_at, "failed logins were never refused while Redis was down"

    # A job runs inline when its queue is down: a week's batch of departure attestations
    # (one attestation, made here as the printing service would have left it).
    _issue_attestation(live)
    week = datetime.now(UTC).strftime("%G-W%V")
    response = manager.submit("/jobs/batch/departures", "week", {"week": week})
    assert response.status_code == 302, (response.status_code, response.text[:1000])
    job_page = manager.get(response.headers["Location"])
    assert job_page.status_code == 200
    status = manager.get(response.headers["Location"] + "/status").json()
    assert status["status"] == "done", status
    download = manager.get(status["download_url"])
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")

    live.redis.start()  # a new, empty Redis on the same address
    assert Browser(server.base).logged_in(database.users["cw2"]).get("/").status_code == 200


def _issue_attestation(live: Stack) -> None:
    """One valid departure attestation of the office, issued now, with its stored PDF."""
    database = live.database
    browser = Browser(live.server.base).logged_in(database.users["cw1"])
    number = case_number_of(register_household(browser, "attested", 2))
    assert number
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    pdf = BytesIO()
    writer.write(pdf)
    storage_name = f"{os.urandom(16).hex()}.pdf"
    folder = live.server.instance / "certificates"
    folder.mkdir(mode=0o700, exist_ok=True)
    (folder / storage_name).write_bytes(pdf.getvalue())

    database.rows("""
        INSERT INTO certificates (number, kind, case_id, issued_at, issued_by_id, office_id,
                                  language, return_language, verification_code, sha256,
                                  storage_name)
        SELECT %s, 'voluntary_departure', c.id, now(), c.registered_by_id, c.office_id,
               'en', 'sr-Latn', %s, %s, %s
          FROM cases c WHERE c.number = %s
        RETURNING id""", f"LIVE-{os.urandom(3).hex()}", os.urandom(16).hex(),
                  hashlib.sha256(pdf.getvalue()).hexdigest(), storage_name, number)
