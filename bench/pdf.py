"""Printing: PDF render times, and the programme report's time and memory over many cases.

In one run, per backend: the floor (a minimal one-page WeasyPrint document with the same
DejaVu fonts as the printed documents), the departure certificate (what a manager's click
costs: case loaded, context, HTML, PDF; and the full issue, which also numbers, stores and
fingerprints the file), the case report of a large case (6 people, 30 services, 12 follow-up
visits) and the programme report over all generated cases, end to end as its background job
runs it (filters to PDF bytes), in a fresh process whose peak RSS is reported.

    .venv/bin/python bench/pdf.py --cases 100000            # both backends
    .venv/bin/python bench/pdf.py --cases 2000 --backend sqlite --runs 5

The cases come from caseflow.demo.cases.generate_cases; bench/_after_return_rows.py adds the
plans, services, visits and surveys those lack. PostgreSQL is taken from BENCH_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/test); a database caseflow_bench_pdf is created
there and dropped afterwards. Results are printed and written to bench/RESULTS.md (only the
"Printing" section is replaced).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import psycopg  # noqa: E402
from flask import Flask, current_app  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench._after_return_rows import add_after_return_rows, table_counts  # noqa: E402
from caseflow import create_app  # noqa: E402
from caseflow.accounts.models import Role, User  # noqa: E402
from caseflow.cases.models import Case  # noqa: E402
from caseflow.demo.cases import generate_cases  # noqa: E402
from caseflow.demo.services import load_demo  # noqa: E402
from caseflow.extensions import db  # noqa: E402
from caseflow.printing import services as printing  # noqa: E402
from caseflow.printing.pdf import render_pdf  # noqa: E402
from config import load_config  # noqa: E402

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "caseflow_bench_pdf"
CHILD_FLAG = "--programme-child"
MANAGER_EMAIL = "manager@iom-brussels.example.org"
FLOOR_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>floor</title><style>
  @font-face { font-family: "DejaVu Sans"; src: url("fonts/DejaVuSans.ttf"); }
  @font-face { font-family: "DejaVu Sans"; font-weight: bold;
               src: url("fonts/DejaVuSans-Bold.ttf"); }
  @page { size: A4; margin: 18mm 15mm; }
  body { font-family: "DejaVu Sans"; font-size: 9.5pt; }
</style></head>
<body><h1>Floor</h1><p>One page, the same fonts: Đorđe Ђорђе Hoxhë.</p></body></html>
"""


# -- databases and app -----------------------------------------------------------------------
@contextmanager
def database(backend: str) -> Iterator[tuple[str, str]]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db", folder
        return
    url = make_url(POSTGRES)
    admin = dict(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    try:
        with tempfile.TemporaryDirectory() as folder:
            yield url.set(drivername="postgresql+psycopg", database=DATABASE) \
                .render_as_string(hide_password=False), folder
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def make_app(url: str, folder: str) -> Flask:
    # WeasyPrint warns on every render that it subsets fonts with fontTools (no
    # HarfBuzz-subset on this machine): said once in the results instead.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    config = load_config({"CASEFLOW_ENV": "testing", "DATABASE_URL": url,
                          "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
                          "CASEFLOW_INSTANCE_PATH": folder,
                          "PUBLIC_BASE_URL": "https://caseflow.example.org"})
    # The 30 s default would cut a slow programme report short and hide the figure.
    config["PDF_RENDER_TIMEOUT"] = 600
    return create_app(config)


def populate(app: Flask, count: int) -> dict[str, Any]:
    """Demo world, `count` generated cases and their after-return rows; the rates and the
    row counts."""
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        db.session.commit()
        start = time.perf_counter()
        generate_cases(count, seed=1)
        db.session.commit()
        cases_s = time.perf_counter() - start
        start = time.perf_counter()
        added = add_after_return_rows(seed=1)
        db.session.commit()
        after_s = time.perf_counter() - start
        db.session.execute(db.text("ANALYZE"))  # fresh statistics for the planner
        db.session.commit()
        return {"cases_s": cases_s, "after_s": after_s, "added": dict(added),
                "counts": table_counts()}


# -- timing ------------------------------------------------------------------------------------
def timed(work: Callable[[], Any], runs: int, warmup: int) -> dict[str, float]:
    """Median, min and max in milliseconds of `runs` calls after `warmup` calls."""
    for _ in range(warmup):
        work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def static_folder() -> Path:
    return Path(current_app.static_folder or "static")


def measure_floor(app: Flask, runs: int, warmup: int) -> dict[str, Any]:
    with app.app_context():
        data = render_pdf(FLOOR_HTML, static_folder=static_folder())
        assert pdf_pages(data) == 1, "the floor must be one page"
        row = timed(lambda: render_pdf(FLOOR_HTML, static_folder=static_folder()), runs, warmup)
    return {**row, "pages": 1}


