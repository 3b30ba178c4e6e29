"""Many people saving the same case and different cases at once, against gunicorn with four
workers on PostgreSQL: no save is lost, none is half-written.

Every save either lands (the case page follows, and the case history has it) or is refused
with the conflict message; the history of each case is one unbroken chain (each save started
from the value the previous one left), and the case holds the last save of that chain.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

from tests.concurrency.live import (
    Browser,
    Stack,
    assert_cases_whole,
    case_number_of,
    form_with,
    register_household,
)

THREADS = 16
EDITS_PER_THREAD = 6
SHARED_EDITORS = 8  # threads 0-7 all edit one case; the others pair up on four more
CONFLICT = "Someone else saved"


def test_no_lost_update_with_many_editors(live: Stack) -> None:
    live_server, live_database = live.server, live.database
    emails = [live_database.users[f"cw{n}"] for n in range(1, 5)]
    logged_in = [Browser(live_server.base).logged_in(email) for email in emails]
    numbers = []
    for n in range(5):
        response = register_household(logged_in[0], f"edit{n}", 2)
        number = case_number_of(response)
        assert number, (response.status_code, response.text[-3000:])
        numbers.append(number)
    shared, others = numbers[0], numbers[1:]

    accepted: dict[str, list[str]] = defaultdict(list)
    outcomes: Counter[tuple[str, str]] = Counter()
    unexpected: list[str] = []
    lock = threading.Lock()

    def editor(thread: int) -> None:
        browser = Browser(live_server.base)
        # The same person in several tabs: a copy of one of the four logged-in sessions.
        browser.session.cookies.update(logged_in[thread % 4].session.cookies)
        number = shared if thread < SHARED_EDITORS else others[thread % 4]
        for edit in range(EDITS_PER_THREAD):
            value = f"Town {thread}-{edit}"
            page = browser.get(f"/cases/{number}/edit")
            if page.status_code != 200:
                with lock:
                    unexpected.append(f"GET edit {number}: {page.status_code}")
                continue
            form = form_with(page.text, "municipality")
            response = browser.post(f"/cases/{number}/edit",
                                    form.fields | {"municipality": value})
            with lock:
                if response.status_code == 302 and case_number_of(response) == number:
                    accepted[number].append(value)
                    outcomes[(number, "saved")] += 1
                elif response.status_code in (200, 409) and CONFLICT in response.text:
                    outcomes[(number, "conflict")] += 1
                else:
                    unexpected.append(f"POST edit {number}: {response.status_code} "
                                      f"{response.text[:300]}")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(editor, range(THREADS)))

    assert unexpected == [], f"{unexpected[:5]}\n{live_server.log()}"
    assert sum(outcomes.values()) == THREADS * EDITS_PER_THREAD
    # Eight people on one case must have run into each other; the test proves nothing if not.
    assert outcomes[(shared, "conflict")] > 0, outcomes

    for number in numbers:
        (case_id, municipality, version), = live_database.rows(
            "SELECT id, municipality, version FROM cases WHERE number = %s", number)
        history = live_database.rows(
            "SELECT version, data FROM case_events WHERE case_id = %s AND kind = 'edited' "
            "ORDER BY version", case_id)
        saved = [data["municipality"][1] for _version, data in history]
        assert sorted(saved) == sorted(accepted[number]), \
            f"{number}: history {saved} vs accepted {accepted[number]}"
        # One unbroken chain: each save replaced what the previous save had written.
        previous = f"Niš edit{numbers.index(number)}"
        for _version, data in history:
            assert data["municipality"][0] == previous, f"{number}: a save was overwritten"
            previous = data["municipality"][1]
        assert [v for v, _data in history] == list(range(2, 2 + len(history)))
        assert municipality == previous
        assert version == 1 + len(history)

    assert_cases_whole(live_database)
