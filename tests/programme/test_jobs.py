"""The programme report job, called as the jobs package calls it."""

from __future__ import annotations

import csv
import io

import pytest

from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.jobs import registry
from caseflow.programme.jobs import programme_report
from tests.printing.test_pdf import text_of
from tests.programme import dataset
from tests.programme.dataset import PERIOD


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, done, total, note=""):
        self.calls.append((done, total, note))


@pytest.fixture
def programme(app):
    return dataset.build()


def params(fmt, **changes):
    return {**PERIOD.to_params(), **changes, "format": fmt}


def test_the_kind_is_registered_for_managers_and_admins(programme):
    kind = registry.get("programme_report")
    assert kind.run is programme_report
    assert kind.can_submit(programme.manager) and kind.can_submit(programme.admin)
    assert not kind.can_submit(programme.caseworker)
    assert not kind.can_submit(programme.officer)


@pytest.mark.parametrize(("fmt", "mimetype", "magic"), [
    ("pdf", "application/pdf", b"%PDF"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ("csv", "text/csv; charset=utf-8", "\ufeffsection".encode()),
])
def test_each_format_with_progress_between_the_steps(programme, fmt, mimetype, magic):
    progress = Recorder()
    result = programme_report(params(fmt), user=programme.admin, progress=progress)
    assert result.mimetype == mimetype and result.data.startswith(magic)
    assert result.filename == f"programme-report-2025-01-01-2025-12-31.{fmt}"
    dones = [done for done, _total, _note in progress.calls]
    assert dones == sorted(dones) and dones[0] == 0 and len(dones) >= 8
    assert {total for _done, total, _note in progress.calls} == {dones[-1]}
    assert all(note for _done, _total, note in progress.calls)


def test_the_job_uses_the_figures_of_the_filters(programme):
    result = programme_report(params("csv", country="RS"), user=programme.admin,
                              progress=Recorder())
    rows = list(csv.reader(io.StringIO(result.data.decode("utf-8-sig"))))
    assert [r for r in rows if r[0] == "returns"] == [["returns", "Serbia", "2025-07", "1"]]
    pdf = programme_report(params("pdf"), user=programme.manager, progress=Recorder())
    text = text_of(pdf.data)
    assert "Return desk Brussels" in text and "Page 1 of" in text


def test_the_job_checks_access_again(programme):
    with pytest.raises(AccessDenied):
        programme_report(params("pdf"), user=programme.caseworker, progress=Recorder())
    with pytest.raises(AccessDenied):
        programme_report(params("pdf", office_id=programme.o2.id), user=programme.manager,
                         progress=Recorder())


@pytest.mark.parametrize("changes", [
    {"format": "docx"}, {"format": None}, {"date_from": "2026-01-01"},
    {"date_to": "not a date"}, {"partner_id": "x"},
])
def test_bad_parameters_fail_with_a_message(programme, changes):
    with pytest.raises(ValidationFailed) as caught:
        programme_report({**params("pdf"), **changes}, user=programme.admin,
                         progress=Recorder())
    assert caught.value.message
