"""What the three reports share: the issuing language of an office, the RSS score rows and
chart, and the PDF response."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import current_app, make_response
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseflow.accounts.models import Office
from caseflow.charts import Chart, ImageFormat, line_chart
from caseflow.followups.models import FollowUpVisit
from caseflow.followups.views import rss_score
from caseflow.printing.pdf import StaticOnlyFetcher, render_pdf

# Offices have no language of their own yet. Until they do, the language region of the
# office's city decides (Flanders Dutch, Wallonia French); Brussels is bilingual and falls
# back to CASEFLOW_DEFAULT_LANGUAGE, as does any city not listed here.
CITY_LANGUAGES = {
    **dict.fromkeys(("antwerpen", "antwerp", "anvers", "gent", "ghent", "gand", "brugge",
                     "bruges", "leuven", "louvain", "hasselt", "mechelen", "malines",
                     "kortrijk", "courtrai", "oostende", "ostend", "ostende", "aalst", "genk",
                     "sint-niklaas", "roeselare", "turnhout", "vilvoorde", "lommel",
                     "kapellen", "sint-truiden"), "nl"),
    **dict.fromkeys(("liège", "liege", "luik", "charleroi", "namur", "namen", "mons",
                     "bergen", "tournai", "doornik", "arlon", "aarlen", "verviers",
                     "la louvière", "wavre", "waver", "louvain-la-neuve", "ottignies",
                     "seraing", "mouscron", "moeskroen", "florennes", "jodoigne",
                     "rixensart", "virton"), "fr"),
}


def issuing_language(office: Office) -> str:
    """The language an office prints its follow-up documents in: the one an admin set for
    it, else the language region of its city, else the app's default."""
    languages = current_app.config["LANGUAGES"]
    if office.language in languages:
        return str(office.language)
    by_city = CITY_LANGUAGES.get(office.city.strip().casefold())
    if by_city in languages:
        return str(by_city)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


@dataclass(frozen=True)
class ScoreRow:
    """The stored RSS scores of one done visit."""

    visit_id: int
    sequence: int
    months: int
    done_on: date
    economic: Decimal | None
    social: Decimal | None
    psychosocial: Decimal | None
    composite: Decimal | None
    answered: int
    total: int

    @property
    def is_partial(self) -> bool:
        return self.answered < self.total


def score_rows(visits: Iterable[FollowUpVisit]) -> list[ScoreRow]:
    """The done visits that have a survey, in the order they took place (as the app's
    trend), from visits whose surveys are already loaded."""
    scored = sorted((v for v in visits if v.done_on is not None and v.survey is not None),
                    key=lambda v: (v.done_on, v.sequence))
    return [ScoreRow(visit_id=v.id, sequence=v.sequence, months=v.months_after_arrival,
                     done_on=v.done_on, economic=v.survey.economic, social=v.survey.social,
                     psychosocial=v.survey.psychosocial, composite=v.survey.composite,
                     answered=v.survey.answered, total=v.survey.total)
            for v in scored if v.done_on is not None and v.survey is not None]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def score_chart(rows: list[ScoreRow], *, image: ImageFormat = "png") -> Chart | None:
    """The trend of the composite and dimension scores; x is months after arrival. PNG by
    default: the reports that show it are printed (see caseflow.charts)."""
    if not rows:
        return None
    alt = _("RSS scores per visit, from 0 to 1 (1 is best). Composite score: %(points)s.",
            points="; ".join(_("%(months)s months: %(score)s", months=row.months,
                               score=rss_score(row.composite)) for row in rows))
    return line_chart(
        [str(row.months) for row in rows],
        {_("Composite"): [_number(r.composite) for r in rows],
         _("Economic"): [_number(r.economic) for r in rows],
         _("Social"): [_number(r.social) for r in rows],
         _("Psychosocial"): [_number(r.psychosocial) for r in rows]},
        # No title in the picture: the report's heading says what it is, and every glyph
        # drawn costs render time.
        y_label=_("Score"), y_range=(0.0, 1.05), alt=alt, image=image)


def static_folder() -> Path:
    return Path(current_app.static_folder or "static")


def to_pdf(html: str, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The PDF of a report's HTML, through the locked-down renderer."""
    return render_pdf(html, static_folder=static_folder(), fetcher=fetcher)


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download that no cache keeps (it holds personal data)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
