"""`flask demo ...`: demo data for trying caseflow out and for benchmarks."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from caseflow.demo import data
from caseflow.demo.cases import cases_already_generated, count_demo_cases, generate_cases
from caseflow.demo.services import already_generated, generate_users, load_demo
from caseflow.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load() -> None:
    """Create the demo offices, logins and cases (safe to run again) and print the logins."""
    logins = load_demo()
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (password for all: {data.DEMO_PASSWORD})")
    width = max(len(login.email) for login in logins)
    for login in logins:
        click.echo(f"  {login.email:<{width}}  {login.role.label:<22}  {login.office}")
    click.echo(f"Managers and administrators also give a two-factor code: add the key "
               f"{data.DEMO_TOTP_SECRET} to an authenticator app (time-based, 6 digits).")
    click.echo("")
    click.echo(f"{count_demo_cases()} demo cases")


@demo_cli.command("generate")
@click.option("--users", "user_count", type=click.IntRange(1, 1_000_000),
              help="How many inactive users to generate.")
@click.option("--cases", "case_count", type=click.IntRange(1, 10_000_000),
              help="How many cases (with their households and history) to generate.")
@click.option("--seed", type=int, default=1, show_default=True)
def generate(user_count: int | None, case_count: int | None, seed: int) -> None:
    """Bulk-generate deterministic (seeded) users and/or cases, for benchmarks.

    Needs the demo offices and users: run `flask demo load` first."""
    if user_count is None and case_count is None:
        raise click.UsageError("say what to generate: --users N, --cases N or both")
    if user_count is not None and already_generated(seed):
        raise click.ClickException(f"users were already generated with seed {seed}; "
                                   "use another seed or a fresh database")
    if case_count is not None and cases_already_generated(seed):
        raise click.ClickException(f"cases were already generated with seed {seed}; "
                                   "use another seed or a fresh database")
    if user_count is not None:
        made = generate_users(user_count, seed)
        click.echo(f"Generated {made} users with seed {seed}.")
    if case_count is not None:
        started = time.perf_counter()
        try:
            with click.progressbar(length=case_count, label="Generating cases") as bar:
                made = generate_cases(case_count, seed, progress=bar.update)
        except RuntimeError as problem:
            raise click.ClickException(str(problem)) from None
        db.session.commit()
        elapsed = time.perf_counter() - started
        click.echo(f"Generated {made} cases with seed {seed} in {elapsed:.1f} s "
                   f"({made / elapsed:,.0f} cases/s).")
    db.session.commit()
