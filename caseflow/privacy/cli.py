"""`flask retention run`: anonymise the cases closed longer than the retention period."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from caseflow.cases.models import Case
from caseflow.errors import CaseflowError
from caseflow.extensions import db
from caseflow.privacy import retention

retention_cli = AppGroup("retention", help="Retention of closed cases.")


def _describe(due: retention.DueCase) -> str:
    return (f"{due.number}  closed {due.closed_at.date().isoformat()}  "
            f"{due.documents} document(s), {due.identity_documents} identity document(s), "
            f"{due.certificate_files} certificate file(s)")


@retention_cli.command("run")
@click.option("--months", type=click.IntRange(min=1, max=1200), default=None,
              help="Retention period in months (default: CASEFLOW_RETENTION_MONTHS).")
@click.option("--dry-run", is_flag=True, help="List what would be anonymised; change nothing.")
def run(months: int | None, dry_run: bool) -> None:
    """Anonymise every case closed more than MONTHS months ago, one transaction per case.

    A case that fails is left as it was and reported; the run goes on with the next one and
    ends with a non-zero exit status."""
    months = months or int(current_app.config.get("RETENTION_MONTHS", 60))
    due = retention.cases_due(months)
    # The query only read; end its transaction so each case below gets its own.
    db.session.rollback()
    verb = "Would anonymise" if dry_run else "Anonymising"
    click.echo(f"{verb} {len(due)} case(s) closed more than {months} months ago.")
    if dry_run:
        for item in due:
            click.echo(f"  {_describe(item)}")
        click.echo("Dry run: nothing was changed.")
        return

    done, failed, leftovers = 0, [], []
    for item in due:
        try:
            case = db.session.get(Case, item.id)
            if case is None:
                raise CaseflowError("the case no longer exists")
            result = retention.anonymise_case(case)
            db.session.commit()
        except Exception as error:  # one bad case must not stop the run
            db.session.rollback()
            failed.append(item.number)
            click.echo(f"  {item.number}: FAILED, left unchanged ({_reason(error)})", err=True)
            continue
        done += 1
        leftovers += retention.delete_files(result)
        click.echo(f"  {_describe(item)}: anonymised")

    # After the commits above, which sealed the cases' last recorded values with their keys.
    unshredded = []
    for case_id in retention.unshredded_cases():
        try:
            retention.shred_audit_values(case_id)
            db.session.commit()
        except Exception as error:  # the next run tries again
            db.session.rollback()
            unshredded.append(case_id)
            click.echo(f"  case {case_id}: audit key NOT shredded ({_reason(error)})", err=True)

    click.echo(f"Anonymised {done} case(s); {len(failed)} failed"
               + (f" ({', '.join(failed)})" if failed else "") + ".")
    for path in leftovers:
        click.echo(f"Could not delete {path}: remove it by hand.", err=True)
    if failed or leftovers or unshredded:
        sys.exit(1)


def _reason(error: Exception) -> str:
    return error.message if isinstance(error, CaseflowError) else \
        f"{type(error).__name__}: {error}"