def measure_certificate(app: Flask, runs: int, warmup: int) -> tuple[dict[str, Any],
                                                                        dict[str, Any]]:
    """(the click: case loaded, context, HTML and PDF; the full issue, rolled back)."""
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.email == MANAGER_EMAIL))
        assert manager is not None and manager.role is Role.manager
        case_id = db.session.scalar(select(Case.id).where(
            Case.office_id == manager.office_id, Case.status.in_(printing.DEPARTED_STAGES),
            Case.departed_on.is_not(None), Case.household_size >= 4).order_by(Case.id).limit(1))
        assert case_id is not None, "no departed case to certify"
        manager_id = manager.id

        def click() -> bytes:
            db.session.expire_all()  # the case is read from the database, as in a request
            case = db.session.get(Case, case_id)
            assert case is not None
            context = printing.departure_context(
                case, number="CF-2026-000001", issued_on=date.today(), language="fr",
                return_lang=printing.return_language(case.country_of_return, "latn"),
                verify_address=printing.verify_url(secrets.token_urlsafe(24)))
            return render_pdf(printing.render_departure_html(context),
                              static_folder=static_folder())

        def issue() -> None:
            db.session.expire_all()
            case, by = db.session.get(Case, case_id), db.session.get(User, manager_id)
            assert case is not None and by is not None
            printing.issue_departure_certificate(case, by=by, language="fr", script="latn")
            db.session.rollback()  # keep the numbering and the table as they were

        pages = pdf_pages(click())
        click_row = {**timed(click, runs, warmup), "pages": pages}
        issue_row = {**timed(issue, runs, warmup), "pages": pages}
    return click_row, issue_row


def measure_case_report(app: Flask, runs: int, warmup: int) -> dict[str, Any] | None:
    """The case report of the large case, as a manager of its office prints it: case
    loaded (load_case_for_report), context, HTML, PDF. None while caseflow.reports is not there."""
    try:
        from caseflow.demo.large_case import build_large_case
        from caseflow.reports import case_report
    except ImportError as error:
        print(f"case report skipped: {error}", flush=True)
        return None
    with app.app_context():
        large = build_large_case()
        db.session.commit()
        number, manager_id = large.case.number, large.manager.id
        with app.test_request_context():

            def render() -> bytes:
                db.session.expire_all()
                user = db.session.get(User, manager_id)
                case = case_report.load_case_for_report(number)
                assert case is not None and user is not None
                return case_report.case_report_pdf(case, user)

            pages = pdf_pages(render())
            row = timed(render, runs, warmup)
            parts = case_report_parts(case_report, number, manager_id)
    return {**row, "pages": pages, "parts": parts}


def case_report_parts(module: Any, number: str, user_id: int) -> dict[str, float]:
    """Milliseconds of each step of one case report: load, context (with the chart),
    HTML, PDF."""
    db.session.expire_all()
    user = db.session.get(User, user_id)
    marks = [time.perf_counter()]
    case = module.load_case_for_report(number)
    marks.append(time.perf_counter())
    context = module.case_report_context(case, user)
    marks.append(time.perf_counter())
    html = module.render_case_report_html(context)
    marks.append(time.perf_counter())
    render_pdf(html, static_folder=static_folder())
    marks.append(time.perf_counter())
    names = ("load", "context and chart", "HTML", "PDF")
    return {name: (marks[n + 1] - marks[n]) * 1000 for n, name in enumerate(names)}


