"""`flask demo ...`: demo data for trying caseflow out and for benchmarks."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from caseflow.demo import data
from caseflow.demo.services import already_generated, generate_users, load_demo
from caseflow.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load() -> None:
    """Create the demo offices and logins (safe to run again) and print the logins."""
    logins = load_demo()
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (password for all: {data.DEMO_PASSWORD})")
    width = max(len(login.email) for login in logins)
    for login in logins:
        click.echo(f"  {login.email:<{width}}  {login.role.label:<22}  {login.office}")
    click.echo("")


@demo_cli.command("generate")
@click.option("--users", "user_count", type=click.IntRange(1, 1_000_000), required=True)
@click.option("--seed", type=int, default=1, show_default=True)
def generate(user_count: int, seed: int) -> None:
    """Bulk-generate deterministic (seeded) inactive users, for benchmarks."""
    if already_generated(seed):
        raise click.ClickException(f"users were already generated with seed {seed}; "
                                   "use another seed or a fresh database")
    made = generate_users(user_count, seed)
    db.session.commit()
    click.echo(f"Generated {made} users with seed {seed}.")
