"""The report as CSV, XLSX, HTML and PDF: the figures, and hostile names made inert."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from decimal import Decimal

import openpyxl
import pytest

from caseflow.programme import exports
from caseflow.programme.report import build_report, restrict_filters
from tests.printing.test_pdf import text_of
from tests.programme import dataset
from tests.programme.dataset import PERIOD, TODAY

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-1+2", "@SUM(A1)", "\tTab desk", "\rCR desk"]


@pytest.fixture
def programme(app):
    return dataset.build()


def report_for(user, filters=PERIOD):
    return build_report(restrict_filters(filters, user), user, today=TODAY)


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_neutralise_text_but_not_numbers():
    for text in HOSTILE:
        assert exports.neutralise(text) == "'" + text
    assert exports.neutralise("Return desk Brussels") == "Return desk Brussels"
    assert exports.neutralise(-1) == -1
    assert exports.neutralise(Decimal("-2.50")) == Decimal("-2.50")
    assert exports.neutralise(-0.5) == -0.5


def test_csv_is_one_figure_a_line(programme):
    rows = csv_rows(exports.to_csv(report_for(programme.admin)))
    assert rows[0] == ["section", "label", "key", "value"]
    assert ["cases_by_stage", "Departed", "Cases", "2"] in rows
    assert ["returns", "Serbia", "2025-07", "1"] in rows
    assert ["stage_durations", "Counselling", "Median days", "4.0"] in rows
    assert ["stage_durations", "Counselling", "90th percentile days", "16.2"] in rows
    assert ["services", "All services", "Completion rate", "0.6"] in rows
    assert ["budget", "Total", "Committed (EUR)", "3050.00"] in rows
    assert ["followups", "Overdue", "Count", "1"] in rows
    assert ["rss", "Social", "Average score", "0.8"] in rows


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_office_and_partner_names_are_inert_in_csv_and_xlsx(programme, name):
    programme.o1.name = name
    programme.p1.name = name + " partner"
    filters = replace(PERIOD, office_id=programme.o1.id, partner_id=programme.p1.id)
    report = report_for(programme.admin, filters)

    rows = csv_rows(exports.to_csv(report))
    by_key = {row[2]: row[3] for row in rows if row[0] == "filters"}
    assert by_key["office"] == "'" + name
    assert by_key["partner"] == "'" + name + " partner"
    for row in rows:
        for cell in row:
            assert not cell.startswith(exports.FORMULA_STARTS), row

    book = workbook(exports.to_xlsx(report))
    sheet = book["Filters"]
    values = {sheet.cell(r, 1).value: sheet.cell(r, 2) for r in range(2, sheet.max_row + 1)}
    office = values["Sending office"]
    # XML reads a carriage return back as a line feed.
    assert office.value == "'" + name.replace("\r", "\n") and office.data_type == "s"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(exports.FORMULA_STARTS)


def test_xlsx_has_one_sheet_per_table_with_numbers_as_numbers(programme):
    book = workbook(exports.to_xlsx(report_for(programme.admin)))
    assert book.sheetnames == ["Filters", "Cases by stage", "Returns", "Stage durations",
                               "Services", "Budget", "Follow-ups", "RSS averages"]
    stages = book["Cases by stage"]
    assert [c.value for c in stages[1]] == ["Stage", "Cases"]
    assert all(c.font.bold for c in stages[1])
    assert {r[0]: r[1] for r in stages.iter_rows(min_row=2, values_only=True)} == {
        "Counselling": 1, "Application submitted": 1, "Departed": 2, "Arrival confirmed": 1}
    durations = {r[0]: r[1:] for r in book["Stage durations"].iter_rows(min_row=2,
                                                                          values_only=True)}
    assert durations["Registered"] == (5, 6.0, 9.2)
    budget = {r[0]: r[1:] for r in book["Budget"].iter_rows(min_row=2, values_only=True)}
    assert budget["Total"] == (3050, 1800)
    assert isinstance(budget["Housing"][0], int | float) and budget["Housing"][0] == 1250
    services = {r[0]: r for r in book["Services"].iter_rows(min_row=2, values_only=True)}
    assert services["Personal ID card"][-3:] == (0.5, 30.0, 30.0)
    rss = {r[0]: r[1] for r in book["RSS averages"].iter_rows(min_row=2, values_only=True)}
    assert rss["Economic"] == pytest.approx(0.6) and rss["Surveys"] == 2


def test_html_has_the_filters_tables_and_charts(programme):
    programme.o1.name = "<b>Desk & Co</b>"
    html = exports.render_html(report_for(programme.admin, replace(
        PERIOD, office_id=programme.o1.id)))
    assert "&lt;b&gt;Desk &amp; Co&lt;/b&gt;" in html and "<b>Desk" not in html
    images = re.findall(r'<img class="chart" src="(data:image/png;base64,[^"]+)" '
                        r'alt="([^"]+)"', html)
    assert len(images) == 4
    assert any(alt.startswith("Returns by month") for _src, alt in images)
    assert "counter(page)" in html and "counter(pages)" in html


def test_pdf_renders_with_figures_and_page_numbers(programme):
    pdf = exports.to_pdf(report_for(programme.admin, replace(PERIOD, country="XK")))
    text = text_of(pdf)
    assert pdf.startswith(b"%PDF")
    assert "Programme report" in text and "Page 1 of" in text
    assert "Kosovo" in text and "1244" in text  # the footnote goes with the name
    full = text_of(exports.to_pdf(report_for(programme.admin)))
    assert "16.2" in full and "3,050.00" in full and "Civil registration" in full


def test_page_counter_css_cannot_break_out_of_the_style(app):
    with app.test_request_context():
        css = str(exports.page_counter_css())
    assert css == '"Page " counter(page) " of " counter(pages)'
    assert exports._css_string('a"</style>') == '"a\\000022\\00003c\\00002fstyle\\00003e"'
