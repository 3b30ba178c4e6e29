"""docs/workflow.md and GET /api/v1/workflow come from the one transition table."""

from pathlib import Path

from caseflow.cases.docs import render
from caseflow.cases.models import CaseStatus
from caseflow.cases.workflow import MOVES

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"


def test_docs_match_the_table():
    assert DOC.read_text(encoding="utf-8") == render(), \
        "docs/workflow.md is out of date: run `flask cases workflow-doc`"


def test_docs_name_every_stage_and_move():
    text = DOC.read_text(encoding="utf-8")
    for status in CaseStatus:
        assert f"`{status.value}`" in text
    for move in MOVES:
        assert f"| {move.name} |" in text
    assert "```mermaid" in text
