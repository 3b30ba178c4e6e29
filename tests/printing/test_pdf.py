# ruff: noqa: RUF001 - Cyrillic text on purpose
"""The PDF step: fonts from the static folder, nothing else fetched, text extractable."""

from __future__ import annotations

import io
import logging
import time
from datetime import date

import pypdf
import pytest

from caseflow.printing import pdf
from caseflow.printing.pdf import PdfRenderTimeout, StaticOnlyFetcher, URLRefused, render_pdf
from caseflow.printing.services import qr_data_uri, render_departure_html
from tests.printing.test_certificate_html import context


def text_of(data: bytes) -> str:
    """The text of every page, whitespace (line breaks of the layout) collapsed."""
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:1/", "https://example.org/x.png", "ftp://example.org/x",
    "file:///etc/passwd", "//example.org/x.css"])
def test_fetcher_refuses_other_urls(static_folder, url, caplog):
    fetcher = StaticOnlyFetcher(static_folder)
    with caplog.at_level(logging.WARNING, logger="caseflow.printing.pdf"), \
            pytest.raises(URLRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert "refused URL" in caplog.text


def test_fetcher_refuses_parent_paths_and_symlinks_out(static_folder, tmp_path):
    fetcher = StaticOnlyFetcher(static_folder)
    inside = (static_folder / "fonts" / "DejaVuSans.ttf").as_uri()
    with pytest.raises(URLRefused):
        fetcher.fetch(f"file://{static_folder}/fonts/../../../../etc/passwd")
    with pytest.raises(URLRefused):
        fetcher.fetch(f"file://{static_folder}/fonts/%2e%2e/%2e%2e/config.py")
    assert fetcher.static_path(f"file://{static_folder}/../config.py") is None
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    link = static_folder / "fonts" / "link-out-test.txt"
    link.symlink_to(outside)
    try:
        with pytest.raises(URLRefused):
            fetcher.fetch(link.as_uri())
    finally:
        link.unlink()
    assert fetcher.fetch(inside).read()[:4] == b"\x00\x01\x00\x00"


def test_fetcher_serves_data_urls(static_folder):
    fetcher = StaticOnlyFetcher(static_folder)
    assert fetcher.fetch(qr_data_uri("https://x.example/verify/a")).read()[:4] == b"\x89PNG"


def test_certificate_pdf_keeps_diacritics_and_cyrillic(app, static_folder):
    with app.test_request_context():
        html = render_departure_html(context("en", "sr-Cyrl", "RS"))
    fetcher = StaticOnlyFetcher(static_folder)
    text = text_of(render_pdf(html, static_folder=static_folder, fetcher=fetcher))
    assert "Ђорђе" in text
    assert "Hoxhë" in text
    assert "Потврда о добровољном одласку" in text
    assert fetcher.refused == []
    assert any(url.endswith("fonts/DejaVuSans.ttf") for url in fetcher.served)


def test_hostile_names_print_as_text_and_fetch_nothing(app, static_folder, caplog):
    hostile = '<img src="file:///etc/passwd"> <link href="http://127.0.0.1:1/">'
    with app.test_request_context():
        html = render_departure_html(context("fr", "sq", "AL", household=[
            {"name": hostile, "name_original": None, "date_of_birth": date(1990, 1, 1)}]))
    fetcher = StaticOnlyFetcher(static_folder)
    with caplog.at_level(logging.DEBUG, logger="caseflow.printing.pdf"):
        text = text_of(render_pdf(html, static_folder=static_folder, fetcher=fetcher))
    assert fetcher.refused == []
    assert not any("passwd" in url or "127.0.0.1" in url for url in fetcher.served)
    assert "refused URL" not in caplog.text and "passwd" not in caplog.text
    printed = "".join(text.split())  # the narrow table cell wraps the name
    assert '<imgsrc="file:///etc/passwd">' in printed
    assert '<linkhref="http://127.0.0.1:1/">' in printed


def test_a_render_over_the_time_limit_is_stopped(monkeypatch, static_folder):
    class SlowHTML:
        def __init__(self, **kwargs):
            pass

        def write_pdf(self):
            time.sleep(2)
            return b"%PDF"

    monkeypatch.setattr(pdf, "HTML", SlowHTML)
    with pytest.raises(PdfRenderTimeout, match=r"within 0\.2 seconds"):
        render_pdf("<p>x</p>", static_folder=static_folder, timeout=0.2)


def test_render_timeout_comes_from_config(app):
    with app.app_context():
        assert pdf.render_timeout() == app.config.get("PDF_RENDER_TIMEOUT", 30)
