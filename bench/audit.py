"""The audit trail's cost: what recording adds to a case page and to a save, and how fast
`flask audit verify` walks a long chain.

In one run, per backend: the demo world plus `--cases` generated cases; the case page (GET,
logged in as the demo caseworker) and a case edit (POST) timed with the trail recording and
then with its hooks taken out, alternating in rounds so drift hits both alike; then
`--entries` read entries appended in batches and the whole chain verified.

    .venv/bin/python bench/audit.py                        # both backends
    .venv/bin/python bench/audit.py --backend sqlite --entries 20000

Results are printed and written to bench/RESULTS.md (only the "Audit trail" section).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import event, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.pdf import database, make_app  # noqa: E402
from caseflow.audit import requests as audit_requests  # noqa: E402
from caseflow.audit import trail  # noqa: E402
from caseflow.audit.queries import verify  # noqa: E402
from caseflow.cases.models import Case  # noqa: E402
from caseflow.demo.cases import generate_cases  # noqa: E402
from caseflow.demo.data import DEMO_PASSWORD  # noqa: E402
from caseflow.demo.services import load_demo  # noqa: E402
from caseflow.extensions import db  # noqa: E402

CASEWORKER = "caseworker@iom-brussels.example.org"
HOOKS = (("after_flush", trail._capture_changes), ("before_commit", trail._write_pending),
         ("after_soft_rollback", trail._drop_undone))


def set_recording(app: Flask, on: bool) -> None:
    """Put the trail's hooks in or take them out, as if caseflow had no audit trail."""
    funcs = app.after_request_funcs.setdefault(None, [])
    if on:
        if audit_requests._record_request not in funcs:
            funcs.append(audit_requests._record_request)
        for name, hook in HOOKS:
            if not event.contains(Session, name, hook):
                event.listen(Session, name, hook)
    else:
        if audit_requests._record_request in funcs:
            funcs.remove(audit_requests._record_request)
        for name, hook in HOOKS:
            if event.contains(Session, name, hook):
                event.remove(Session, name, hook)


def populate(app: Flask, count: int) -> str:
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        db.session.commit()
        generate_cases(count, seed=1)
        db.session.commit()
        # A case of the demo caseworker's office that they may edit.
        from caseflow.accounts.models import User

        user = db.session.scalar(select(User).where(User.email == CASEWORKER))
        case = db.session.scalar(select(Case).where(Case.office_id == user.office_id,
                                                    Case.status == "registered")
                                 .order_by(Case.id).limit(1))
        return case.number


def request_times(app: Flask, number: str, rounds: int, per_round: int) -> dict[str, Any]:
    client = app.test_client()
    response = client.post("/login", data={"email": CASEWORKER, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.status_code
    times: dict[str, dict[str, list[float]]] = {
        "page": {"on": [], "off": []}, "save": {"on": [], "off": []}}

    def save() -> None:
        with app.app_context():
            case = db.session.scalar(select(Case).where(Case.number == number))
            data = {"version": case.version, "country_of_return": case.country_of_return,
                    "municipality": f"Place {time.perf_counter_ns() % 100000}",
                    "assignee_id": case.assignee_id or ""}
        response = client.post(f"/cases/{number}/edit", data=data)
        assert response.status_code == 302, response.status_code

    for _ in range(rounds):
        for mode in ("on", "off"):
            set_recording(app, mode == "on")
            for _ in range(per_round):
                start = time.perf_counter()
                assert client.get(f"/cases/{number}").status_code == 200
                times["page"][mode].append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                save()
                times["save"][mode].append((time.perf_counter() - start) * 1000)
    set_recording(app, True)
    return {kind: {mode: statistics.median(values) for mode, values in modes.items()}
            for kind, modes in times.items()}


def chain_times(app: Flask, entries: int) -> dict[str, float]:
    with app.app_context():
        start = time.perf_counter()
        batch = 1000
        for done in range(0, entries, batch):
            session = db.session()
            trail.write(session, [trail.Pending(action=trail.Action.read, user_id=None,
                                                target="bench", target_id=str(done + i))
                                   for i in range(min(batch, entries - done))])
            session.commit()
        append_s = time.perf_counter() - start
        start = time.perf_counter()
        result = verify(db.session)
        verify_s = time.perf_counter() - start
        assert result.intact, result
        return {"append_s": append_s, "verify_s": verify_s, "entries": result.entries}


def run(backend: str, cases: int, entries: int, rounds: int, per_round: int) -> dict[str, Any]:
    with database(backend) as (url, folder):
        app = make_app(url, folder)
        # The client posts forms without reading their CSRF tokens.
        app.config["WTF_CSRF_ENABLED"] = False
        number = populate(app, cases)
        requests = request_times(app, number, rounds, per_round)
        chain = chain_times(app, entries)
        with app.app_context():
            db.engine.dispose()
    return {"requests": requests, "chain": chain}


def report(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [f"## Audit trail: recording cost and verification ({date.today().isoformat()})",
             "",
             f"`.venv/bin/python bench/audit.py --cases {args.cases} --entries {args.entries}` "
             f"on this machine (2 cores). Requests go through Flask's test client (no network); "
             f"medians of {args.rounds} rounds x {args.per_round} requests per mode, the modes "
             "alternating. \"Off\" takes the trail's hooks out, as if there were none.",
             ""]
    for backend, result in results.items():
        r, c = result["requests"], result["chain"]
        lines += [f"### {backend} — {args.cases:,} cases", "",
                  "| request | with the trail (ms) | without (ms) | added (ms) | ratio |",
                  "|---|---:|---:|---:|---:|"]
        for kind, label in (("page", "case page (GET): one read entry"),
                            ("save", "case edit (POST): change entries, encrypted values")):
            on, off = r[kind]["on"], r[kind]["off"]
            lines.append(f"| {label} | {on:.1f} | {off:.1f} | {on - off:+.1f} | "
                         f"{on / off:.2f}x |")
        lines += ["", f"Chain: {c['entries']:,} entries appended in batches of 1,000 in "
                  f"{c['append_s']:.1f} s; `verify` walked them in {c['verify_s']:.1f} s "
                  f"({c['entries'] / c['verify_s']:,.0f} entries/s).", ""]
    return "\n".join(lines)


def write_results(section: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r"## Audit trail: .*?(?=\n## |\Z)", re.S)
    text = pattern.sub(lambda _m: section.rstrip() + "\n", text) if pattern.search(text) \
        else text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=20)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {backend: run(backend, args.cases, args.entries, args.rounds, args.per_round)
               for backend in backends}
    section = report(results, args)
    print(section)
    write_results(section)


if __name__ == "__main__":
    main()
