"""docs/workflow.md, written from the transition table so the two never disagree."""

from __future__ import annotations

from caseflow.cases.models import CaseStatus
from caseflow.cases.workflow import FIELDS, MOVES

HEADER = """# The case workflow

This file is generated from `caseflow/cases/workflow.py` by `flask cases workflow-doc`;
a test fails when the two differ. The same table is served as JSON at `GET /api/v1/workflow`.

Every change of stage goes through `workflow.transition()`, which checks, in order: the
stage (is this move possible from here?), the role and office of the user, the stage data
the move needs, and the conditions of the case. A refused move says which of these failed
(`wrong_stage`, `wrong_role`, `not_your_case`, `missing_data`, `invalid_data`) and names
the fields. Each move writes a history row: who, when, from, to, the note and the data.

Caseworkers and managers act on the cases of their own office; reintegration officers on
the cases referred to their organisation. A manager assigned to a case cannot approve or
reject it (four eyes). *On hold* returns to the stage it left; *closed* can be reopened by
a manager, back to the stage it was closed from.
"""


def _diagram() -> list[str]:
    lines = ["```mermaid", "stateDiagram-v2", "    [*] --> registered"]
    for move in MOVES:
        if move.name in ("hold", "close"):
            continue
        for source in move.sources:
            target = move.target.value if move.target else "previous"
            if move.name == "resume":
                target = "held_from"
            if move.name == "reopen":
                target = "closed_from"
            lines.append(f"    {source.value} --> {target}: {move.name}")
    lines += ["    note right of on_hold: hold from any open stage; resume returns to it",
              "    note right of closed: close from any open stage; reopen returns to it",
              "```"]
    return lines


def render() -> str:
    out = [HEADER, "## Stages", ""]
    out += [f"- `{s.value}`: {s.label}" for s in CaseStatus]
    out += ["", "## Diagram", "", *_diagram(), "", "## Moves", "",
            "| move | from | to | who | stage data (* required) | conditions |",
            "|---|---|---|---|---|---|"]
    for move in MOVES:
        sources = "any open stage" if len(move.sources) > 5 else ", ".join(
            s.value for s in move.sources)
        target = move.target.value if move.target else (
            "stage before the hold" if move.name == "resume" else "stage before closing")
        roles = ", ".join(sorted(r.value for r in move.roles))
        data = ", ".join(f"{n}{'*' if FIELDS[n].required else ''}" for n in move.fields) or "-"
        checks = ", ".join(c.__name__.strip("_").replace("_", " ") for c in move.checks) or "-"
        out.append(f"| {move.name} | {sources} | {target} | {roles} | {data} | {checks} |")
    return "\n".join(out) + "\n"