# -- the programme report, in a fresh process ---------------------------------------------------
def memory_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in KiB: VmRSS (resident now)
    or VmHWM (peak resident).

    VmHWM rather than ru_maxrss for the peak: Linux carries the parent's high-water mark over
    fork and exec into the child's ru_maxrss (the forked copy counts the parent's resident
    pages), so a child started by a 600 MB benchmark process reports at least 600 MB.
    VmHWM belongs to the address space the exec created: this program's own peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def programme_child(url: str, folder: str) -> None:
    """Run in a fresh process: build the programme report's PDF as its job does, print the
    figures as JSON. The peak is this process's own (VmHWM, see memory_kib)."""
    app = make_app(url, folder)
    with app.app_context():
        from caseflow.programme import jobs as programme_jobs

        admin = db.session.scalar(select(User).where(User.role == Role.admin).limit(1))
        assert admin is not None
        first_day = db.session.scalar(select(func.min(Case.registered_at))).date()
        params = {"date_from": first_day.isoformat(),
                  "date_to": datetime.now(UTC).date().isoformat(), "format": "pdf"}
        baseline_rss, baseline_peak = memory_kib("VmRSS"), memory_kib("VmHWM")
        steps: list[tuple[float, str]] = []
        start = time.perf_counter()

        def progress(done: int, total: int, note: str = "") -> None:
            peak_mb = memory_kib("VmHWM") // 1024
            steps.append((time.perf_counter() - start,
                          f"{done}/{total} {note} (peak {peak_mb} MB)"))

        result = programme_jobs.programme_report(params, user=admin, progress=progress)
        cold_s = time.perf_counter() - start
        peak = memory_kib("VmHWM")
        db.session.rollback()
        start = time.perf_counter()
        programme_jobs.programme_report(params, user=admin, progress=lambda *a, **k: None)
        warm_s = time.perf_counter() - start
        db.session.rollback()
        parts = programme_parts(params, admin)
    print(json.dumps({
        "cold_s": cold_s, "warm_s": warm_s, "peak_kib": peak,
        "peak_after_second_kib": memory_kib("VmHWM"),
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "baseline_rss_kib": baseline_rss, "baseline_peak_kib": baseline_peak,
        "pages": pdf_pages(result.data), "bytes": len(result.data), "steps": steps,
        "parts": parts, "params": params}))


