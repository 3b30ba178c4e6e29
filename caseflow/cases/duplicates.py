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
from sqlalchemy import and_, extract, or_, select

from caseflow.accounts.models import User
from caseflow.cases.models import Case
from caseflow.errors import CaseflowError
from caseflow.extensions import db
from caseflow.people import names
from caseflow.people.models import Beneficiary, NameKey

THRESHOLD = 0.75
CANDIDATE_LIMIT = 2000


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


def score(person: PersonLike, other: PersonLike) -> float:
    """0..1: 60% name likeness (document or original script), 30% date of birth, 10%
    nationality. A perfect name with a different birth date and year stays below THRESHOLD;
    the same day and month with another year (a typing slip) reaches it."""
    name = max(names.similarity(f"{person.given_names} {person.family_name}",
                                f"{other.given_names} {other.family_name}"),
               names.similarity(person.name_original or "", other.name_original or "")
               if person.name_original and other.name_original else 0.0)
    dob = _dob_score(person.date_of_birth, other.date_of_birth)
    nationality = 1.0 if person.nationality == other.nationality else 0.0
    return 0.6 * name + 0.3 * dob + 0.1 * nationality


@dataclass(frozen=True)
class _Candidate:
    id: int
    case_id: int
    given_names: str
    family_name: str
    name_original: str | None
    date_of_birth: date
    nationality: str


def _skeleton_keys(*texts: str | None) -> set[str]:
    return {f"s:{skel}" for text in texts if text for _folded, skel in names.query_keys(text)}


def _candidates(person: PersonLike, exclude_case_id: int | None) -> list[_Candidate]:
    """Only people who can reach THRESHOLD are fetched, each through an index:
    the same date of birth and nationality, or a family name AND a given name with the same
    skeleton born the same year or on the same day and month (a slip in the year)."""
    born = person.date_of_birth
    family = _skeleton_keys(person.family_name)
    given = _skeleton_keys(person.given_names)
    if person.name_original:
        original = _skeleton_keys(person.name_original)
        family, given = family | original, given | original
    conditions = [and_(Beneficiary.date_of_birth == born,
                       Beneficiary.nationality == person.nationality)]
    if family and given:
        conditions.append(and_(
            Beneficiary.id.in_(select(NameKey.beneficiary_id).where(NameKey.key.in_(family))),
            Beneficiary.id.in_(select(NameKey.beneficiary_id).where(NameKey.key.in_(given))),
            or_(and_(Beneficiary.date_of_birth >= date(born.year, 1, 1),
                     Beneficiary.date_of_birth <= date(born.year, 12, 31)),
                and_(extract("month", Beneficiary.date_of_birth) == born.month,
                     extract("day", Beneficiary.date_of_birth) == born.day))))
    query = select(Beneficiary.id, Beneficiary.case_id, Beneficiary.given_names,
                   Beneficiary.family_name, Beneficiary.name_original,
                   Beneficiary.date_of_birth, Beneficiary.nationality) \
        .where(or_(*conditions)).limit(CANDIDATE_LIMIT)
    if exclude_case_id is not None:
        query = query.where(Beneficiary.case_id != exclude_case_id)
    return [_Candidate(*row) for row in db.session.execute(query).all()]


def find_duplicates(people: Sequence[PersonLike], *, viewer: User,
                    exclude_case_id: int | None = None, limit: int = 10) -> list[Match]:
    """Existing people who look like any of `people`, best first, one row per existing
    person. Cases the viewer may not see are named by number and office only."""
    scored: dict[int, tuple[float, _Candidate, str]] = {}
    for person in people:
        full = f"{person.given_names} {person.family_name}"
        for candidate in _candidates(person, exclude_case_id):
            value = score(person, candidate)
            if value >= THRESHOLD and value > scored.get(candidate.id, (0.0,))[0]:
                scored[candidate.id] = (value, candidate, full)
    if not scored:
        return []
    cases = {c.id: c for c in db.session.scalars(select(Case).where(
        Case.id.in_({candidate.case_id for _v, candidate, _f in scored.values()})))}
    matches = []
    for value, candidate, full in scored.values():
        case = cases[candidate.case_id]
        visible = case.can_view(viewer)
        matches.append(Match(
            score=value, case_id=case.id, case_number=case.number, office=case.office.name,
            beneficiary_id=candidate.id if visible else None,
            name=f"{candidate.given_names} {candidate.family_name}" if visible else None,
            date_of_birth=candidate.date_of_birth if visible else None,
            matched_for=full, can_view=visible))
    return sorted(matches, key=lambda m: (-m.score, m.case_number))[:limit]
