"""Charts: PNG for print and SVG for the screen, laid out without clipping, inert with
hostile labels, and the same bytes for the same data."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from caseflow import charts
from caseflow.charts import bar_chart, line_chart

HOSTILE = "</svg><script>alert(1)</script>"
# matplotlib repeats each text in an XML comment: "--" must not end it.
COMMENT_BREAKER = "--><script>alert(2)</script><!--"
SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [f"{name} {year}" for year in (2023, 2024, 2025)
          for name in ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                       "sept.", "oct.", "nov.", "déc.")]


def returns(months: list[str], image: charts.ImageFormat) -> charts.Chart:
    countries = ("Bosnia and Herzegovina", "North Macedonia", "Serbia", "Kosovo*", "Albania")
    return bar_chart(months, {c: [(i * 7 + j * 3) % 9 for i in range(len(months))]
                              for j, c in enumerate(countries)},
                     title="Returns by month", value_label="Departures", stacked=True,
                     image=image)


def png(chart: charts.Chart) -> Image.Image:
    assert chart.format == "png" and chart.mime_type == "image/png"
    assert chart.image.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(chart.image))
    assert picture.format == "PNG"
    picture.load()
    return picture


def text_groups(svg: str) -> int:
    """How many texts matplotlib drew (each is a group of glyph paths)."""
    return len(re.findall(r'<g id="text_\d+"', svg))


def edges_are_blank(picture: Image.Image, strip: int = 4) -> bool:
    """Nothing drawn in the outer `strip` pixels: no text or bar runs off the picture."""
    grey = picture.convert("L")
    width, height = grey.size
    boxes = [(0, 0, strip, height), (width - strip, 0, width, height),
             (0, 0, width, strip), (0, height - strip, width, height)]
    return all(grey.crop(box).getextrema() == (255, 255) for box in boxes)


def test_a_png_chart_is_a_real_png_at_print_resolution():
    chart = bar_chart(["Economic", "Social"], {"Average": [0.5, 0.75]}, title="RSS",
                      image="png", alt="RSS averages")
    picture = png(chart)
    assert picture.size == (6 * 200, round(2.8 * 200))
    assert chart.data_uri.startswith("data:image/png;base64,")
    assert base64.b64decode(chart.data_uri.split(",", 1)[1]) == chart.image
    assert chart.alt == "RSS averages"
    with pytest.raises(ValueError):
        _ = chart.svg


def test_an_svg_chart_has_no_text_markup_and_keeps_hostile_labels_inert():
    chart = bar_chart([HOSTILE, COMMENT_BREAKER], {HOSTILE: [1, 2], "Returns": [2, 1]},
                      title=HOSTILE, value_label=COMMENT_BREAKER, stacked=True)
    assert chart.format == "svg" and chart.data_uri.startswith("data:image/svg+xml;base64,")
    svg = chart.svg
    assert HOSTILE not in svg and COMMENT_BREAKER not in svg and "<script" not in svg
    root = ET.fromstring(svg.encode())  # noqa: S314 (our own output, parsed to check it)
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}text")) and not list(root.iter(f"{SVG}script"))
    assert text_groups(svg) > 0  # the labels are there, as paths


def test_a_line_chart_in_both_formats():
    labels = [str(months) for months in range(1, 13)]
    series = {"Composite": [0.3 + i / 20 for i in range(12)],
              "Economic": [None, *[0.4] * 11]}
    assert edges_are_blank(png(line_chart(labels, series, y_label="Score",
                                          y_range=(0.0, 1.05), image="png")))
    assert "<text" not in line_chart(labels, series, y_label="Score").svg


def test_thirty_six_months_are_labelled_every_third():
    assert charts._thinned(MONTHS)[:7] == ["janv. 2023", "", "", "avr. 2023", "", "",
                                           "juil. 2023"]
    assert sum(1 for label in charts._thinned(MONTHS) if label) == 12
    # Drawn: 36 months write as many texts as 12 (the same value axis, legend and title).
    assert text_groups(returns(MONTHS, "svg").svg) == text_groups(returns(MONTHS[:12],
                                                                          "svg").svg)
    assert text_groups(returns(MONTHS[:6], "svg").svg) == text_groups(
        returns(MONTHS[:12], "svg").svg) - 6


@pytest.mark.parametrize("months", [MONTHS, MONTHS[:12], MONTHS[:3]])
def test_month_labels_title_and_legend_fit_in_the_picture(months):
    assert edges_are_blank(png(returns(months, "png")))


def test_long_category_labels_fit_and_the_chart_grows_to_hold_them():
    labels = ["Registration with the employment office and the social welfare centre",
              "Reintegration plan submitted", "ID"] * 4
    chart = bar_chart(labels, {"Requested": [1] * 12, "Completed": [2] * 12},
                      horizontal=True, stacked=True, value_label="Requests",
                      title="Services by outcome", size=(6.0, 1.5), image="png")
    picture = png(chart)
    assert edges_are_blank(picture)
    assert picture.size[0] == 1200 and picture.size[1] > 1.5 * 200


def test_no_data_still_draws_an_axis():
    assert edges_are_blank(png(bar_chart(["No cases"], {"Cases": [0]}, horizontal=True,
                                         title="Cases by stage", image="png")))


@pytest.mark.parametrize("image", ["svg", "png"])
def test_the_same_data_gives_the_same_bytes(image):
    first, second = returns(MONTHS, image), returns(MONTHS, image)
    assert first.image == second.image
    assert b"Matplotlib" not in first.image and b"Software" not in first.image


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError):
        bar_chart(["a"], {"b": [1]}, image="gif")  # type: ignore[arg-type]
