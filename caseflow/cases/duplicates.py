"""Likely duplicates of a household being registered: same person already in caseflow?

Candidates come from the name search keys (same skeleton of a name) or from the same date of
birth and nationality; each is scored on name similarity, date of birth and nationality.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case

from caseflow.accounts.models import User
from caseflow.cases.models import Case
from caseflow.errors import CaseflowError
from caseflow.extensions import db
from caseflow.people import names
from caseflow.people.models import Beneficiary, NameKey

THRESHOLD = 0.75
CANDIDATE_LIMIT = 200


class PersonLike(Protocol):
    given_names: str
    family_name: str
    date_of_birth: date
    nationality: str
    name_original: str | None


@dataclass(frozen=True)
class Match:
    score: float
    case_id: int
    case_number: str
    office: str
    # The next three are None when the viewer may not see the other case.
    beneficiary_id: int | None
    name: str | None
    date_of_birth: date | None
    matched_for: str  # the new person this resembles
    can_view: bool

    def as_dict(self) -> dict[str, object]:
        return {"score": round(self.score, 2), "case_number": self.case_number,
                "office": self.office, "can_view": self.can_view, "name": self.name,
                "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth
                else None, "matched_for": self.matched_for}


class DuplicatesFound(CaseflowError):
    status_code = 409

    def __init__(self, matches: list[Match]) -> None:
        super().__init__(_("This household looks like people already in caseflow. Open the "
                           "existing case, or give a reason to register it anyway."))
        self.matches = matches


def _dob_score(a: date, b: date) -> float:
    if a == b:
        return 1.0
    if a.year == b.year and (a.month, a.day) == (b.day, b.month):
        return 0.8  # day and month swapped: a classic transcription error
    if a.year == b.year and a.month == b.month:
        return 0.5
    if a.year == b.year or (a.month, a.day) == (b.month, b.day):
        return 0.3
    return 0.0


def score(person: PersonLike, other: Beneficiary) -> float:
    name = max(names.similarity(f"{person.given_names} {person.family_name}", other.full_name),
               names.similarity(person.name_original or "", other.name_original or "")
               if person.name_original and other.name_original else 0.0)
    dob = _dob_score(person.date_of_birth, other.date_of_birth)
    nationality = 1.0 if person.nationality == other.nationality else 0.0
    return 0.6 * name + 0.3 * dob + 0.1 * nationality


def find_duplicates(people: Sequence[PersonLike], *, viewer: User,
                    exclude_case_id: int | None = None, limit: int = 10) -> list[Match]:
    """Existing people who look like any of `people`, best first, one row per existing
    person. Cases the viewer may not see are named by number and office only."""
    best: dict[int, Match] = {}
    for person in people:
        full = f"{person.given_names} {person.family_name}"
        skeletons = {f"s:{skel}" for _folded, skel in names.query_keys(full)}
        if person.name_original:
            skeletons |= {f"s:{skel}" for _f, skel in names.query_keys(person.name_original)}
        same_birth = and_(Beneficiary.date_of_birth == person.date_of_birth,
                          Beneficiary.nationality == person.nationality)
        by_name = select(NameKey.beneficiary_id, func.count().label("hits")) \
            .where(NameKey.key.in_(skeletons)).group_by(NameKey.beneficiary_id).subquery()
        # Most name keys in common (then same birth) first, so that namesakes of a common
        # given name cannot push the real look-alike past CANDIDATE_LIMIT.
        closeness = func.coalesce(by_name.c.hits, 0) + sql_case((same_birth, 1), else_=0)
        query = select(Beneficiary, Case).join(Case, Beneficiary.case_id == Case.id) \
            .outerjoin(by_name, by_name.c.beneficiary_id == Beneficiary.id) \
            .where(or_(same_birth, by_name.c.beneficiary_id.is_not(None))) \
            .order_by(closeness.desc(), Beneficiary.id).limit(CANDIDATE_LIMIT)
        if exclude_case_id is not None:
            query = query.where(Case.id != exclude_case_id)
        for other, case in db.session.execute(query).all():
            value = score(person, other)
            if value < THRESHOLD:
                continue
            if other.id in best and best[other.id].score >= value:
                continue
            visible = case.can_view(viewer)
            best[other.id] = Match(
                score=value, case_id=case.id, case_number=case.number,
                office=case.office.name, beneficiary_id=other.id if visible else None,
                name=other.full_name if visible else None,
                date_of_birth=other.date_of_birth if visible else None,
                matched_for=full, can_view=visible)
    return sorted(best.values(), key=lambda m: (-m.score, m.case_number))[:limit]
