"""RSS scores computed by hand, the reference questionnaire, and the rules of recording a
visit: bad input gives a clear error and saves nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from caseflow.accounts.models import Role
from caseflow.cases.models import CaseEvent, CaseStatus, EventKind
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.followups import scoring
from caseflow.followups.models import (
    Dimension,
    RssIndicator,
    RssOption,
    RssSurvey,
    RssVersion,
    VisitMode,
)
from caseflow.followups.reference import PLACEHOLDER_LABEL, seed
from caseflow.followups.services import current_rss_version, record_visit, trend
from tests import factories
from tests.cases.helpers import move
from tests.followups import answers, arrived_case, options, other_partner_world, rss_v1, visit

TODAY = date.today()
D = Decimal

# Every indicator answered. Scores by hand (every weight 1):
# economic      0.75 + 1 + 0.5 + 0.6667 + 0.5 + 0 + 0.5 = 3.9167 / 7 = 0.559528.. -> 0.5595
# social        0.6667 + 1 + 0.5 + 1 + 0.5 + 1 = 4.6667 / 6 = 0.777783.. -> 0.7778
# psychosocial  0.5 + 1 + 0.5 + 0.6667 + 1 + 0.5 + 0.6667 + 1 + 0.5
#               = 6.3334 / 9 = 0.703711.. -> 0.7037
# composite     (3.9167/7 + 4.6667/6 + 6.3334/9) / 3 = 2.041023.. / 3 = 0.680341.. -> 0.6803
FULL = {
    "economic_satisfaction": "satisfied", "food_insecurity": "never",
    "access_to_borrowing": "difficult", "debt_to_spending": "less", "employment": "occasional",
    "productive_assets": "none", "job_search": "searching",
    "housing": "acceptable", "children_in_school": "all", "health_care": "limited",
    "safe_water": "always", "access_to_justice": "unsure", "identity_documents": "all",
    "social_participation": "sometimes", "support_network": "several",
    "sense_of_belonging": "somewhat", "physical_safety": "safe", "family_tensions": "none",
    "discrimination": "sometimes", "signs_of_distress": "rarely",
    "psychological_support": "no", "able_to_stay": "unsure",
}
# Social not answered at all. economic (1 + 0) / 2 = 0.5; psychosocial
# (0.5 + 1 + 0.3333) / 3 = 0.6111; composite of the two answered dimensions
# (0.5 + 0.6111) / 2 = 0.55555 -> 0.5556 (half up).
PARTIAL = {"economic_satisfaction": "very_satisfied", "employment": "none",
           "support_network": "one", "able_to_stay": "yes", "signs_of_distress": "often"}


# -- the reference questionnaire ---------------------------------------------------------
def test_version_1_is_a_clearly_labelled_placeholder():
    rss = rss_v1()
    assert rss.is_placeholder and rss.label == PLACEHOLDER_LABEL
    assert "placeholder" in rss.label and "IOM" in rss.label
    assert (rss.economic_weight, rss.social_weight, rss.psychosocial_weight) == (1, 1, 1)
    per_dimension = {d: [i for i in rss.indicators if i.dimension is d] for d in Dimension}
    assert {d: len(v) for d, v in per_dimension.items()} == {
        Dimension.economic: 7, Dimension.social: 6, Dimension.psychosocial: 9}
    for indicator in rss.indicators:
        assert indicator.weight == 1 and indicator.question.endswith(("?", ".)"))
        assert 3 <= len(indicator.options) <= 5
        scores = [o.score for o in indicator.options]
        assert scores[0] == 1 and scores[-1] == 0 and scores == sorted(scores, reverse=True)


def test_seed_is_idempotent():
    assert seed() is False
    assert db.session.scalar(select(func.count()).select_from(RssVersion)) == 1
    assert current_rss_version().version == 1


# -- scores by hand ----------------------------------------------------------------------
def test_full_answer_set():
    rss = rss_v1()
    scores = scoring.score_options(rss, options(rss, **FULL))
    assert (scores.economic, scores.social, scores.psychosocial) == (
        D("0.5595"), D("0.7778"), D("0.7037"))
    assert scores.composite == D("0.6803")
    assert (scores.answered, scores.total, scores.is_partial) == (22, 22, False)


def test_partial_answer_set_scores_what_was_answered():
    rss = rss_v1()
    scores = scoring.score_options(rss, options(rss, **PARTIAL))
    assert scores.economic == D("0.5000") and scores.psychosocial == D("0.6111")
    assert scores.social is None
    assert scores.composite == D("0.5556")
    assert (scores.answered, scores.total, scores.is_partial) == (5, 22, True)


def test_nothing_answered_scores_nothing():
    scores = scoring.score_options(rss_v1(), [])
    assert scores.composite is None and scores.of(Dimension.economic) is None


def test_rounding_is_half_up_at_the_end_only():
    assert scoring.rounded(Fraction(55555, 100000)) == D("0.5556")
    assert scoring.rounded(Fraction(1, 3)) == D("0.3333")
    assert scoring.rounded(Fraction(2, 3)) == D("0.6667")
    assert scoring.rounded(Fraction(1)) == D("1.0000")
    assert scoring.weighted_mean([(D(2), D(1)), (D(1), D("0.5"))]) == Fraction(5, 6)
    assert scoring.weighted_mean([]) is None


def _version_2() -> RssVersion:
    """Economic weighs double; economic has two indicators weighing 2 and 1."""
    def indicator(code, dimension, weight, scores, position):
        return RssIndicator(code=code, dimension=dimension, question=f"{code}?",
                            weight=D(weight), position=position,
                            options=[RssOption(code=f"o{n}", label=f"Option {n}", score=D(s),
                                               position=n) for n, s in enumerate(scores)])

    version = RssVersion(version=2, label="Test weights", is_placeholder=False,
                         economic_weight=D(2), social_weight=D(1), psychosocial_weight=D(1),
                         indicators=[indicator("e1", Dimension.economic, 2, ["1", "0"], 0),
                                     indicator("e2", Dimension.economic, 1, ["1", "0.5", "0"], 1),
                                     indicator("s1", Dimension.social, 1, ["1", "0"], 2),
                                     indicator("p1", Dimension.psychosocial, 1,
                                               ["1", "0.5", "0"], 3)])
    db.session.add(version)
    db.session.flush()
    return version


def test_a_survey_keeps_the_version_it_was_scored_with():
    case, world = arrived_case()
    v1 = rss_v1()
    first = record_visit(visit(case, 1), by=world.officer, done_on=TODAY,
                         mode=VisitMode.home_visit, answers=answers(v1, **FULL))
    v2 = _version_2()
    assert current_rss_version().id == v2.id
    # economic (2*1 + 1*0.5) / 3 = 0.8333; social 0; psychosocial 0.5;
    # composite (2 * 5/6 + 1 * 0 + 1 * 1/2) / (2 + 1 + 1) = 13/24 = 0.541666.. -> 0.5417
    second = record_visit(visit(case, 2), by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                          answers=answers(v2, e1="o0", e2="o1", s1="o1", p1="o1"))
    db.session.flush()
    db.session.expire_all()
    old, new = first.survey, second.survey
    assert old.version_id == v1.id and new.version_id == v2.id
    assert old.composite == D("0.6803") and old.total == 22
    assert (new.economic, new.social, new.psychosocial, new.composite) == (
        D("0.8333"), D("0.0000"), D("0.5000"), D("0.5417"))
    assert (new.answered, new.total) == (4, 4)
    # Recomputing the old survey uses its own version, not the current weights.
    assert scoring.score_survey(old) == scoring.stored_scores(old)
    # Answers of the old questionnaire are no longer accepted.
    with pytest.raises(ValidationFailed, match="not part of the current RSS questionnaire"):
        record_visit(visit(case, 3), by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                     answers=answers(v1, **PARTIAL))
    assert [p.scores.composite for p in trend(case)] == [D("0.6803"), D("0.5417")]


# -- recording a visit -------------------------------------------------------------------
def test_record_a_visit_with_a_partial_survey():
    case, world = arrived_case()
    version_before = case.version
    v = record_visit(visit(case, 1), by=world.officer, done_on=TODAY, mode=VisitMode.home_visit,
                     notes="  Family settled in Shkodër.  ", next_steps="Enrol the children.",
                     answers={**answers(rss_v1(), **PARTIAL),
                              rss_v1().indicators[8].id: None})
    db.session.flush()
    assert (v.done_on, v.mode, v.officer, v.notes) == (
        TODAY, VisitMode.home_visit, world.officer, "Family settled in Shkodër.")
    assert v.version == 2
    survey = v.survey
    assert survey.is_partial and (survey.answered, survey.total) == (5, 22)
    assert (survey.social, survey.composite) == (None, D("0.5556"))
    assert case.version > version_before
    event = case.events[-1]
    assert event.kind is EventKind.edited and event.by == world.officer
    assert event.data["follow-up 1: done_on"] == [None, TODAY.isoformat()]
    assert "follow-up 1: RSS" in event.data


def test_correcting_a_visit_replaces_the_survey():
    case, world = arrived_case()
    rss = rss_v1()
    v = record_visit(visit(case, 1), by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                     answers=answers(rss, **FULL))
    record_visit(v, by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                 answers=answers(rss, **PARTIAL), expected_version=2)
    db.session.flush()
    assert v.version == 3 and v.survey.answered == 5
    assert db.session.scalar(select(func.count()).select_from(RssSurvey).where(
        RssSurvey.visit_id == v.id)) == 1
    # No answer at all removes the survey.
    record_visit(v, by=world.officer, done_on=TODAY, mode=VisitMode.phone, answers={},
                 expected_version=3)
    db.session.flush()
    assert v.survey is None


def test_a_stale_correction_is_refused():
    case, world = arrived_case()
    colleague = factories.make_user(Role.reintegration_officer, office=world.partner)
    v = record_visit(visit(case, 1), by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                     answers=None, expected_version=1)
    record_visit(v, by=colleague, done_on=TODAY, mode=VisitMode.office, notes="Moved.",
                 answers=None, expected_version=2)
    with pytest.raises(StaleEdit) as raised:
        record_visit(v, by=world.officer, done_on=TODAY, mode=VisitMode.home_visit,
                     answers=None, expected_version=2)
    assert raised.value.current_version == 3
    assert {(c["by"], c["field"], c["new"]) for c in raised.value.changes} == {
        (colleague.full_name, "follow-up 1: mode", "office"),
        (colleague.full_name, "follow-up 1: notes", "Moved."),
        (colleague.full_name, "follow-up 1: officer", colleague.full_name)}
    assert v.mode is VisitMode.office


def _events(case) -> int:
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id))


@pytest.mark.parametrize("change, field, message", [
    ({"done_on": TODAY + timedelta(days=1)}, "done_on", "before it takes place"),
    ({"done_on": TODAY - timedelta(days=1)}, "done_on", "before the arrival"),
    ({"done_on": None}, "done_on", "Enter the date"),
    ({"mode": None}, "mode", "Choose how"),
])
def test_bad_dates_and_mode_are_refused(change, field, message):
    case, world = arrived_case()
    events = _events(case)
    data = {"done_on": TODAY, "mode": VisitMode.phone, **change}
    with pytest.raises(ValidationFailed) as raised:
        record_visit(visit(case, 1), by=world.officer, answers=answers(rss_v1(), **FULL),
                     **data)
    assert message in " ".join(raised.value.errors[field])
    db.session.rollback()
    assert visit(case, 1).done_on is None and visit(case, 1).survey is None
    assert _events(case) == events


def test_unknown_option_and_option_of_another_indicator_are_refused():
    case, world = arrived_case()
    rss = rss_v1()
    food, housing = (next(i for i in rss.indicators if i.code == c)
                     for c in ("food_insecurity", "housing"))
    for bad, key in (({food.id: 999_999}, f"answers.{food.id}"),
                     ({food.id: housing.options[0].id}, f"answers.{food.id}"),
                     ({999_999: food.options[0].id}, "answers.999999")):
        with pytest.raises(ValidationFailed) as raised:
            record_visit(visit(case, 1), by=world.officer, done_on=TODAY,
                         mode=VisitMode.phone, answers={**answers(rss, **PARTIAL), **bad})
        assert key in raised.value.errors
        db.session.rollback()
        assert visit(case, 1).done_on is None and visit(case, 1).survey is None
    assert db.session.scalar(select(func.count()).select_from(RssSurvey)) == 0


def test_only_the_partner_officer_records_after_arrival():
    case, world = arrived_case()
    other = other_partner_world(world)
    admin = factories.make_user(Role.admin)
    for user in (world.caseworker, world.manager, other.officer, admin):
        with pytest.raises(AccessDenied, match="Only a reintegration officer"):
            record_visit(visit(case, 1), by=user, done_on=TODAY, mode=VisitMode.phone,
                         answers=None)
    world.officer.is_active = False
    with pytest.raises(AccessDenied):
        record_visit(visit(case, 1), by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                     answers=None)
    world.officer.is_active = True
    move(case, "hold", world)
    assert case.status is CaseStatus.on_hold
    with pytest.raises(AccessDenied, match="once the arrival is confirmed"):
        record_visit(visit(case, 1), by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                     answers=None)
    assert visit(case, 1).done_on is None
