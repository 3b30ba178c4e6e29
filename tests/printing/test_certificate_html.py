# ruff: noqa: RUF001 - Cyrillic text on purpose
"""The departure certificate as HTML: each language pair, the Kosovo footnote, escaping."""

from __future__ import annotations

from datetime import date

import pytest

from caseflow.printing.services import qr_data_uri, render_departure_html

FOOTNOTE_EN = ("* References to Kosovo shall be understood to be in the context of United "
               "Nations Security Council resolution 1244 (1999).")


def context(language: str, return_language: str, country: str, **overrides):
    url = "https://caseflow.example.org/verify/abcdefghijklmnopqrstuvwx"
    base = {
        "number": "CF-2026-000001", "issued_on": date(2026, 11, 27), "language": language,
        "return_language": return_language, "country": country,
        "office": {"name": "Return desk Brussels", "city": "Brussels"},
        "departed_on": date(2026, 11, 20),
        "flight": {"carrier": "Brussels Airlines", "number": "SN 2911",
                   "airport": "Brussels (BRU)"},
        "household": [{"name": "Arben Hoxhë", "name_original": None,
                       "date_of_birth": date(1985, 3, 14)},
                      {"name": "Đorđe Jovanović", "name_original": "Ђорђе Јовановић",
                       "date_of_birth": date(2015, 6, 2)}],
        "verify_url": url, "qr_data_uri": qr_data_uri(url),
    }
    return {**base, **overrides}


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(("language", "return_language", "country", "expected"), [
    ("fr", "sq", "AL", ["Attestation de départ volontaire", "en Albanie",
                        "Vërtetim i largimit vullnetar", "në Shqipëri"]),
    ("nl", "mk", "MK", ["Attest van vrijwillig vertrek", "Noord-Macedonië",
                        "Потврда за доброволно заминување", "Северна Македонија"]),
    ("en", "sr-Cyrl", "RS", ["Certificate of voluntary departure", "to return to Serbia",
                             "Потврда о добровољном одласку", "ради повратка у Србију"]),
    ("en", "sr-Latn", "RS", ["Certificate of voluntary departure",
                             "Potvrda o dobrovoljnom odlasku", "radi povratka u Srbiju"]),
    ("fr", "sq", "XK", ["Attestation de départ volontaire", "au Kosovo*",
                        "Vërtetim i largimit vullnetar", "në Kosovë*"]),
])
def test_each_language_pair_side_by_side(language, return_language, country, expected):
    html = render_departure_html(context(language, return_language, country))

    for text in expected:
        assert text in html
    assert f'data-language="{language}"' in html
    assert f'data-language="{return_language}"' in html
    assert html.count("Arben Hoxhë") == 2 and html.count("Ђорђе Јовановић") == 2
    assert "20.11.2026" in html and "CF-2026-000001" in html
    assert "SN 2911" in html
    assert 'src="data:image/png;base64,' in html
    assert "https://caseflow.example.org/verify/abcdefghijklmnopqrstuvwx" in html
    assert ("1244" in html) is (country == "XK")


def test_serbian_latin_has_no_cyrillic_body_text():
    html = render_departure_html(context("en", "sr-Latn", "RS"))
    assert "Потврда" not in html and "Србију" not in html


def test_kosovo_footnote_in_both_languages():
    html = render_departure_html(context("en", "sq", "XK"))
    assert FOOTNOTE_EN in html
    assert "Rezolutës 1244 (1999)" in html
    french = render_departure_html(context("fr", "sq", "XK"))
    assert "résolution 1244 (1999) du Conseil de sécurité" in french


def test_user_text_is_escaped():
    hostile = '<img src="file:///etc/passwd"> <link href="http://127.0.0.1:1/">'
    html = render_departure_html(context("fr", "sq", "AL", household=[
        {"name": hostile, "name_original": hostile, "date_of_birth": date(1990, 1, 1)}],
        office={"name": "<script>x</script>", "city": "Brussels"}))
    assert "<img src=\"file:" not in html and "<link href" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "<script>x" not in html
