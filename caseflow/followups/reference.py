"""The first follow-up schedule and the first (placeholder-weighted) RSS questionnaire.

The indicators follow IOM's Reintegration Sustainability Survey (MEASURE project, IOM and
Samuel Hall) in its three dimensions. IOM's official weights are not reproduced: version 1
weighs every indicator and every dimension equally and says so in its label, until an admin
enters the official weighting as a new version.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from caseflow.extensions import db
from caseflow.followups.models import (
    Dimension,
    FollowUpSchedule,
    RssIndicator,
    RssOption,
    RssVersion,
)
from caseflow.followups.services import DEFAULT_MONTHS

PLACEHOLDER_LABEL = "Equal weights \u2014 placeholder, replace with IOM's official weighting"

# Three-, four- and five-step scales, best answer first.
THREE = ("1", "0.5", "0")
FOUR = ("1", "0.6667", "0.3333", "0")
FIVE = ("1", "0.75", "0.5", "0.25", "0")

E, S, P = Dimension.economic, Dimension.social, Dimension.psychosocial

# (code, dimension, question, [(option code, label)], scores)
INDICATORS: list[tuple[str, Dimension, str, list[tuple[str, str]], tuple[str, ...]]] = [
    ("economic_satisfaction", E,
     "How satisfied are you with your current economic situation?",
     [("very_satisfied", "Very satisfied"), ("satisfied", "Satisfied"),
      ("neutral", "Neither satisfied nor dissatisfied"), ("dissatisfied", "Dissatisfied"),
      ("very_dissatisfied", "Very dissatisfied")], FIVE),
    ("food_insecurity", E,
     "In the past month, how often did your household eat less or worse food because there "
     "was not enough money?",
     [("never", "Never"), ("rarely", "Rarely (once or twice)"),
      ("sometimes", "Sometimes (every week)"), ("often", "Often (most days)")], FOUR),
    ("access_to_borrowing", E,
     "If you needed money, could you borrow it (from family, friends, a bank or a "
     "microcredit lender)?",
     [("yes", "Yes, easily"), ("difficult", "Yes, but with difficulty"),
      ("no", "No")], THREE),
    ("debt_to_spending", E,
     "How does your household's debt compare with what it spends in a month?",
     [("none", "No debt"), ("less", "Less than a month's spending"),
      ("about", "About one to three months' spending"),
      ("more", "More than three months' spending")], FOUR),
    ("employment", E,
     "Do you have a job or another regular source of income?",
     [("regular", "Yes, regular work or income"),
      ("occasional", "Occasional, part-time or seasonal work"),
      ("none", "No work and no regular income")], THREE),
    ("productive_assets", E,
     "Does your household own productive assets (land, livestock, tools, a vehicle or a "
     "business) that help it earn a living?",
     [("enough", "Yes, enough to earn a living"), ("some", "Some, not enough"),
      ("none", "None")], THREE),
    ("job_search", E,
     "Are you looking for a job?",
     [("not_needed", "No, I have work or do not need it"),
      ("searching", "Yes, I am looking"),
      ("gave_up", "No, I have given up looking")], THREE),
    ("housing", S,
     "How would you describe the place where your household lives?",
     [("good", "Good and secure"), ("acceptable", "Acceptable"),
      ("poor", "Poor or overcrowded"), ("none", "No stable place to live")], FOUR),
    ("children_in_school", S,
     "Do the school-age children of the household go to school? (Leave it not answered "
     "when there are none.)",
     [("all", "All of them"), ("some", "Some of them"), ("none", "None of them")], THREE),
    ("health_care", S,
     "Can household members get health care when they need it?",
     [("yes", "Yes"), ("limited", "With difficulty or only in part"), ("no", "No")], THREE),
    ("safe_water", S,
     "Does your household have safe drinking water?",
     [("always", "Always"), ("sometimes", "Sometimes"), ("never", "Never")], THREE),
    ("access_to_justice", S,
     "If you needed it, could you turn to the police or the courts?",
     [("yes", "Yes"), ("unsure", "Not sure"), ("no", "No")], THREE),
    ("identity_documents", S,
     "Do all household members have valid identity documents?",
     [("all", "All of them"), ("some", "Some of them"), ("none", "None of them")], THREE),
    ("social_participation", P,
     "How often do you take part in social or community activities (celebrations, "
     "gatherings, associations)?",
     [("often", "Often"), ("sometimes", "Sometimes"), ("never", "Never")], THREE),
    ("support_network", P,
     "Is there someone you can rely on for help or support?",
     [("several", "Yes, several people"), ("one", "Yes, one person"),
      ("nobody", "Nobody")], THREE),
    ("sense_of_belonging", P,
     "Do you feel part of the community where you live?",
     [("strongly", "Yes, strongly"), ("somewhat", "Somewhat"), ("not", "Not at all")], THREE),
    ("physical_safety", P,
     "How safe do you and your family feel in daily life?",
     [("very_safe", "Very safe"), ("safe", "Rather safe"), ("unsafe", "Rather unsafe"),
      ("very_unsafe", "Very unsafe")], FOUR),
    ("family_tensions", P,
     "Have there been tensions or conflicts in your family since the return?",
     [("none", "No"), ("some", "Some"), ("serious", "Frequent or serious")], THREE),
    ("discrimination", P,
     "Have you been treated unfairly or discriminated against since the return?",
     [("never", "Never"), ("sometimes", "Sometimes"), ("often", "Often")], THREE),
    ("signs_of_distress", P,
     "In the past two weeks, how often did you feel sad, anxious, angry or unable to sleep?",
     [("never", "Never"), ("rarely", "Rarely"), ("often", "Often"),
      ("always", "Most of the time")], FOUR),
    ("psychological_support", P,
     "Would you like psychological support?",
     [("no", "No, I do not need it"), ("unsure", "Not sure"), ("yes", "Yes")], THREE),
    ("able_to_stay", P,
     "Do you feel able to stay and build your life in this country?",
     [("yes", "Yes"), ("unsure", "Not sure"), ("no", "No, I feel I have to leave")], THREE),
]


def rss_version_1() -> RssVersion:
    """Version 1 of the questionnaire: every indicator and every dimension weighs 1."""
    version = RssVersion(version=1, label=PLACEHOLDER_LABEL, is_placeholder=True,
                         economic_weight=Decimal(1), social_weight=Decimal(1),
                         psychosocial_weight=Decimal(1))
    for position, (code, dimension, question, options, scores) in enumerate(INDICATORS):
        version.indicators.append(RssIndicator(
            code=code, dimension=dimension, question=question, weight=Decimal(1),
            position=position,
            options=[RssOption(code=option_code, label=label, score=Decimal(score),
                               position=n)
                     for n, ((option_code, label), score) in enumerate(zip(options, scores,
                                                                           strict=True))]))
    return version


def seed() -> bool:
    """Create schedule v1 and RSS version 1 when missing; never change existing ones."""
    created = False
    if db.session.scalar(select(FollowUpSchedule.id).limit(1)) is None:
        db.session.add(FollowUpSchedule(version=1, months=DEFAULT_MONTHS))
        created = True
    if db.session.scalar(select(RssVersion.id).where(RssVersion.version == 1)) is None:
        db.session.add(rss_version_1())
        created = True
    db.session.flush()
    return created
