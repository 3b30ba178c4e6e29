"""`flask audit verify`: check the chain of the audit trail."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from caseflow.audit.queries import verify
from caseflow.extensions import db

audit_cli = AppGroup("audit", help="Check the audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Walk the hash chain; report the first broken link (exit status 1)."""
    result = verify(db.session)
    if result.intact:
        click.echo(f"Audit trail intact: {result.entries} entries.")
        return
    click.echo(f"Audit trail BROKEN at entry {result.broken_at}: {result.reason} "
               f"({result.entries} entries before it are intact).", err=True)
    raise SystemExit(1)