def programme_parts(params: dict[str, Any], user: User) -> dict[str, float]:
    """Where the time of a (warm) programme PDF goes, in seconds: the figures, the charts
    with the template, WeasyPrint's layout, and its PDF writing (painting, SVG charts, fonts).
    The same steps as exports.to_pdf, one at a time."""
    from flask_babel import force_locale
    from weasyprint import HTML

    from caseflow.printing.pdf import StaticOnlyFetcher
    from caseflow.programme import exports
    from caseflow.programme.report import ReportFilters, build_report

    parts: dict[str, float] = {}

    def clock(name: str, work: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = work()
        parts[name] = time.perf_counter() - start
        return value

    with force_locale(user.preferred_language or "en"):
        report = clock("figures (SQL)", lambda: build_report(
            ReportFilters.from_params(params), user))
        html = clock("charts (matplotlib) and template", lambda: exports.render_html(report))
        folder = static_folder().resolve()
        document = clock("WeasyPrint layout", lambda: HTML(
            string=html, base_url=folder.as_uri() + "/",
            url_fetcher=StaticOnlyFetcher(folder)).render())
        clock("WeasyPrint PDF writing (paint, SVG, fonts)", document.write_pdf)
    return parts


def font_subsetter() -> str:
    """Which library WeasyPrint subsets fonts with here: the main cost of a small PDF."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0):
        return "HarfBuzz (libharfbuzz-subset)"
    return "fontTools (libharfbuzz-subset is not installed)"


def measure_programme(url: str, folder: str) -> dict[str, Any] | None:
    try:
        import caseflow.programme.jobs  # noqa: F401
    except ImportError as error:
        print(f"programme report skipped: {error}", flush=True)
        return None
    # Our own interpreter and script, with the benchmark's own database address.
    command = [sys.executable, str(Path(__file__).resolve()), CHILD_FLAG, url, folder]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        print(f"programme report failed:\n{done.stderr[-3000:]}", flush=True)
        return {"error": done.stderr.strip().splitlines()[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- one backend -------------------------------------------------------------------------------
def run(backend: str, count: int, runs: int, warmup: int) -> dict[str, Any]:
    with database(backend) as (url, folder):
        app = make_app(url, folder)
        print(f"{backend}: generating {count:,} cases and their after-return rows...",
              flush=True)
        setup = populate(app, count)
        print(f"{backend}: rendering...", flush=True)
        floor = measure_floor(app, runs, warmup)
        click, issue = measure_certificate(app, runs, warmup)
        case_report = measure_case_report(app, runs, warmup)
        print(f"{backend}: programme report in a fresh process...", flush=True)
        with app.app_context():
            db.engine.dispose()  # the child opens its own connections
        programme = measure_programme(url, folder)
        with app.app_context():
            db.engine.dispose()
    return {"setup": setup, "floor": floor, "click": click, "issue": issue,
            "case_report": case_report, "programme": programme}


# -- results ---------------------------------------------------------------------------------
def _row(name: str, row: dict[str, Any] | None, target: str, ok: bool | None) -> str:
    if row is None:
        return f"| {name} | — | — | — | — | {target} | not measured |"
    flag = "" if ok is None else " ✓" if ok else " ✗"
    return (f"| {name} | {row['median']:.0f} | {row['min']:.0f} | {row['max']:.0f} | "
            f"{row['pages']} | {target} | {flag.strip()} |")


def report(results: dict[str, dict[str, Any]], count: int, runs: int, warmup: int) -> str:
    cpus = os.cpu_count()
    lines = [f"## Printing: PDF render times and the programme report ({date.today().isoformat()})",
             "", f"Command: `.venv/bin/python bench/pdf.py --cases {count}`. Renders: median, "
             f"min and max of {runs} runs after {warmup} warm-up, in one process (WeasyPrint "
             "through caseflow.printing.pdf.render_pdf, the app's fonts and fetcher). Each "
             "run reads the case from the database again (session expired). The programme "
             "report runs end to end as its background job does (filters to PDF bytes) in a "
             "fresh process, as admin over every generated case; its peak is that process's "
             "VmHWM (its own peak RSS; ru_maxrss would include the parent's, inherited over "
             f"fork). Machine: {cpus} CPU(s), Linux; other work on the machine during the "
             f"run adds noise. WeasyPrint subsets fonts with {font_subsetter()}.", ""]
    for backend, result in results.items():
        setup, floor = result["setup"], result["floor"]
        click, issue, case_report = result["click"], result["issue"], result["case_report"]
        ratio = click["median"] / floor["median"]
        lines += [f"### {backend} — {count:,} cases", "",
                  "| document | median ms | min ms | max ms | pages | target | met |",
                  "|---|---:|---:|---:|---:|---|---|",
                  _row("floor: one page, same fonts", floor, "—", None),
                  _row("departure certificate (click: load, context, HTML, PDF)", click,
                       f"≤ 2x floor (= {ratio:.2f}x)", ratio <= 2),
                  _row("departure certificate, full issue (+ number, store, fsync)", issue,
                       "—", None),
                  _row("case report, large case (6 people, 30 services, 12 visits)",
                       case_report, "< 1000 ms",
                       None if case_report is None else case_report["median"] < 1000)]
        if case_report is not None:
            lines += ["", "Case report, one run split into its steps: " + "; ".join(
                f"{name} {ms:.0f} ms" for name, ms in case_report["parts"].items()) + "."]
        programme = result["programme"]
        lines.append("")
        if programme is None or "error" in programme:
            why = "caseflow.programme.jobs missing" if programme is None else \
                f"it failed: {programme['error']}"
            lines += [f"Programme report: not measured ({why}).", ""]
        else:
            peak_mb = programme["peak_kib"] / 1024
            ok_time = programme["cold_s"] < 5
            ok_memory = peak_mb < 400
            lines += [
                "| programme report (fresh process) | value | target | met |",
                "|---|---:|---|---|",
                f"| end to end, first run (s) | {programme['cold_s']:.2f} | < 5 s | "
                f"{'✓' if ok_time else '✗'} |",
                f"| end to end, second run in the same process (s) | "
                f"{programme['warm_s']:.2f} | — | |",
                f"| peak RSS of the process, VmHWM after the first run (MB) | {peak_mb:.0f} | "
                "< 400 MB | "
                f"{'✓' if ok_memory else '✗'} |",
                f"| ru_maxrss of the same process, for comparison (MB; includes the "
                f"parent's peak, see above) | {programme['ru_maxrss_kib'] / 1024:.0f} | — | |",
                f"| RSS after imports and app creation, before the report (MB) | "
                f"{programme['baseline_rss_kib'] / 1024:.0f} | — | |",
                f"| PDF | {programme['pages']} pages, {programme['bytes'] / 1024:.0f} KiB | "
                "— | |", "",
                "Steps of the first run (seconds since the start when the job reports "
                "progress, and the process's peak RSS so far): " + "; ".join(
                    f"{t:.2f} s {note}" for t, note in programme["steps"]) + ".", "",
                "Where a warm run's time goes (same steps, one at a time): " + "; ".join(
                    f"{name} {seconds:.2f} s" for name, seconds in programme["parts"].items())
                + ".", ""]
        counts = setup["counts"]
        lines += [f"Data: generated at {count / setup['cases_s']:,.0f} cases/s; after-return "
                  f"rows added in {setup['after_s']:.1f} s. Rows: " + ", ".join(
                      f"{name} {n:,}" for name, n in counts.items()) + ".", ""]
    return "\n".join(lines)


def write_results(section: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    pattern = re.compile(r"## Printing: .*?(?=\n## |\Z)", re.S)
    text = pattern.sub(lambda _m: section.rstrip() + "\n", text) if pattern.search(text) \
        else text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == CHILD_FLAG:
        programme_child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {backend: run(backend, args.cases, args.runs, args.warmup)
               for backend in backends}
    section = report(results, args.cases, args.runs, args.warmup)
    print(section)
    if not args.no_write:
        write_results(section)


if __name__ == "__main__":
    main()
