"""`flask cases ...`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from caseflow.cases.docs import render

cases_cli = AppGroup("cases", help="Cases.")
DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "workflow.md"


@cases_cli.command("workflow-doc")
def workflow_doc() -> None:
    """Write docs/workflow.md from the transition table."""
    DOC.write_text(render(), encoding="utf-8")
    click.echo(f"Wrote {DOC}")
