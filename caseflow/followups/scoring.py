"""Scores of the Reintegration Sustainability Survey (RSS), as pure functions.

Each answer option carries a score from 0 to 1 (1 = best). A dimension's score is the weighted
mean of its answered indicators; the composite is the weighted mean of the dimensions that have
at least one answer, with the version's dimension weights. A survey answered in part is scored
on what was answered. Arithmetic is exact (fractions of the stored decimals); results are
rounded half up to 4 decimals only at the end, as the database stores them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from caseflow.followups.models import Dimension, RssOption, RssSurvey, RssVersion

PLACES = 4
_SCALE = 10**PLACES


@dataclass(frozen=True)
class Scores:
    """Scores of one survey; a dimension nobody answered has None."""

    economic: Decimal | None
    social: Decimal | None
    psychosocial: Decimal | None
    composite: Decimal | None
    answered: int
    total: int

    def of(self, dimension: Dimension) -> Decimal | None:
        return getattr(self, dimension.value)

    @property
    def is_partial(self) -> bool:
        return self.answered < self.total


def weighted_mean(pairs: Iterable[tuple[Decimal | Fraction, Decimal | Fraction]]
                  ) -> Fraction | None:
    """sum(w * s) / sum(w) over (weight, score) pairs, exactly; None without weight."""
    total_weight = Fraction(0)
    total = Fraction(0)
    for weight, score in pairs:
        total_weight += Fraction(weight)
        total += Fraction(weight) * Fraction(score)
    if total_weight == 0:
        return None
    return total / total_weight


def rounded(value: Fraction | None) -> Decimal | None:
    """`value` rounded half up to 4 decimals (scores are never negative)."""
    if value is None:
        return None
    if value < 0:
        raise ValueError("scores are never negative")
    units = (value.numerator * _SCALE * 2 + value.denominator) // (2 * value.denominator)
    return Decimal(units).scaleb(-PLACES)


def score_options(version: RssVersion, chosen: Iterable[RssOption]) -> Scores:
    """Score the options chosen (at most one per indicator) under `version`."""
    per_dimension: dict[Dimension, list[tuple[Decimal, Decimal]]] = {d: [] for d in Dimension}
    seen: set[int] = set()
    for option in chosen:
        indicator = option.indicator
        if indicator.version_id != version.id:
            raise ValueError(f"option {option.id} is not of RSS version {version.version}")
        if indicator.id in seen:
            raise ValueError(f"indicator {indicator.id} answered twice")
        seen.add(indicator.id)
        per_dimension[indicator.dimension].append((indicator.weight, option.score))
    exact = {d: weighted_mean(pairs) for d, pairs in per_dimension.items()}
    composite = weighted_mean((version.weight(d), score) for d, score in exact.items()
                              if score is not None)
    return Scores(economic=rounded(exact[Dimension.economic]),
                  social=rounded(exact[Dimension.social]),
                  psychosocial=rounded(exact[Dimension.psychosocial]),
                  composite=rounded(composite), answered=len(seen),
                  total=len(version.indicators))


def score_survey(survey: RssSurvey) -> Scores:
    """Recompute a stored survey's scores from its answers and its own version."""
    return score_options(survey.rss_version, (answer.option for answer in survey.answers))


def stored_scores(survey: RssSurvey) -> Scores:
    """The scores as stored on the survey (what the pages show)."""
    return Scores(economic=survey.economic, social=survey.social,
                  psychosocial=survey.psychosocial, composite=survey.composite,
                  answered=survey.answered, total=survey.total)
