"""Reference data every installation needs: entitlement rules, service types, the follow-up
schedule and the RSS questionnaire. `flask reference load` (and `flask demo load`) create what
is missing and never change what an admin has edited."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from caseflow.extensions import db


def load_reference_data() -> list[str]:
    from caseflow.assistance.reference import seed as seed_services
    from caseflow.followups.reference import seed as seed_followups
    from caseflow.reintegration.reference import seed as seed_rules

    created = []
    for name, seed in (("entitlement rules", seed_rules), ("service types", seed_services),
                       ("follow-up schedule and RSS", seed_followups)):
        if seed():
            created.append(name)
    return created


reference_cli = AppGroup("reference", help="Reference data.")


@reference_cli.command("load")
def load() -> None:
    """Create the reference data that is missing (safe to run again)."""
    created = load_reference_data()
    db.session.commit()
    click.echo("Created: " + ", ".join(created) if created else "Reference data complete.")
