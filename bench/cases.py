"""Case list, search, duplicate check and case page with many cases.

Reports server-side p50 and p95 (time spent inside the app, measured around the WSGI call
of Flask's test client: no network, no browser) and the number of SQL statements each request
runs, on SQLite and on PostgreSQL, at a small and a large number of cases.

    .venv/bin/python bench/cases.py --cases 100000            # both backends
    .venv/bin/python bench/cases.py --cases 20000 --backend sqlite

PostgreSQL is taken from BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
a database caseflow_bench is created there and dropped afterwards. Results are printed and
written to bench/RESULTS.md (the "cases" section is replaced).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from caseflow import create_app  # noqa: E402
from caseflow.accounts.models import Role, User  # noqa: E402
from caseflow.accounts.tokens import create_token  # noqa: E402
from caseflow.cases.models import Case  # noqa: E402
from caseflow.cases.queries import encode_cursor  # noqa: E402
from caseflow.demo.cases import generate_cases  # noqa: E402
from caseflow.demo.data import DEMO_PASSWORD  # noqa: E402
from caseflow.demo.services import load_demo  # noqa: E402
from caseflow.extensions import db  # noqa: E402
from caseflow.people import names  # noqa: E402
from caseflow.people.models import Beneficiary  # noqa: E402
from config import load_config  # noqa: E402

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
RUNS = 40
WARMUP = 5
TARGETS = {"list": 50.0, "search": 100.0, "page": 30.0}


@contextmanager
def database(backend: str):
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db", folder
        return
    url = make_url(POSTGRES)
    admin = dict(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS caseflow_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE caseflow_bench")
    try:
        with tempfile.TemporaryDirectory() as folder:
            yield url.set(drivername="postgresql+psycopg", database="caseflow_bench") \
                .render_as_string(hide_password=False), folder
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS caseflow_bench WITH (FORCE)")


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any, **_kwargs: Any) -> None:
        self.count += 1


def timed(client: Any, counter: Counter, request: Callable[[], Any]) -> tuple[float, int]:
    counter.count = 0
    start = time.perf_counter()
    response = request()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")
    return elapsed, counter.count


def measure(client: Any, counter: Counter, requests: list[Callable[[], Any]]) -> dict[str, Any]:
    for request in requests[:WARMUP]:
        request()
    times, queries = [], []
    for n in range(RUNS):
        ms, q = timed(client, counter, requests[n % len(requests)])
        times.append(ms)
        queries.append(q)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1],
            "queries": (min(queries), max(queries))}


def login(app: Any, email: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def scenario(app: Any, counter: Counter, seed: int) -> dict[str, dict[str, Any]]:
    rng = random.Random(seed)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == Role.admin))
        caseworker = db.session.scalar(select(User).where(
            User.email == "caseworker@iom-brussels.example.org"))
        _token, secret = create_token(caseworker, f"bench {seed}")
        db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(Case))
        depth = min(50_000, total - 60)
        deep_row = db.session.scalar(select(Case).order_by(
            Case.registered_at.desc(), Case.id.desc()).offset(depth - 1).limit(1))
        deep_cursor = encode_cursor(deep_row, "newest", "after")
        sample = db.session.scalars(select(Beneficiary).where(
            Beneficiary.name_original.is_not(None)).limit(400)).all()
        cyrillic = [b for b in sample if re.search("[\u0400-\u04ff]", b.name_original or "")]
        accented = db.session.scalars(select(Beneficiary).where(
            Beneficiary.family_name.like("%ć%")).limit(50)).all() or sample
        numbers = db.session.scalars(select(Case.number).where(
            Case.office_id == caseworker.office_id).limit(200)).all()
        people = db.session.scalars(select(Beneficiary).join(Case).where(
            Case.office_id == caseworker.office_id).limit(200)).all()
        duplicate_bodies = [{"household": [{
            "given_names": names.fold(p.given_names).title(),
            "family_name": names.fold(p.family_name).title(),
            "date_of_birth": p.date_of_birth.isoformat(), "nationality": p.nationality}]}
            for p in people]
        admin_email, cw_email = admin.email, caseworker.email

    as_admin, as_caseworker = login(app, admin_email), login(app, cw_email)
    bearer = {"Authorization": f"Bearer {secret}"}

    def get(client: Any, path: str) -> Callable[[], Any]:
        return lambda: client.get(path)

    def check(body: dict[str, Any]) -> Callable[[], Any]:
        return lambda: as_caseworker.post("/api/v1/duplicates", json=body, headers=bearer)

    latin = [names.to_latin(b.family_name) for b in accented]
    results = {
        "list, first page (caseworker)": [get(as_caseworker, "/cases/")],
        "list, first page (admin, all cases)": [get(as_admin, "/cases/")],
        "list, deep page (admin)": [get(as_admin, f"/cases/?cursor={deep_cursor}")],
        "list, filtered: departed to Albania": [
            get(as_caseworker, "/cases/?status=departed&country=AL")],
        "list, filtered: vulnerable, by name": [
            get(as_caseworker, "/cases/?vulnerability=serious_illness&sort=name")],
        "search, Latin with diacritics": [get(as_admin, f"/cases/?q={n}") for n in latin],
        "search, Cyrillic": [get(as_admin, f"/cases/?q={b.name_original.split()[0]}")
                             for b in cyrillic] or [get(as_admin, "/cases/?q=Ђорђе")],
        "search, without diacritics": [get(as_admin, f"/cases/?q={names.fold(n)}")
                                       for n in latin],
        "search, partial name": [get(as_admin, f"/cases/?q={names.fold(n)[:4]}")
                                 for n in latin],
        "search, case number": [get(as_caseworker, f"/cases/?q={n}") for n in numbers],
        "duplicate check (API)": [check(body) for body in duplicate_bodies],
        "case page": [get(as_caseworker, f"/cases/{n}") for n in numbers],
    }
    rng.shuffle(results["case page"])
    return {name: measure(None, counter, requests) for name, requests in results.items()}


def kind_of(name: str) -> str:
    if name.startswith("list"):
        return "list"
    if name == "case page":
        return "page"
    return "search"


def run(backend: str, small: int, large: int) -> tuple[dict[str, Any], dict[str, Any], float]:
    with database(backend) as (url, folder):
        config = load_config({"CASEFLOW_ENV": "testing", "DATABASE_URL": url,
                              "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
                              "CASEFLOW_INSTANCE_PATH": folder})
        config["WTF_CSRF_ENABLED"] = False
        app = create_app(config)
        with app.app_context():
            flask_migrate.upgrade()
            load_demo()
            db.session.commit()
            counter = Counter()
            event.listen(db.engine, "before_cursor_execute", counter)
            generate_cases(small, seed=1)
            db.session.commit()
        few = scenario(app, counter, seed=1)
        with app.app_context():
            start = time.perf_counter()
            generate_cases(large - small, seed=2)
            db.session.commit()
            rate = (large - small) / (time.perf_counter() - start)
            db.session.execute(db.text("ANALYZE"))  # fresh statistics for the planner
            db.session.commit()
        many = scenario(app, counter, seed=2)
        with app.app_context():
            db.engine.dispose()
    return few, many, rate


def report(results: dict[str, tuple[dict[str, Any], dict[str, Any], float]], small: int,
           large: int) -> str:
    lines = [f"## Cases: list, search, duplicates, case page ({date.today().isoformat()})", "",
             f"Command: `.venv/bin/python bench/cases.py --cases {large}` "
             f"(small run: {small:,} cases). Server-side time per request through Flask's "
             f"test client, {RUNS} requests after {WARMUP} warm-up; queries = SQL statements "
             "per request (min-max), at the small and the large size. The deep page starts "
             f"{min(50_000, large - 60):,} rows into the list of all cases.", ""]
    for backend, (few, many, rate) in results.items():
        lines += [f"### {backend} — {large:,} cases (generated at {rate:,.0f} cases/s)", "",
                  "| request | p50 ms | p95 ms | target p95 | queries @"
                  f" {small:,} | queries @ {large:,} |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, row in many.items():
            target = TARGETS[kind_of(name)]
            flag = "" if row["p95"] <= target else " ✗"
            q_small = few[name]["queries"]
            lines.append(f"| {name} | {row['p50']:.1f} | {row['p95']:.1f}{flag} | "
                         f"{target:.0f} | {q_small[0]}-{q_small[1]} | "
                         f"{row['queries'][0]}-{row['queries'][1]} |")
        lines.append("")
    return "\n".join(lines)


def write_results(section: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    pattern = re.compile(r"## Cases: .*?(?=\n## |\Z)", re.S)
    text = pattern.sub(section.rstrip() + "\n", text) if pattern.search(text) else \
        text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {}
    for backend in backends:
        print(f"{backend}: generating and measuring...", flush=True)
        results[backend] = run(backend, args.small, args.cases)
    section = report(results, args.small, args.cases)
    print(section)
    write_results(section)


if __name__ == "__main__":
    main()
