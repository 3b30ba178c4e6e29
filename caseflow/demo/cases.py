"""Demo cases.

Two producers share one model of a household and of a case's path through the stages:

- `load_demo_cases()` (run by `flask demo load`) takes about 60 realistic households through
  the real services (register_case, log_counselling_session, add_school_record,
  workflow.transition), so their history rows are the ones the application writes. Dates are
  then moved into the past (registration, session and event times, closing time) because the
  services stamp "now".
- `generate_cases(count, seed)` (run by `flask demo generate --cases`) bulk-inserts many
  seeded cases for benchmarks, with multi-row INSERTs compiled by SQLAlchemy Core and values
  made by the columns' own types; on SQLite in parallel and with CHECK constraints verified
  per table rather than per row (see "SQLite" below). `generated_cases()` is the pure
  generator behind it: the same seed, world, counters and clock give the same rows.
"""

from __future__ import annotations

import gc
import itertools
import os
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate, chain
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    bindparam,
    func,
    insert,
    literal_column,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm.attributes import set_committed_value

from caseflow.accounts.models import Office, Role, User
from caseflow.cases import workflow
from caseflow.cases.duplicates import DuplicatesFound
from caseflow.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    CounsellingSession,
    EventKind,
)
from caseflow.cases.services import (
    NUMBER_PREFIX,
    CaseDetails,
    PersonData,
    Registration,
    SchoolData,
    SessionData,
    TravelDocumentData,
    add_identity_document,
    add_school_record,
    log_counselling_session,
    register_case,
)
from caseflow.db import utcnow
from caseflow.demo import data
from caseflow.extensions import db
from caseflow.people import names
from caseflow.people.models import (
    Beneficiary,
    BeneficiaryVulnerability,
    Consent,
    ConsentPurpose,
    DocumentKind,
    HouseholdRole,
    IdentityDocument,
    NameKey,
    ProcedureStatus,
    SchoolLevel,
    Sex,
    Vulnerability,
)


class Rng(random.Random):
    """random.Random with quicker choice, randint and randrange: the standard ones check their
    arguments and loop on getrandbits, which made them most of the generation time. These scale
    random() instead (a bias of order 2**-53, irrelevant here); still deterministic."""

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def weighted(self, population: Any, cum_weights: list[float]) -> Any:
        """One of `population`, with the cumulated weights `cum_weights`."""
        return population[bisect(cum_weights, self.random() * cum_weights[-1])]


def cumulated(weights: Any) -> list[float]:
    return list(accumulate(weights))


S = CaseStatus
V = Vulnerability
DEMO_SEED = 2026
# The Immigration Office number of the first demo household: its presence means the demo
# cases are loaded. Demo OE numbers start with 8, generated ones never do.
DEMO_MARKER_OE = "8.765.432"
GENERATED_NOTE = "Generated for benchmarks (seed {seed})"


# -- the demo world, read from the database -----------------------------------------------------
@dataclass(frozen=True)
class SendingOffice:
    id: int
    name: str
    slug: str
    caseworker_id: int
    manager_id: int
    weight: int


@dataclass(frozen=True)
class Partner:
    id: int
    name: str
    country: str
    officer_id: int


@dataclass(frozen=True)
class World:
    sending: tuple[SendingOffice, ...]
    partners: dict[str, tuple[Partner, ...]] = field(hash=False)


SENDING_WEIGHTS = {"iom-brussels": 45, "petit-chateau": 30, "caritas-be": 25}
COUNTRY_WEIGHTS = {"AL": 35, "XK": 25, "RS": 20, "MK": 20}


def demo_world() -> World:
    """The demo offices with their demo caseworker, manager and reintegration officer."""
    offices = {o.name: o for o in db.session.scalars(
        select(Office).where(Office.name.in_([o[0] for o in data.OFFICES])))}
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(
        [data.demo_email(role, slug) for slug, people in data.USERS.items()
         for role, _name in people])))}
    sending: list[SendingOffice] = []
    partners: dict[str, list[Partner]] = {}
    for name, _kind, country, _city, slug in data.OFFICES:
        office = offices.get(name)
        if office is None:
            raise RuntimeError("the demo offices are missing: run `flask demo load` first")

        def user(role: Role, slug: str = slug) -> int:
            found = users.get(data.demo_email(role, slug))
            if found is None:
                raise RuntimeError(f"demo user {data.demo_email(role, slug)} is missing")
            return found.id

        if slug in SENDING_WEIGHTS:
            sending.append(SendingOffice(office.id, office.name, slug, user(Role.caseworker),
                                         user(Role.manager), SENDING_WEIGHTS[slug]))
        else:
            partners.setdefault(country, []).append(
                Partner(office.id, office.name, country, user(Role.reintegration_officer)))
    return World(tuple(sending), {c: tuple(p) for c, p in partners.items()})


# -- households --------------------------------------------------------------------------
SIZES = (1, 2, 3, 4, 5, 6)
SIZE_WEIGHTS = cumulated((30, 14, 16, 18, 13, 9))
SCHOOL_LANGUAGE = {"brussels": "French", "wallonia": "French", "liege": "French",
                   "flanders": "Dutch", "ghent": "Dutch", "antwerp": "Dutch"}
PROCEDURES = (ProcedureStatus.refused, ProcedureStatus.appeal, ProcedureStatus.pending,
              ProcedureStatus.withdrawn, ProcedureStatus.no_application)
PROCEDURE_WEIGHTS = cumulated((55, 15, 14, 6, 10))


@dataclass
class Numbers:
    """Where a household's numbers come from. `digits(position)` gives the digits of its
    documents (unique per person: kind and country tell the documents of one person apart);
    `oe()` the next Immigration Office number."""

    digits: Callable[[int], str]
    oe: Callable[[], str]


def _born(on: date, age: int, rng: random.Random) -> date:
    return on - timedelta(days=int(age * 365.25) + rng.randrange(3, 360))


def _phone(rng: random.Random) -> str:
    """A Belgian mobile number: +32 47x, 48x or 49x."""
    n = int(rng.random() * 30_000_000)
    return (f"+32 4{7 + n // 10_000_000}{n // 1_000_000 % 10} {n // 10_000 % 100:02d} "
            f"{n // 100 % 100:02d} {n % 100:02d}")


# Document numbers by kind and issuing country: (prefix, suffix); "?" is a random letter.
DOCUMENT_FORMATS = {
    DocumentKind.passport: {"AL": ("B?", ""), "XK": ("P", ""), "RS": ("", ""),
                            "MK": ("M", "")},
    DocumentKind.identity_card: {"AL": ("I", "?"), "XK": ("ID", ""), "RS": ("0", ""),
                                 "MK": ("A", "")},
}


def _doc_number(kind: DocumentKind, country: str, digits: str, rng: random.Random) -> str:
    if kind is DocumentKind.laissez_passer:
        return f"LP{digits}"
    if kind is DocumentKind.birth_certificate:
        return f"AN{digits}"
    prefix, suffix = DOCUMENT_FORMATS[kind][country]
    if "?" in prefix or "?" in suffix:
        letter = chr(65 + int(rng.random() * 26))
        prefix, suffix = prefix.replace("?", letter), suffix.replace("?", letter)
    return f"{prefix}{digits}{suffix}"


def person(role: HouseholdRole, given: data.Name, family: data.Name, sex: Sex, born: date,
           nationality: str, **fields: Any) -> dict[str, Any]:
    """A beneficiary row (the columns of Beneficiary) plus `vulnerabilities`, `documents`
    [(kind, number, issuing country, expires)] and `needs_laissez_passer`."""
    original = f"{given[1]} {family[1]}" if given[1] and family[1] else None
    row: dict[str, Any] = {
        "role": role, "given_names": given[0], "family_name": family[0],
        "name_original": original, "sex": sex, "date_of_birth": born,
        "nationality": nationality, "place_of_birth": None, "languages": None, "phone": None,
        "oe_number": None, "reception_centre": None, "asylum_applied_on": None,
        "procedure_status": None, "vulnerability_note": None,
        "vulnerabilities": [], "documents": [], "needs_laissez_passer": False,
    }
    row.update(fields)
    return row


def household(rng: Rng, country: str, registered_on: date, numbers: Numbers,
              valid_from: date, size: int | None = None) -> tuple[list[dict[str, Any]], str]:
    """A realistic household returning to `country`, principal first; and the region of
    Belgium it lived in (for schools)."""
    pools = data.RETURN_NAMES[country]
    albanian_mk = country == "MK" and rng.random() < 0.3
    given_pools = data.RETURN_NAMES["AL"] if albanian_mk else pools
    family = rng.choice(data.MK_ALBANIAN_FAMILY if albanian_mk else pools["family"])
    size = size or rng.weighted(SIZES, SIZE_WEIGHTS)
    rest = size - 1
    spouse = rest > 0 and rng.random() < 0.8
    rest -= spouse
    other = rest >= 2 and rng.random() < 0.15
    children = rest - other
    if children == 0 and not spouse and other:
        other, children = False, 1

    unaccompanied = size == 1 and rng.random() < 0.03
    elderly = not children and not unaccompanied and rng.random() < 0.06
    if spouse:
        principal_sex = Sex.male if rng.random() < 0.85 else Sex.female
    elif children:
        principal_sex = Sex.female if rng.random() < 0.75 else Sex.male
    else:
        principal_sex = Sex.male if rng.random() < 0.65 else Sex.female
    if unaccompanied:
        age = rng.randint(15, 17)
    elif children:
        age = rng.randint(24, 48)
    elif elderly:
        age = rng.randint(65, 79)
    else:
        age = rng.randint(19, 58)

    centre, region, birth_town = rng.choice(data.RECEPTION_CENTRES)
    arrived = registered_on - timedelta(days=rng.randint(60, 1100))
    procedure = rng.weighted(PROCEDURES, PROCEDURE_WEIGHTS)
    applied = None if procedure is ProcedureStatus.no_application else arrived
    languages = ("Albanian, Macedonian" if albanian_mk
                 else rng.choice(data.LANGUAGES[country]))
    used_given: set[str] = set()

    def pick(pool: str) -> data.Name:
        for _ in range(6):
            name = rng.choice(given_pools[pool])
            if name[0] not in used_given:
                break
        used_given.add(name[0])
        return name

    def family_for(sex: Sex) -> data.Name:
        return data.female_family_name(family) if sex is Sex.female else family

    def adult(role: HouseholdRole, sex: Sex, years: int) -> dict[str, Any]:
        born = _born(registered_on, years, rng)
        row = person(role, pick("male" if sex is Sex.male else "female"), family_for(sex),
                     sex, born, country, place_of_birth=rng.choice(data.MUNICIPALITIES[country]),
                     languages=languages + (", French" if rng.random() < 0.15 else ""),
                     phone=_phone(rng) if rng.random() < 0.9 else None)
        vulns = row["vulnerabilities"]
        notes = []
        if years >= 65:
            vulns.append(V.elderly)
        if rng.random() < 0.05:
            vulns.append(V.serious_illness)
            notes.append(rng.choice(data.ILLNESS_NOTES))
        if rng.random() < 0.03:
            vulns.append(V.mental_disorder)
            notes.append(rng.choice(data.MENTAL_NOTES))
        if rng.random() < 0.02:
            vulns.append(V.disabled)
            notes.append(rng.choice(data.DISABILITY_NOTES))
        if rng.random() < 0.01:
            vulns.append(V.torture_survivor)
        if sex is Sex.female and 18 <= years <= 42 and rng.random() < 0.07:
            vulns.append(V.pregnant)
        row["vulnerability_note"] = " ".join(notes) or None
        return row

    people = []
    if unaccompanied:
        principal = person(HouseholdRole.principal, pick("boy" if principal_sex is Sex.male
                                                         else "girl"),
                           family_for(principal_sex), principal_sex,
                           _born(registered_on, age, rng), country,
                           place_of_birth=rng.choice(data.MUNICIPALITIES[country]),
                           languages=f"{languages}, {SCHOOL_LANGUAGE[region]}",
                           phone=_phone(rng),
                           vulnerabilities=[V.unaccompanied_minor, V.minor])
    else:
        principal = adult(HouseholdRole.principal, principal_sex, age)
    if size == 1 and not unaccompanied and principal_sex is Sex.female:
        principal["vulnerabilities"].append(V.single_woman)
        if rng.random() < 0.1:
            principal["vulnerabilities"].append(V.trafficking_victim)
    if size == 1 and not unaccompanied and rng.random() < 0.01:
        principal["vulnerabilities"].append(V.lgbti)
    if children and not spouse:
        principal["vulnerabilities"].append(V.single_parent)
    people.append(principal)
    mother_age = age
    if spouse:
        spouse_sex = Sex.female if principal_sex is Sex.male else Sex.male
        spouse_age = max(18, age + (rng.randint(-7, 3) if spouse_sex is Sex.female
                                    else rng.randint(-2, 7)))
        people.append(adult(HouseholdRole.spouse, spouse_sex, spouse_age))
        if spouse_sex is Sex.female:
            mother_age = spouse_age
    if other:
        if rng.random() < 0.6:
            sex = Sex.female if rng.random() < 0.6 else Sex.male
            people.append(adult(HouseholdRole.other, sex, min(85, age + rng.randint(20, 28))))
        else:
            sex = Sex.male if rng.random() < 0.5 else Sex.female
            people.append(adult(HouseholdRole.other, sex, max(18, age + rng.randint(-5, 5))))
    oldest = max(0, min(17, mother_age - 18))
    for years in sorted((rng.randint(0, oldest) for _ in range(children)), reverse=True):
        sex = Sex.male if rng.random() < 0.5 else Sex.female
        born = _born(registered_on, years, rng)
        in_belgium = born > arrived
        child = person(HouseholdRole.child, pick("boy" if sex is Sex.male else "girl"),
                       family_for(sex), sex, born, country,
                       place_of_birth=birth_town if in_belgium
                       else rng.choice(data.MUNICIPALITIES[country]),
                       languages=languages + (f", {SCHOOL_LANGUAGE[region]}" if years >= 3
                                              else ""),
                       vulnerabilities=[V.minor])
        if rng.random() < 0.02:
            child["vulnerabilities"].append(V.disabled)
            child["vulnerability_note"] = rng.choice(data.DISABILITY_NOTES)
        elif rng.random() < 0.03:
            child["vulnerabilities"].append(V.serious_illness)
            child["vulnerability_note"] = rng.choice(data.ILLNESS_NOTES)
        people.append(child)

    for pos, row in enumerate(people):
        row["oe_number"] = numbers.oe()
        row["reception_centre"] = centre
        row["procedure_status"] = procedure
        if applied is not None:
            row["asylum_applied_on"] = max(applied, min(
                row["date_of_birth"] + timedelta(days=rng.randint(10, 60)), registered_on))
        _documents(rng, row, pos, numbers, valid_from)
    return people, region


def _documents(rng: random.Random, row: dict[str, Any], pos: int, numbers: Numbers,
               valid_from: date) -> None:
    country = row["nationality"]
    digits = numbers.digits(pos)
    adult = row["role"] is not HouseholdRole.child
    born_here = row["role"] is HouseholdRole.child and row["place_of_birth"] in \
        data.BELGIAN_TOWNS
    docs = row["documents"]
    if born_here:
        docs.append((DocumentKind.birth_certificate, _doc_number(
            DocumentKind.birth_certificate, "BE", digits, rng), "BE", None))
    elif rng.random() < (0.8 if adult else 0.55):
        expires = valid_from + timedelta(days=rng.randint(30, 5 * 365))
        docs.append((DocumentKind.passport, _doc_number(DocumentKind.passport, country, digits,
                                                        rng), country, expires))
    if adult and rng.random() < 0.45:
        expires = valid_from + timedelta(days=rng.randint(365, 10 * 365))
        docs.append((DocumentKind.identity_card, _doc_number(
            DocumentKind.identity_card, country, digits, rng), country, expires))
    row["needs_laissez_passer"] = not any(d[0] is DocumentKind.passport for d in docs)


def school_history(rng: random.Random, child: dict[str, Any], region: str,
                   registered_on: date) -> list[SchoolData]:
    """The school years in Belgium of a child, from arrival to registration."""
    arrived = child["asylum_applied_on"] or registered_on - timedelta(days=365)

    def school_year(day: date) -> int:
        return day.year if day.month >= 9 else day.year - 1

    born = child["date_of_birth"]
    first = max(school_year(arrived), born.year + 3)
    last = school_year(registered_on)
    if last < first or registered_on.year < last:
        return []
    schools = {kind: rng.choice(data.SCHOOLS[region][kind]) for kind in ("primary",
                                                                         "secondary")}
    records: list[SchoolData] = []
    year = first
    while year <= last:
        age = year - born.year
        school, town, language = schools["secondary" if age >= 12 else "primary"]
        french = language == "fr"
        if year == first and age >= 6 and rng.random() < 0.7:
            level, grade = SchoolLevel.reception_class, "DASPA" if french else "OKAN"
            records.append(SchoolData(school, town, year, year, level, grade))
            year += 1
            continue
        if age < 6:
            level, upto = SchoolLevel.nursery, born.year + 5
        elif age < 12:
            level, upto = SchoolLevel.primary, born.year + 11
        else:
            level, upto = SchoolLevel.secondary, last
        end = min(last, upto)
        records.append(SchoolData(school, town, year, end, level,
                                  _grade(level, end - born.year, french)))
        year = end + 1
    return records


def _ordinal(n: int, french: bool) -> str:
    if french:
        return "1re" if n == 1 else f"{n}e"
    return "1ste" if n == 1 else f"{n}de"


def _grade(level: SchoolLevel, age: int, french: bool) -> str:
    if level is SchoolLevel.nursery:
        n = _ordinal(max(1, min(3, age - 2)), french)
        return f"{n} maternelle" if french else f"{n} kleuterklas"
    if level is SchoolLevel.primary:
        n = _ordinal(max(1, min(6, age - 5)), french)
        return f"{n} primaire" if french else f"{n} leerjaar"
    n = _ordinal(max(1, min(6, age - 11)), french)
    return f"{n} secondaire" if french else f"{n} jaar secundair"


# -- a case's path through the stages --------------------------------------------------------
LINEAR = (S.counselling, S.application_submitted, S.approved, S.referred,
          S.accepted_by_partner, S.travel_booked, S.departed, S.arrival_confirmed)
MOVE_TO = {S.counselling: "start_counselling", S.application_submitted: "submit_application",
           S.approved: "approve", S.rejected: "reject", S.withdrawn: "withdraw",
           S.referred: "refer", S.accepted_by_partner: "accept_referral",
           S.travel_booked: "book_travel", S.departed: "confirm_departure",
           S.no_show: "record_no_show", S.arrival_confirmed: "confirm_arrival",
           S.on_hold: "hold", S.closed: "close"}
# days from the previous step: (least, most)
GAPS = {S.counselling: (2, 21), S.application_submitted: (7, 40), S.approved: (5, 25),
        S.rejected: (5, 25), S.withdrawn: (3, 40), S.referred: (2, 10),
        S.accepted_by_partner: (1, 10), S.travel_booked: (5, 25), S.departed: (7, 30),
        S.no_show: (7, 30), S.arrival_confirmed: (0, 1), S.on_hold: (3, 60),
        S.closed: (5, 90)}
MANAGER_MOVES = frozenset({S.approved, S.rejected})
PARTNER_MOVES = frozenset({S.accepted_by_partner, S.arrival_confirmed})
REACHES_PARTNER = frozenset({S.referred, S.accepted_by_partner, S.travel_booked, S.departed,
                             S.no_show, S.arrival_confirmed})


@dataclass(frozen=True)
class Outcome:
    """Where a case ends up: the stage it reached, then maybe put on hold or closed."""

    stage: CaseStatus
    overlay: CaseStatus | None = None
    reason: ClosureReason | None = None

    @property
    def status(self) -> CaseStatus:
        return self.overlay or self.stage


@dataclass
class Plan:
    registered_on: date
    steps: list[tuple[CaseStatus, CaseStatus, date]]  # (from, to, day)
    sessions: list[date]
    departure_on: date | None  # planned (for travel_booked: in the future)


def _targets(outcome: Outcome, rng: random.Random) -> list[CaseStatus]:
    stage = outcome.stage
    if stage is S.registered:
        path: list[CaseStatus] = []
    elif stage in LINEAR:
        path = list(LINEAR[:LINEAR.index(stage) + 1])
    elif stage is S.rejected:
        path = [S.counselling, S.application_submitted, S.rejected]
    elif stage is S.withdrawn:
        path = [S.counselling, S.application_submitted]
        if rng.random() < 0.4:
            path.append(S.approved)
        path.append(S.withdrawn)
    elif stage is S.no_show:
        path = [*LINEAR[:LINEAR.index(S.travel_booked) + 1], S.no_show]
    else:
        raise ValueError(f"not a stage a case can rest at: {stage}")
    if outcome.overlay is not None:
        path.append(outcome.overlay)
    return path


def plan_path(rng: random.Random, outcome: Outcome, last_day: date, today: date,
              registered_on: date | None = None,
              extra_sessions: tuple[int, ...] = (0, 0, 1, 2)) -> Plan:
    """Dates for each step of `outcome`. Without `registered_on`, the registration is put far
    enough before `last_day` for the usual gaps; with it, gaps shrink to fit if needed."""
    targets = _targets(outcome, rng)
    gaps = []
    for target in targets:
        low, high = GAPS[target]
        if target is S.closed and outcome.reason is ClosureReason.completed:
            low, high = 300, 400  # a year of reintegration support and follow-up
        gaps.append(rng.randint(low, high))
    if registered_on is None:
        registered_on = last_day - timedelta(days=sum(gaps) + rng.randint(0, 120))
    room = (last_day - registered_on).days
    total = sum(gaps)
    if total > room:
        scaled, run = [], 0
        for gap in gaps:
            run += gap
            scaled.append(run * room // total)
        gaps = [b - a for a, b in zip([0, *scaled[:-1]], scaled, strict=True)]
    steps = []
    day, source = registered_on, S.registered
    departure = None
    for target, gap in zip(targets, gaps, strict=True):
        day += timedelta(days=gap)
        steps.append((source, target, day))
        if target in (S.departed, S.no_show):
            departure = day
        source = target
    if S.travel_booked in targets and departure is None:
        departure = today + timedelta(days=rng.randint(3, 40))
    sessions = []
    if S.counselling in targets:
        start = steps[0][2]
        until = steps[1][2] if len(steps) > 1 else last_day
        sessions.append(start)
        for _ in range(rng.choice(extra_sessions)):
            if (until - start).days > 2:
                sessions.append(start + timedelta(days=rng.randint(1, (until - start).days - 1)))
        sessions.sort()
    return Plan(registered_on, steps, sessions, departure)


def stage_values(rng: random.Random, target: CaseStatus, day: date, plan: Plan, country: str,
                 partner: Partner | None, escort: bool, reason: ClosureReason | None
                 ) -> tuple[dict[str, Any], str | None]:
    """The stage data a step gives (case columns, Python values) and its note."""
    if target is S.application_submitted:
        return {"application_submitted_on": day}, None
    if target is S.approved:
        return {"decision_on": day}, None
    if target is S.rejected:
        return {"decision_on": day,
                "rejection_reason": rng.choice(data.REJECTION_REASONS)}, None
    if target is S.withdrawn:
        return {}, rng.choice(data.WITHDRAWAL_NOTES)
    if target is S.referred:
        assert partner is not None
        return {"partner_id": partner.id, "referred_on": day}, None
    if target is S.accepted_by_partner:
        return {"partner_accepted_on": day}, None
    if target is S.travel_booked:
        carrier, number, airport = rng.choice(data.FLIGHTS[country])
        return {"flight_carrier": carrier, "flight_number": number,
                "departure_airport": airport, "planned_departure_on": plan.departure_on,
                "escort_needed": escort}, None
    if target is S.departed:
        return {"departed_on": day}, None
    if target is S.no_show:
        return {}, rng.choice(data.NO_SHOW_NOTES)
    if target is S.arrival_confirmed:
        return {"arrived_on": day}, None
    if target is S.on_hold:
        return {}, rng.choice(data.HOLD_NOTES)
    if target is S.closed:
        assert reason is not None
        return {"closure_reason": reason}, CLOSURE_NOTES.get(reason)
    return {}, None


CLOSURE_NOTES = {
    ClosureReason.completed: "Reintegration plan completed; last follow-up visit done.",
    ClosureReason.re_migrated: "The partner reports the family left the country again.",
    ClosureReason.unreachable: "Not reachable by phone or at the last known address.",
    ClosureReason.opted_out: "Decided not to return.",
}


def _at(day: date, rng: random.Random, after: datetime | None) -> datetime:
    """A working-hours time on `day` (UTC), later than `after`."""
    minute = int(rng.random() * 540)  # 07:00-16:00
    at = datetime(day.year, day.month, day.day, 7 + minute // 60, minute % 60, tzinfo=UTC)
    if after is not None and at <= after:
        at = after + timedelta(minutes=rng.randint(5, 90))
    return at


# -- the demo cases, through the services ------------------------------------------------
@dataclass
class DemoCase:
    key: str
    office: str  # slug
    country: str
    municipality: str
    outcome: Outcome
    plan: Plan
    people: list[dict[str, Any]]
    region: str
    partner_index: int = 0
    schools: dict[int, list[SchoolData]] = field(default_factory=dict)
    duplicate_of: str | None = None
    duplicate_reason: str | None = None
    closure_note: str | None = None
    seed: int = 0
    after: Any = None  # an after_return.AfterReturn: what happens after the arrival

    @property
    def registered_at(self) -> datetime:
        return _at(self.plan.registered_on, Rng(f"{DEMO_SEED}:at:{self.key}"), None)


# The outcomes of the generated demo households (the hand-written ones add theirs).
DEMO_OUTCOMES = (
    [Outcome(S.registered)] * 5 + [Outcome(S.counselling)] * 4
    + [Outcome(S.application_submitted)] * 5 + [Outcome(S.approved)] * 3
    + [Outcome(S.rejected)] * 3 + [Outcome(S.withdrawn)] * 3 + [Outcome(S.referred)] * 3
    + [Outcome(S.accepted_by_partner)] * 3 + [Outcome(S.travel_booked)] * 3
    + [Outcome(S.departed)] * 3 + [Outcome(S.no_show)] * 3
    + [Outcome(S.arrival_confirmed)] * 6
    + [Outcome(S.counselling, S.on_hold), Outcome(S.accepted_by_partner, S.on_hold),
       Outcome(S.arrival_confirmed, S.on_hold)]
    + [Outcome(S.arrival_confirmed, S.closed, ClosureReason.completed)] * 2
    + [Outcome(S.counselling, S.closed, ClosureReason.opted_out),
       Outcome(S.no_show, S.closed, ClosureReason.unreachable)]
)


def _demo_numbers(index: int) -> Numbers:
    """Demo document numbers have 8 digits and OE numbers start with 8: generated ones have
    9 or more digits and never start with 8, so the two never collide."""
    rng = Rng(f"{DEMO_SEED}:numbers:{index}")
    return Numbers(digits=lambda _pos: f"{rng.randrange(10**7, 10**8)}",
                   oe=lambda: f"8.{rng.randrange(1000):03d}.{rng.randrange(1000):03d}")


def demo_cases(today: date) -> list[DemoCase]:
    """The demo households and their paths, sorted by registration date.

    Deterministic for a given `today` (dates are relative to it)."""
    last_day = today - timedelta(days=1)
    valid_from = today + timedelta(days=60)
    from caseflow.demo.after_return import after_return_specs

    specs = _story_cases(today, last_day, valid_from)
    specs += after_return_specs(today, last_day, valid_from)
    countries = ["AL", "XK", "RS", "MK"]
    offices = list(SENDING_WEIGHTS)
    for n, outcome in enumerate(DEMO_OUTCOMES):
        rng = Rng(f"{DEMO_SEED}:case:{n}")
        country = countries[n % 4]
        plan = plan_path(rng, outcome, last_day, today)
        numbers = _demo_numbers(100 + n)
        people, region = household(rng, country, plan.registered_on, numbers, valid_from)
        spec = DemoCase(f"case-{n}", offices[n % 3], country,
                        rng.choice(data.MUNICIPALITIES[country]), outcome, plan, people, region,
                        partner_index=n % 2, seed=100 + n)
        for pos, row in enumerate(people):
            if row["role"] is HouseholdRole.child:
                records = school_history(rng, row, region, plan.registered_on)
                if records:
                    spec.schools[pos] = records
        specs.append(spec)
    specs.sort(key=lambda s: (s.registered_at, s.key))
    return specs


def _story_cases(today: date, last_day: date, valid_from: date) -> list[DemoCase]:
    """Hand-written households that show particular situations."""
    specs = []
    H = HouseholdRole

    def spec(key: str, office: str, country: str, municipality: str, outcome: Outcome,
             days_ago: int, build: Callable[[date, random.Random], list[dict[str, Any]]],
             region: str, index: int, **kw: Any) -> DemoCase:
        rng = Rng(f"{DEMO_SEED}:story:{key}")
        plan = plan_path(rng, outcome, last_day, today,
                         registered_on=today - timedelta(days=days_ago))
        people = build(plan.registered_on, rng)
        numbers = _demo_numbers(index)
        for pos, row in enumerate(people):
            row["oe_number"] = row.get("oe_number") or numbers.oe()
            if not row["documents"]:
                _documents(rng, row, pos, numbers, valid_from)
            row["needs_laissez_passer"] = not any(
                d[0] is DocumentKind.passport for d in row["documents"])
        made = DemoCase(key, office, country, municipality, outcome, plan, people, region,
                        seed=index, **kw)
        for pos, row in enumerate(people):
            if row["role"] is H.child:
                records = school_history(rng, row, region, plan.registered_on)
                if records:
                    made.schools[pos] = records
        specs.append(made)
        return made

    def common(centre: str, applied: date | None, procedure: ProcedureStatus,
               languages: str) -> dict[str, Any]:
        return {"reception_centre": centre, "asylum_applied_on": applied,
                "procedure_status": procedure, "languages": languages}

    # 1. A Serbian family (Cyrillic names) that returned, then left again: closed re-migrated.
    petrovic_born = date(1986, 4, 12)

    def petrovic(on: date, rng: random.Random) -> list[dict[str, Any]]:
        applied = on - timedelta(days=820)
        c = common("LOI Gent", applied, ProcedureStatus.refused, "Serbian, Romani")
        fam = ("Petrović", "Петровић")
        return [
            person(H.principal, ("Đorđe", "Ђорђе"), fam, Sex.male, petrovic_born, "RS",
                   place_of_birth="Niš", phone="+32 470 12 34 56", **c,
                   oe_number=DEMO_MARKER_OE),
            person(H.spouse, ("Snežana", "Снежана"), fam, Sex.female, date(1989, 9, 3), "RS",
                   place_of_birth="Leskovac", phone="+32 471 98 76 54", **c),
            person(H.child, ("Luka", "Лука"), fam, Sex.male, on - timedelta(days=4100), "RS",
                   place_of_birth="Niš", vulnerabilities=[V.minor],
                   **{**c, "languages": "Serbian, Romani, Dutch"}),
            person(H.child, ("Mila", "Мила"), fam, Sex.female, on - timedelta(days=2650), "RS",
                   place_of_birth="Niš", vulnerabilities=[V.minor],
                   **{**c, "languages": "Serbian, Dutch"}),
        ]

    spec("petrovic", "iom-brussels", "RS", "Niš",
         Outcome(S.arrival_confirmed, S.closed, ClosureReason.re_migrated), 640, petrovic,
         "ghent", 1, closure_note="The partner reports that the family left Serbia again "
                                  "after four months.")

    # 2. The same man, back in Belgium, his name typed without diacritics: a look-alike.
    def djordje(on: date, rng: random.Random) -> list[dict[str, Any]]:
        return [person(H.principal, ("Djordje", "Ђорђе"), ("Petrovic", "Петровић"), Sex.male,
                       petrovic_born, "RS", place_of_birth="Nis", phone="+32 489 55 20 17",
                       oe_number=DEMO_MARKER_OE,
                       **common("Fedasil Sint-Truiden", on - timedelta(days=75),
                                ProcedureStatus.refused, "Serbian"))]

    spec("djordje", "caritas-be", "RS", "Niš", Outcome(S.counselling), 45, djordje,
         "flanders", 2, duplicate_of="petrovic",
         duplicate_reason="Same person as case {number} (same OE number): he came back to "
                          "Belgium after returning; a new file is needed for a second return.")

    # 3. An Albanian family from Shkodër, children at school in Schaerbeek: returned.
    hoxha_born = date(1982, 11, 5)

    def hoxha(on: date, rng: random.Random) -> list[dict[str, Any]]:
        c = common("Petit-Chateau, Brussels", on - timedelta(days=700),
                   ProcedureStatus.refused, "Albanian, Italian")
        return [
            person(H.principal, ("Arben", None), ("Hoxha", None), Sex.male, hoxha_born, "AL",
                   place_of_birth="Shkodër", phone="+32 472 40 11 86", **c,
                   oe_number="8.512.377"),
            person(H.spouse, ("Blerta", None), ("Hoxha", None), Sex.female,
                   date(1986, 2, 17), "AL", place_of_birth="Shkodër", **c),
            person(H.child, ("Klea", None), ("Hoxha", None), Sex.female,
                   on - timedelta(days=3900), "AL", place_of_birth="Shkodër",
                   vulnerabilities=[V.minor],
                   **{**c, "languages": "Albanian, French"}),
            person(H.child, ("Noel", None), ("Hoxha", None), Sex.male,
                   on - timedelta(days=2300), "AL", place_of_birth="Shkodër",
                   vulnerabilities=[V.minor], **{**c, "languages": "Albanian, French"}),
        ]

    spec("hoxha", "petit-chateau", "AL", "Shkodër", Outcome(S.arrival_confirmed), 420, hoxha,
         "brussels", 3)

    # 4. The same man registered again at another office with the Albanian indefinite
    # ending and day and month swapped: kept as a duplicate, then closed as one.
    def hoxhe(on: date, rng: random.Random) -> list[dict[str, Any]]:
        return [person(H.principal, ("Arben", None), ("Hoxhë", None), Sex.male,
                       date(hoxha_born.year, hoxha_born.day, hoxha_born.month), "AL",
                       place_of_birth="Shkodër", oe_number="8.512.377",
                       **common("Petit-Chateau, Brussels", None,
                                ProcedureStatus.no_application, "Albanian"))]

    spec("hoxhe", "caritas-be", "AL", "Shkodër",
         Outcome(S.registered, S.closed, ClosureReason.duplicate), 330, hoxhe, "brussels", 4,
         duplicate_of="hoxha",
         duplicate_reason="Name written as on his Italian residence card; to check against "
                          "case {number}.",
         closure_note="Same person as case {number}: same OE number.")

    # 5. An unaccompanied minor going back to his parents in Ferizaj.
    def valon(on: date, rng: random.Random) -> list[dict[str, Any]]:
        return [person(H.principal, ("Valon", None), ("Gashi", None), Sex.male,
                       on - timedelta(days=16 * 365 + 140), "XK",
                       place_of_birth="Ferizaj/Uroševac", phone="+32 465 31 07 72",
                       vulnerabilities=[V.unaccompanied_minor, V.minor],
                       vulnerability_note="Guardian appointed by the Guardianship Service; "
                                          "parents reached by IOM Pristina.",
                       **common("Rode Kruis Deinze", on - timedelta(days=300),
                                ProcedureStatus.refused, "Albanian, Dutch"))]

    spec("valon", "iom-brussels", "XK", "Ferizaj/Uroševac", Outcome(S.accepted_by_partner), 95,
         valon, "ghent", 5)

    # 6. A Macedonian single mother; her son has diabetes: travel booked with an escort.
    def stojanovska(on: date, rng: random.Random) -> list[dict[str, Any]]:
        c = common("ILA Liège", on - timedelta(days=560), ProcedureStatus.appeal,
                   "Macedonian, Romani")
        return [
            person(H.principal, ("Elena", "Елена"), ("Stojanovska", "Стојановска"), Sex.female,
                   on - timedelta(days=34 * 365), "MK", place_of_birth="Skopje",
                   phone="+32 486 22 73 19", vulnerabilities=[V.single_parent], **c),
            person(H.child, ("Andrej", "Андреј"), ("Stojanovski", "Стојановски"), Sex.male,
                   on - timedelta(days=10 * 365 + 30), "MK", place_of_birth="Skopje",
                   vulnerabilities=[V.minor, V.serious_illness],
                   vulnerability_note="Type 1 diabetes; insulin and follow-up at the "
                                      "University Children's Hospital in Skopje.", **c),
            person(H.child, ("Sara", "Сара"), ("Stojanovska", "Стојановска"),  # noqa: RUF001
                   Sex.female,
                   on - timedelta(days=6 * 365 + 200), "MK", place_of_birth="Skopje",
                   vulnerabilities=[V.minor], **c),
        ]

    spec("stojanovska", "iom-brussels", "MK", "Skopje (Šuto Orizari)",
         Outcome(S.travel_booked), 150, stojanovska, "liege", 6, partner_index=1)

    # 7. An elderly couple going home to Prizren: departed.
    def berisha(on: date, rng: random.Random) -> list[dict[str, Any]]:
        c = common("Fedasil Mouscron", on - timedelta(days=400), ProcedureStatus.refused,
                   "Albanian, Serbian")
        return [
            person(H.principal, ("Ramadan", None), ("Berisha", None), Sex.male,
                   on - timedelta(days=74 * 365), "XK", place_of_birth="Prizren",
                   vulnerabilities=[V.elderly, V.serious_illness],
                   vulnerability_note="Heart surgery at CHU Liège; cardiology follow-up "
                                      "needed.", **c),
            person(H.spouse, ("Hava", None), ("Berisha", None), Sex.female,
                   on - timedelta(days=70 * 365), "XK", place_of_birth="Prizren",
                   vulnerabilities=[V.elderly], **c),
        ]

    spec("berisha", "petit-chateau", "XK", "Prizren", Outcome(S.departed), 120, berisha,
         "wallonia", 7)

    # 8. A young woman, victim of trafficking: on hold while a shelter place is found.
    def kola(on: date, rng: random.Random) -> list[dict[str, Any]]:
        return [person(H.principal, ("Rozeta", None), ("Kola", None), Sex.female,
                       on - timedelta(days=27 * 365), "AL", place_of_birth="Elbasan",
                       vulnerabilities=[V.single_woman, V.trafficking_victim,
                                        V.mental_disorder],
                       vulnerability_note="Followed by a specialised centre for victims of "
                                          "trafficking; post-traumatic stress.",
                       **common("Croix-Rouge Uccle", on - timedelta(days=240),
                                ProcedureStatus.pending, "Albanian, Italian"))]

    spec("kola", "caritas-be", "AL", "Elbasan", Outcome(S.approved, S.on_hold), 110, kola,
         "brussels", 8)

    # 9. A Kosovar family with a baby born in Liège (birth certificate, laissez-passer).
    def krasniqi(on: date, rng: random.Random) -> list[dict[str, Any]]:
        c = common("Fedasil Bierset", on - timedelta(days=500), ProcedureStatus.refused,
                   "Albanian")
        return [
            person(H.principal, ("Besnik", None), ("Krasniqi", None), Sex.male,
                   on - timedelta(days=31 * 365), "XK", place_of_birth="Pejë/Peć",
                   phone="+32 478 61 02 33", **c),
            person(H.spouse, ("Arta", None), ("Krasniqi", None), Sex.female,
                   on - timedelta(days=28 * 365), "XK", place_of_birth="Gjakovë/Đakovica",
                   **c),
            person(H.child, ("Erza", None), ("Krasniqi", None), Sex.female,
                   on - timedelta(days=200), "XK", place_of_birth="Liège",
                   vulnerabilities=[V.minor], **{**c, "asylum_applied_on": None}),
        ]

    spec("krasniqi", "iom-brussels", "XK", "Pejë/Peć", Outcome(S.referred), 80, krasniqi,
         "liege", 9)

    # 10. Ethnic Albanians from Tetovo (North Macedonia); she is pregnant: approved.
    def ademi(on: date, rng: random.Random) -> list[dict[str, Any]]:
        c = common("Fedasil Jodoigne", on - timedelta(days=380), ProcedureStatus.refused,
                   "Albanian, Macedonian")
        return [
            person(H.principal, ("Fatmir", None), ("Ademi", None), Sex.male,
                   on - timedelta(days=29 * 365), "MK", place_of_birth="Tetovo",
                   phone="+32 493 44 18 60", **c),
            person(H.spouse, ("Lindita", None), ("Ademi", None), Sex.female,
                   on - timedelta(days=26 * 365), "MK", place_of_birth="Tetovo",
                   vulnerabilities=[V.pregnant], **c),
        ]

    spec("ademi", "caritas-be", "MK", "Tetovo", Outcome(S.approved), 70, ademi, "wallonia", 10)
    return specs


def demo_cases_loaded() -> bool:
    return db.session.scalar(select(Beneficiary.id).where(
        Beneficiary.oe_number == DEMO_MARKER_OE).limit(1)) is not None


def count_demo_cases() -> int:
    """Cases whose principal has one of the demo households' OE numbers."""
    oe_numbers = {s.people[0]["oe_number"] for s in demo_cases(date.today())}
    return db.session.scalar(select(func.count(func.distinct(Beneficiary.case_id))).where(
        Beneficiary.role == HouseholdRole.principal,
        Beneficiary.oe_number.in_(oe_numbers))) or 0


def load_demo_cases(today: date | None = None) -> int:
    """Create the demo cases through the services, unless they exist; return how many were
    created (0 when they were already there). The households after their return (see
    caseflow/demo/after_return.py) are recognised on their own, so a database loaded before
    they existed gets them too."""
    from caseflow.demo.after_return import after_return_loaded, run_after_return

    base_loaded, after_loaded = demo_cases_loaded(), after_return_loaded()
    if base_loaded and after_loaded:
        return 0
    today = today or date.today()
    world = demo_world()
    ids = {o.caseworker_id for o in world.sending} | {o.manager_id for o in world.sending} | {
        p.officer_id for ps in world.partners.values() for p in ps}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    offices = {o.slug: o for o in world.sending}
    numbers: dict[str, str] = {}
    for spec in demo_cases(today):
        if after_loaded if spec.after is not None else base_loaded:
            continue
        office = offices[spec.office]
        case = _run_demo_case(spec, office, world, users, numbers, today)
        numbers[spec.key] = case.number
        if spec.after is not None:
            officer = next(users[p.officer_id] for p in world.partners[spec.country]
                           if p.id == case.partner_id)
            run_after_return(case, spec, officer=officer, manager=users[office.manager_id],
                             today=today)
    return len(numbers)


def _person_data(row: dict[str, Any]) -> PersonData:
    return PersonData(
        role=row["role"], given_names=row["given_names"], family_name=row["family_name"],
        sex=row["sex"], date_of_birth=row["date_of_birth"], nationality=row["nationality"],
        name_original=row["name_original"], place_of_birth=row["place_of_birth"],
        languages=row["languages"], phone=row["phone"], oe_number=row["oe_number"],
        reception_centre=row["reception_centre"], asylum_applied_on=row["asylum_applied_on"],
        procedure_status=row["procedure_status"],
        vulnerabilities=list(row["vulnerabilities"]),
        vulnerability_note=row["vulnerability_note"],
        documents=[TravelDocumentData(kind, number, country, expires)
                   for kind, number, country, expires in row["documents"]])


def _backdate(obj: Any, **values: Any) -> None:
    """Set columns of a flushed object without an ORM UPDATE, so a case's version (which
    counts the changes the history explains) does not move for a demo clean-up."""
    table = type(obj).__table__
    db.session.execute(update(table).where(table.c.id == obj.id).values(**values))
    for name, value in values.items():
        set_committed_value(obj, name, value)


DEFAULT_DUPLICATE_REASON = "Checked: another person (other date of birth and documents)."


def _run_demo_case(spec: DemoCase, office: SendingOffice, world: World, users: dict[int, User],
                   numbers: dict[str, str], today: date) -> Case:
    rng = Rng(f"{DEMO_SEED}:run:{spec.key}")
    caseworker, manager = users[office.caseworker_id], users[office.manager_id]
    partners = world.partners[spec.country]
    partner = partners[spec.partner_index % len(partners)]
    officer = users[partner.officer_id]
    plan, registered_on = spec.plan, spec.plan.registered_on
    purposes = [ConsentPurpose.case_processing]
    if spec.outcome.stage in REACHES_PARTNER or rng.random() < 0.5:
        purposes.append(ConsentPurpose.partner_sharing)
    registration = Registration(
        details=CaseDetails(spec.country, spec.municipality),
        household=[_person_data(row) for row in spec.people], consent_on=registered_on,
        consent_purposes=purposes)
    try:
        case = register_case(registration, by=caseworker, today=registered_on)
    except DuplicatesFound:
        reason = spec.duplicate_reason or DEFAULT_DUPLICATE_REASON
        registration.duplicate_reason = reason.format(
            number=numbers.get(spec.duplicate_of or "", "?"))
        case = register_case(registration, by=caseworker, today=registered_on)

    last = spec.registered_at
    _backdate(case, registered_at=last, updated_at=last)
    for beneficiary in case.beneficiaries:
        _backdate(beneficiary, created_at=last)
    case.events[-1].at = last

    for pos, records in spec.schools.items():
        for record in records:
            add_school_record(case, case.beneficiaries[pos], record, by=caseworker,
                              today=registered_on)
            last = case.events[-1].at = last + timedelta(minutes=rng.randint(3, 20))

    escort = any(set(row["vulnerabilities"]) & {V.unaccompanied_minor, V.disabled,
                                                V.serious_illness} for row in spec.people)
    sessions = list(plan.sessions)
    booking_event: CaseEvent | None = None
    passes: list[IdentityDocument] = []
    for _source, target, day in plan.steps:
        while sessions and sessions[0] <= day:
            held_on = sessions.pop(0)
            session = log_counselling_session(case, SessionData(
                held_on=held_on, language=data.SESSION_LANGUAGES[spec.country],
                interpreter=data.INTERPRETERS[spec.country] if rng.random() < 0.7 else None,
                notes=rng.choice(data.SESSION_NOTES)), by=caseworker)
            last = _at(held_on, rng, last)
            session.created_at = case.events[-1].at = last
        values, note = stage_values(rng, target, day, plan, spec.country, partner, escort,
                                    spec.outcome.reason)
        if target is S.travel_booked:
            # The consulate's laissez-passer for whoever has no passport, shortly before.
            booked_for = max(plan.departure_on or today, today)
            for pos, row in enumerate(spec.people):
                if row["needs_laissez_passer"]:
                    passes.append(add_identity_document(
                        case, case.beneficiaries[pos], TravelDocumentData(
                            DocumentKind.laissez_passer, f"LP {day.year}/{spec.seed:03d}{pos}",
                            row["nationality"],
                            booked_for + timedelta(days=30)), by=caseworker))
                    last = case.events[-1].at = _at(day - timedelta(days=2), rng, last)
            # Booking asks for a departure today or later: book for today at the earliest,
            # then move the date back to the real one below.
            values["planned_departure_on"] = booked_for
        move_data = {k: v.value if isinstance(v, ClosureReason) else v
                     for k, v in values.items()}
        if note or spec.closure_note:
            if target is S.closed:
                closing = spec.closure_note or note
                move_data["optional_note"] = (closing or "").format(
                    number=numbers.get(spec.duplicate_of or "", "?"))
            elif note:
                move_data["note"] = note
        actor = manager if target in MANAGER_MOVES else officer \
            if target in PARTNER_MOVES else caseworker
        event = workflow.transition(case, MOVE_TO[target], by=actor, data=move_data)
        last = event.at = _at(day, rng, last)
        if target is S.travel_booked:
            booking_event = event
        if target is S.closed:
            _backdate(case, closed_at=last)
    for held_on in sessions:  # still counselling: later sessions
        session = log_counselling_session(case, SessionData(
            held_on=held_on, language=data.SESSION_LANGUAGES[spec.country],
            notes=rng.choice(data.SESSION_NOTES)), by=caseworker)
        last = _at(held_on, rng, last)
        session.created_at = case.events[-1].at = last

    departed = plan.departure_on
    if booking_event is not None and departed is not None and departed < today:
        _backdate(case, planned_departure_on=departed)
        booking_event.data = {**booking_event.data,
                              "planned_departure_on": departed.isoformat()}
        for document in passes:
            document.expires_on = departed + timedelta(days=30)
    _backdate(case, updated_at=last)
    workflow.recompute_stage_days(case)
    db.session.flush()
    return case


# -- bulk generation for benchmarks ----------------------------------------------------------
AGE_BUCKETS = (60, 365)  # days since registration: young, middle, old
STAGES = (S.registered, S.counselling, S.application_submitted, S.approved, S.rejected,
          S.withdrawn, S.referred, S.accepted_by_partner, S.travel_booked, S.departed,
          S.no_show, S.arrival_confirmed)
STAGE_WEIGHTS = tuple(cumulated(w) for w in (
    (30, 35, 15, 5, 2, 3, 3, 2, 1, 1, 0.5, 0.5),
    (4, 10, 10, 6, 5, 6, 5, 6, 4, 5, 3, 36),
    (1, 3, 2, 1, 6, 7, 1, 1, 0.5, 2, 3, 72),
))
HOLD_CHANCE = (0.03, 0.05, 0.03)
CLOSE_CHANCE = (0.04, 0.2, 0.55)
CLOSE_REASONS = {
    S.arrival_confirmed: ((ClosureReason.completed, ClosureReason.re_migrated,
                           ClosureReason.funding_ended, ClosureReason.unreachable),
                          cumulated((80, 10, 5, 5))),
    S.registered: ((ClosureReason.duplicate, ClosureReason.opted_out,
                    ClosureReason.unreachable), cumulated((30, 50, 20))),
    S.no_show: ((ClosureReason.unreachable, ClosureReason.opted_out), cumulated((70, 30))),
    S.departed: ((ClosureReason.unreachable,), cumulated((1,))),
}
OTHER_CLOSE_REASONS = ((ClosureReason.opted_out, ClosureReason.unreachable,
                        ClosureReason.deceased), cumulated((70, 27, 3)))
NO_HOLD = frozenset({S.travel_booked, S.rejected, S.withdrawn, S.no_show})


def pick_outcome(rng: Rng, age_days: int) -> Outcome:
    bucket = 0 if age_days < AGE_BUCKETS[0] else 1 if age_days < AGE_BUCKETS[1] else 2
    stage = rng.weighted(STAGES, STAGE_WEIGHTS[bucket])
    roll = rng.random()
    if roll < CLOSE_CHANCE[bucket]:
        reasons, weights = CLOSE_REASONS.get(stage, OTHER_CLOSE_REASONS)
        return Outcome(stage, S.closed, rng.weighted(reasons, weights))
    if roll < CLOSE_CHANCE[bucket] + HOLD_CHANCE[bucket] and stage not in NO_HOLD:
        return Outcome(stage, S.on_hold)
    return Outcome(stage)


# Counselling sessions after the first one, for generated cases: fewer than the demo's, as
# they are rows and events to write for little benchmark value.
BULK_EXTRA_SESSIONS = (0, 0, 0, 1)

# Cases are generated in blocks, each with its own random streams: a block does not depend on
# the ones before it, so blocks can be made in parallel. A block is also an insert batch.
BLOCK = 500


def _weekdays(now: datetime) -> list[date]:
    today = now.astimezone(UTC).date()
    return [d for d in (today - timedelta(days=n) for n in range(3 * 365, 0, -1))
            if d.weekday() < 5]


def _block_schedule(block: int, count: int, seed: int, days: list[date]) -> list[datetime]:
    """Registration times of the block's cases: in working hours on the weekdays of the last
    3 years, spread evenly over all `count` cases and in order (so numbers follow dates)."""
    rng = Rng(f"{seed}:schedule:{block}")
    window = 9 * 3600  # 07:00-16:00 UTC
    total = len(days) * window
    times = []
    for i in range(block * BLOCK, min(count, (block + 1) * BLOCK)):
        day, second = divmod(int((i + rng.random()) * total / count), window)
        times.append(datetime.combine(days[day], time(7), UTC) + timedelta(seconds=second))
    return times


def _blocks(count: int) -> range:
    return range((count + BLOCK - 1) // BLOCK)


@dataclass(frozen=True)
class Numbering:
    """Case numbers of a run: per year, the last number used before it (`starts`) and the
    index of the run's first case of that year (`first`)."""

    starts: dict[int, int]
    first: dict[int, int]

    def number(self, index: int, year: int) -> int:
        return self.starts.get(year, 0) + index - self.first[year] + 1


def _years(count: int, seed: int, now: datetime) -> tuple[Counter[int], dict[int, int]]:
    """How many cases each year gets, and the index of its first one."""
    days = _weekdays(now)
    per_year: Counter[int] = Counter()
    first: dict[int, int] = {}
    for block in _blocks(count):
        for offset, at in enumerate(_block_schedule(block, count, seed, days)):
            per_year[at.year] += 1
            first.setdefault(at.year, block * BLOCK + offset)
    return per_year, first


@dataclass
class GeneratedCase:
    """One generated case as rows, before ids are known: people by position."""

    case: dict[str, Any]
    people: list[dict[str, Any]]
    vulnerabilities: list[tuple[int, Vulnerability]]
    documents: list[tuple[int, DocumentKind, str, str, date | None]]
    consents: list[tuple[ConsentPurpose, date]]
    sessions: list[dict[str, Any]]
    events: list[dict[str, Any]]
    name_keys: list[tuple[int, str]]


@lru_cache(maxsize=4096)
def _name_keys(name: str) -> frozenset[str]:
    return frozenset(key[:80] for key in names.name_keys(name))


def _warm_name_keys() -> None:
    """Compute the keys of every name of the pools once, before the workers are forked."""
    for pools in data.RETURN_NAMES.values():
        for pool, pairs in pools.items():
            if pool == "family":
                pairs = pairs + [data.female_family_name(p) for p in pairs]
            for latin, original in pairs:
                _name_keys(latin)
                if original:
                    _name_keys(original)
    for latin, _original in data.MK_ALBANIAN_FAMILY:
        _name_keys(latin)


def _keys(given: str, family: str, original: str | None) -> tuple[str, ...]:
    """names.name_keys(given + family, original), from the keys of each part: a name's
    keys are those of its words, and there are far fewer given and family names than
    combinations of them."""
    keys = _name_keys(given) | _name_keys(family)
    if original:
        for part in original.split(" "):
            keys |= _name_keys(part)
    return tuple(sorted(keys))


STAGE_COLUMNS = ("application_submitted_on", "decision_on", "decided_by_id",
                 "rejection_reason", "referred_on", "partner_accepted_on", "flight_carrier",
                 "flight_number", "departure_airport", "planned_departure_on", "departed_on",
                 "arrived_on", "partner_id", "held_from", "closed_at", "closed_from",
                 "closure_reason")


def _log_sessions(rng: random.Random, pending: list[date], until: date | None, at: datetime,
                  office: SendingOffice, country: str, version: int,
                  sessions: list[dict[str, Any]], events: list[dict[str, Any]]) -> datetime:
    """Rows of the counselling sessions held up to `until` (all if None)."""
    while pending and (until is None or pending[0] <= until):
        held_on = pending.pop(0)
        at = _at(held_on, rng, at)
        language = data.SESSION_LANGUAGES[country]
        sessions.append({
            "held_on": held_on, "counsellor_id": office.caseworker_id, "language": language,
            "interpreter": data.INTERPRETERS[country] if rng.random() < 0.7 else None,
            "notes": rng.choice(data.SESSION_NOTES), "created_at": at})
        events.append({"kind": EventKind.session_logged, "at": at,
                       "by_id": office.caseworker_id, "from_status": None, "to_status": None,
                       "note": None, "version": version, "stage_days": None,
                       "data": {"held_on": held_on.isoformat(), "language": language}})
    return at


def generated_cases(count: int, seed: int, world: World, starts: dict[int, int],
                    now: datetime) -> Iterator[GeneratedCase]:
    """`count` realistic cases with their rows; numbers continue from `starts` (last number
    used per year). Pure: same arguments, same rows."""
    numbering = Numbering(starts, _years(count, seed, now)[1])
    for block in _blocks(count):
        yield from _block_cases(block, count, seed, world, numbering, now)


def _block_cases(block: int, count: int, seed: int, world: World, numbering: Numbering,
                 now: datetime) -> Iterator[GeneratedCase]:
    rng = Rng(f"{seed}:{block}")
    today = now.astimezone(UTC).date()
    last_day = today - timedelta(days=1)
    offices, office_weights = world.sending, cumulated(o.weight for o in world.sending)
    countries, country_weights = list(COUNTRY_WEIGHTS), cumulated(COUNTRY_WEIGHTS.values())
    marker = GENERATED_NOTE.format(seed=seed)

    def oe() -> str:  # 1.000.000 to 7.999.999: demo OE numbers start with 8
        n = 1_000_000 + int(rng.random() * 7_000_000)
        return f"{n // 1_000_000}.{n // 1000 % 1000:03d}.{n % 1000:03d}"

    schedule = _block_schedule(block, count, seed, _weekdays(now))
    for index, registered_at in enumerate(schedule, start=block * BLOCK):
        registered_on = registered_at.date()
        year = registered_on.year
        n = numbering.number(index, year)
        number = f"{NUMBER_PREFIX}-{year}-{n:06d}"
        # Document digits: the case's number (scrambled) and the person's position: unique
        # across runs because case numbers are; 9+ digits, unlike the 8 of the demo's.
        scrambled = (n * 7919 + 4057) % 1_000_000 if n < 1_000_000 else n
        stem = f"{year % 100:02d}{scrambled:06d}"

        office = rng.weighted(offices, office_weights)
        country = rng.weighted(countries, country_weights)
        outcome = pick_outcome(rng, (today - registered_on).days)
        plan = plan_path(rng, outcome, last_day, today, registered_on=registered_on,
                         extra_sessions=BULK_EXTRA_SESSIONS)
        valid_from = max(plan.departure_on or registered_on, registered_on) + \
            timedelta(days=30)
        numbers = Numbers(digits=lambda pos, stem=stem: f"{stem}{pos}", oe=oe)
        people, _region = household(rng, country, registered_on, numbers, valid_from)
        partner = rng.choice(world.partners[country]) if any(
            t is S.referred for _s, t, _d in plan.steps) else None
        escort = any(V.unaccompanied_minor in p["vulnerabilities"]
                     or V.disabled in p["vulnerabilities"] for p in people)

        case: dict[str, Any] = dict.fromkeys(STAGE_COLUMNS)
        principal = people[0]
        case.update({
            "number": number, "office_id": office.id, "assignee_id": office.caseworker_id,
            "country_of_return": country, "municipality": rng.choice(
                data.MUNICIPALITIES[country]),
            "status": outcome.status, "registered_at": registered_at,
            "registered_by_id": office.caseworker_id,
            "principal_name": f"{principal['given_names']} {principal['family_name']}",
            "household_size": len(people), "duplicate_override_reason": None,
            "escort_needed": False, "anonymised_at": None,
        })
        events = [{"kind": EventKind.created, "at": registered_at,
                   "by_id": office.caseworker_id, "from_status": None,
                   "to_status": S.registered, "note": marker,
                   "data": {"household_size": len(people)}, "version": 1,
                   "stage_days": None}]
        sessions: list[dict[str, Any]] = []
        version, last = 1, registered_at
        entered = registered_at  # when the case entered its current stage
        pending_sessions = list(plan.sessions)

        for source, target, day in plan.steps:
            if pending_sessions and pending_sessions[0] <= day:
                last = _log_sessions(rng, pending_sessions, day, last, office, country,
                                     version, sessions, events)
            values, note = stage_values(rng, target, day, plan, country, partner, escort,
                                        outcome.reason)
            last = _at(day, rng, last)
            version += 1
            case.update(values)
            # As workflow.transition records it: dates in ISO form, the partner by id and name.
            event_data = {name: value.isoformat() if type(value) is date else
                          value.value if type(value) is ClosureReason else value
                          for name, value in values.items()}
            if "partner_id" in event_data:
                assert partner is not None
                del event_data["partner_id"]
                event_data["partner"] = {"id": partner.id, "name": partner.name}
            if target in MANAGER_MOVES:
                by = case["decided_by_id"] = office.manager_id
            elif target in PARTNER_MOVES:
                assert partner is not None
                by = partner.officer_id
            else:
                by = office.caseworker_id
            if target is S.on_hold:
                case["held_from"] = source
            elif target is S.closed:
                case["closed_at"], case["closed_from"] = last, source
                note = note if rng.random() < 0.7 else None
            events.append({"kind": EventKind.transition, "at": last, "by_id": by,
                           "from_status": source, "to_status": target, "note": note,
                           "data": event_data, "version": version,
                           "stage_days": workflow.stage_days(entered, last)})
            entered = last
        if pending_sessions:
            last = _log_sessions(rng, pending_sessions, None, last, office, country, version,
                                 sessions, events)
        case["version"], case["updated_at"] = version, last

        vulnerabilities, documents, keys = [], [], []
        for pos, row in enumerate(people):
            for code in row.pop("vulnerabilities"):
                vulnerabilities.append((pos, code))
            for kind, doc_number, issuer, expires in row.pop("documents"):
                documents.append((pos, kind, doc_number, issuer, expires))
            if row.pop("needs_laissez_passer") and plan.departure_on is not None:
                documents.append((pos, DocumentKind.laissez_passer, f"LP{stem}{pos}",
                                  row["nationality"], plan.departure_on + timedelta(days=30)))
            row["position"] = pos
            row["created_at"] = registered_at
            for key in _keys(row["given_names"], row["family_name"], row["name_original"]):
                keys.append((pos, key))
        consents = [(ConsentPurpose.case_processing, registered_on)]
        if partner is not None:
            consents.append((ConsentPurpose.partner_sharing, plan.steps[0][2]))
        yield GeneratedCase(case, people, vulnerabilities, documents, consents, sessions,
                            events, keys)


def cases_already_generated(seed: int) -> bool:
    return db.session.scalar(select(CaseEvent.id).where(
        CaseEvent.kind == EventKind.created,
        CaseEvent.note == GENERATED_NOTE.format(seed=seed)).limit(1)) is not None


def _reserve_numbers(per_year: Counter[int]) -> dict[int, int]:
    """Take the case numbers at once: bump each year's counter by the cases it gets (the
    counter rows stay locked until commit, as for register_case); return the last number
    used before, per year."""
    starts = {}
    for year, k in sorted(per_year.items()):
        bumped = db.session.execute(
            update(CaseCounter).where(CaseCounter.year == year)
            .values(last_value=CaseCounter.last_value + k).returning(CaseCounter.last_value)
        ).scalar()
        if bumped is None:
            db.session.execute(insert(CaseCounter).values(year=year, last_value=k))
            bumped = k
        starts[year] = bumped - k
    return starts


TABLES = (Case.__table__, Beneficiary.__table__, BeneficiaryVulnerability.__table__,
          IdentityDocument.__table__, Consent.__table__, CounsellingSession.__table__,
          CaseEvent.__table__, NameKey.__table__)
# Tables whose ids are given (other rows point at them); the others number themselves.
GIVEN_IDS = frozenset({"cases", "beneficiaries"})
# Columns holding a beneficiary id (shifted on SQLite, see _insert_sqlite).
PERSON_ID_COLUMNS = {"beneficiaries": "id", "beneficiary_vulnerabilities": "beneficiary_id",
                     "identity_documents": "beneficiary_id", "consents": "beneficiary_id",
                     "name_keys": "beneficiary_id"}


def generate_cases(count: int, seed: int, progress: Callable[[int], None] | None = None,
                   now: datetime | None = None, parallel: bool | None = None) -> int:
    """Bulk-insert `count` generated cases with all their rows; return how many.

    Needs the demo offices and users (`load_demo()`); the caller commits. Runs in the
    caller's transaction: all or nothing.

    The rows go in as multi-row INSERTs compiled by SQLAlchemy Core from the tables, with
    the values made by the columns' own types (see `_statements`). On SQLite, CHECK
    constraints are verified once for the new rows instead of row by row, and blocks are
    made by two forked processes while this one writes (`parallel`, by default from 10,000
    cases); see `_insert_sqlite`.
    """
    world = demo_world()
    now = now or utcnow()
    per_year, first = _years(count, seed, now)
    numbering = Numbering(_reserve_numbers(per_year), first)
    tell = progress or (lambda _n: None)
    job = _Job(count, seed, world, numbering, now)
    if db.session.get_bind().dialect.name == "sqlite":
        return _insert_sqlite(job, tell, count >= 10_000 if parallel is None else parallel)
    return _insert_postgresql(job, tell)


def _table_rows(chunk: list[GeneratedCase], case_ids: Iterator[int],
                person_ids: Iterator[int]) -> dict[str, list[dict[str, Any]]]:
    """The rows of a batch of generated cases, table by table, ids filled in."""
    out: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
    people = out["beneficiaries"]
    for generated in chunk:
        case_id = generated.case["id"] = next(case_ids)
        for row in generated.people:
            row["case_id"] = case_id
            row["id"] = next(person_ids)
            people.append(row)
    out["cases"] = [g.case for g in chunk]
    vulnerabilities, documents = out["beneficiary_vulnerabilities"], out["identity_documents"]
    consents, sessions = out["consents"], out["counselling_sessions"]
    events, keys = out["case_events"], out["name_keys"]
    for generated in chunk:
        case_id = generated.case["id"]
        ids = [row["id"] for row in generated.people]
        recorder = generated.case["registered_by_id"]
        vulnerabilities.extend({"beneficiary_id": ids[pos], "code": code, "case_id": case_id}
                               for pos, code in generated.vulnerabilities)
        documents.extend({"beneficiary_id": ids[pos], "kind": kind, "number": number,
                          "issuing_country": issuer, "expires_on": expires}
                         for pos, kind, number, issuer, expires in generated.documents)
        consents.extend({"beneficiary_id": ids[0], "purpose": purpose, "given_on": given_on,
                         "withdrawn_on": None, "recorded_by_id": recorder}
                        for purpose, given_on in generated.consents)
        for session in generated.sessions:
            session["case_id"] = case_id
        sessions.extend(generated.sessions)
        for event in generated.events:
            event["case_id"] = case_id
        events.extend(generated.events)
        keys.extend({"beneficiary_id": ids[pos], "key": key, "case_id": case_id}
                    for pos, key in generated.name_keys)
    return out


# -- from rows to INSERTs --------------------------------------------------------------------
# Rows become DB-API parameters through the bind processors of the tables' own column types
# (caseflow.db.UTCDateTime for times, the enums, JSON...), for statements SQLAlchemy Core
# compiles from insert(table): the values the ORM would write, without its per-row work.


@dataclass(frozen=True)
class _Job:
    count: int
    seed: int
    world: World
    numbering: Numbering
    now: datetime


@dataclass
class _Statement:
    sql: str  # one row
    sql_many: str  # `rows` rows
    rows: int
    columns: list[str]
    processors: list[Callable[[Any], Any] | None]
    kinds: list[type | None]  # the column's type, if its values can be remembered (hashable)


OFFSET = "__person_offset__"
# Rows per INSERT statement, for the tables where one multi-row INSERT costs SQLite less than
# as many one-row INSERTs (measured for events: 1.8 against 2.6 microseconds a row); for the
# others, with more indexes, it was slower.
ROWS_PER_INSERT = 50
MULTI_ROW = frozenset({"case_events", "counselling_sessions", "consents",
                       "beneficiary_vulnerabilities"})


def _statements(dialect: Any, rows: int = ROWS_PER_INSERT) -> dict[str, _Statement]:
    """The INSERTs of each table, compiled by SQLAlchemy Core, for one row and for
    ROWS_PER_INSERT rows. Beneficiary ids are shifted by the text OFFSET, replaced by the
    number of people inserted before a block."""
    statements = {}
    for table in TABLES:
        names = [c.name for c in table.columns if c.name != "id" or table.name in GIVEN_IDS]
        shifted = PERSON_ID_COLUMNS.get(table.name)

        def row(n: int, table: Any = table, names: list[str] = names,
                shifted: str | None = shifted) -> dict[str, Any]:
            values: dict[str, Any] = {name: bindparam(f"{name}_{n}", type_=table.c[name].type)
                                      for name in names}
            if shifted:
                values[shifted] = values[shifted] + literal_column(OFFSET)
            return values

        one = insert(table).inline().values(row(0)).compile(dialect=dialect)
        many = insert(table).inline().values([row(n) for n in range(rows)]) \
            .compile(dialect=dialect)
        order = [name.removesuffix("_0") for name in one.positiontup or []]
        expected = [f"{name}_{n}" for n in range(rows) for name in order]
        if sorted(order) != sorted(names) or list(many.positiontup or []) != expected:
            raise RuntimeError(f"unexpected parameter order for {table.name}")
        statements[table.name] = _Statement(
            one.string, many.string, rows, order,
            [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
             for name in order],
            [None if isinstance(table.c[name].type, JSON) else type(table.c[name].type)
             for name in order])
    return statements


Rows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def _as_tuples(by_table: dict[str, list[dict[str, Any]]], statements: dict[str, _Statement],
               multi_row: frozenset[str] = MULTI_ROW) -> dict[str, Rows]:
    """DB-API parameters per table: for the multi-row INSERT (its rows flattened into one
    tuple) if the table is in `multi_row`, then for the one-row INSERT (the rest).

    Built column by column. Dates, times and enum members repeat (an event's time is its
    row's time, statuses come from a short list): what a type made of a value is
    remembered, per type."""
    out = {}
    memos: dict[type, dict[Any, Any]] = {}
    for name, rows in by_table.items():
        statement = statements[name]
        columns = []
        for column, process, kind in zip(statement.columns, statement.processors,
                                         statement.kinds, strict=True):
            values = list(map(itemgetter(column), rows))
            if process is not None:
                if kind is None:
                    values = [None if v is None else process(v) for v in values]
                else:
                    memo = memos.setdefault(kind, {None: None})
                    for v in set(values).difference(memo):
                        memo[v] = process(v)
                    values = list(map(memo.__getitem__, values))
            columns.append(values)
        tuples = list(zip(*columns, strict=True))
        size = statement.rows
        full = len(tuples) - len(tuples) % size if name in multi_row else 0
        out[name] = ([tuple(chain.from_iterable(tuples[i:i + size]))
                      for i in range(0, full, size)], tuples[full:])
    return out


def _block_tuples(job: _Job, block: int, statements: dict[str, _Statement], first_case: int
                  ) -> tuple[int, int, dict[str, Rows]]:
    """(cases, people, DB-API rows by table) of a block; people numbered from 1."""
    chunk = list(_block_cases(block, job.count, job.seed, job.world, job.numbering, job.now))
    rows = _table_rows(chunk, itertools.count(first_case + block * BLOCK), itertools.count(1))
    return len(chunk), len(rows["beneficiaries"]), _as_tuples(rows, statements)


def _execute(cursor: Any, statements: dict[str, _Statement], by_table: dict[str, Rows],
             offset: int) -> None:
    for table in TABLES:
        statement, (many, rest) = statements[table.name], by_table[table.name]
        if many:
            cursor.executemany(statement.sql_many.replace(OFFSET, str(offset)), many)
        if rest:
            cursor.executemany(statement.sql.replace(OFFSET, str(offset)), rest)


# -- PostgreSQL ------------------------------------------------------------------------------
def _insert_postgresql(job: _Job, progress: Callable[[int], None]) -> int:
    """Ids from the tables' sequences (safe next to other sessions), every table in
    multi-row INSERTs (psycopg would otherwise send one statement per row). PostgreSQL checks
    its constraints quickly, row by row."""
    connection = db.session.connection()
    # The same statements with positional parameters, so that rows can be flattened.
    statements = _statements(type(connection.dialect)(paramstyle="format"))
    everything = frozenset(t.name for t in TABLES)

    def ids(table: Any, k: int) -> Iterator[int]:
        return iter(connection.execute(text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
            "FROM generate_series(1, :k)"), {"table": table.name, "k": k}).scalars().all())

    made = 0
    for block in _blocks(job.count):
        chunk = list(_block_cases(block, job.count, job.seed, job.world, job.numbering,
                                  job.now))
        people = sum(len(g.people) for g in chunk)
        by_table = _table_rows(chunk, ids(Case.__table__, len(chunk)),
                               ids(Beneficiary.__table__, people))
        cursor = connection.connection.driver_connection.cursor()
        try:
            _execute(cursor, statements, _as_tuples(by_table, statements, everything), 0)
        finally:
            cursor.close()
        made += len(chunk)
        progress(len(chunk))
    return made


# -- SQLite ----------------------------------------------------------------------------------
# Each `IN (...)` CHECK (every enum column has one) costs SQLite microseconds per row:
# together they were half the time of an insert. So the CHECKs are switched off for this
# transaction's inserts and verified afterwards, for the new rows, with one query per table
# (SQL evaluates an IN list once per query, not once per row). A violation raises, and the
# caller's transaction rolls back: the data ends up as checked as with row-by-row checks.
# Foreign keys, NOT NULL and unique constraints stay enforced row by row.
#
# Generating and converting rows is most of the work: two forked processes make blocks
# while this one writes (and makes blocks too rather than wait). A block numbers its people
# from 1; its INSERTs add the number of people inserted before it.

Made = tuple[int, int, dict[str, Rows]]


class _Dealer:
    """Hands out block numbers in order to the writer and the workers, and keeps the
    workers at most AHEAD blocks ahead of the writer (bounded memory)."""

    def __init__(self, context: Any, blocks: int) -> None:
        self.blocks = blocks
        self.next = context.Value("i", 0)
        self.room = context.Semaphore(AHEAD)

    def take(self, wait: bool) -> int | None:
        if not self.room.acquire(block=wait):
            return None
        with self.next.get_lock():
            block = self.next.value
            if block < self.blocks:
                self.next.value += 1
                return block
        self.room.release()
        return None

    def done(self) -> None:
        self.room.release()


def _worker(job: _Job, statements: dict[str, _Statement], first_case: int, dealer: _Dealer,
            results: Any) -> None:
    gc.disable()  # a short-lived process making millions of small objects and no cycles
    os.nice(5)  # the writer is the bottleneck: let it have a processor when it wants one
    try:
        while (block := dealer.take(wait=True)) is not None:
            results.put((block, _block_tuples(job, block, statements, first_case)))
    except BaseException as problem:  # tell the writer instead of leaving it waiting
        results.put((-1, RuntimeError(f"case generation failed: {problem!r}")))


def _made_here(job: _Job, statements: dict[str, _Statement], first_case: int
               ) -> Iterator[Made]:
    for block in _blocks(job.count):
        yield _block_tuples(job, block, statements, first_case)


WORKERS = 2
AHEAD = 8
BULK_CACHE_KIB = 256 * 1024


def _made_by_workers(job: _Job, statements: dict[str, _Statement], first_case: int
                     ) -> Iterator[Made]:
    """The blocks, in order, made by forked processes, and by this one while it would
    otherwise wait for the next block. The children only compute: they inherit the open
    database connection but never touch it, and end with os._exit as multiprocessing
    children do."""
    import multiprocessing
    import queue

    context = multiprocessing.get_context("fork")
    _warm_name_keys()
    dealer = _Dealer(context, len(_blocks(job.count)))
    results = context.Queue()
    workers = [context.Process(target=_worker, daemon=True, args=(
        job, statements, first_case, dealer, results)) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    ready: dict[int, Made] = {}

    def receive(wait: bool) -> bool:
        try:
            block, item = results.get(block=wait, timeout=60 if wait else None)
        except queue.Empty:
            if wait and (any(w.exitcode for w in workers)
                         or not any(w.is_alive() for w in workers)):
                raise RuntimeError("case generation stopped: a worker ended") from None
            return False
        if isinstance(item, Exception):
            raise item
        ready[block] = item
        return True

    try:
        for needed in range(dealer.blocks):
            while needed not in ready:
                if receive(wait=False):
                    continue
                mine = dealer.take(wait=False)
                if mine is not None:
                    ready[mine] = _block_tuples(job, mine, statements, first_case)
                else:
                    receive(wait=True)
            yield ready.pop(needed)
            dealer.done()
        for worker in workers:
            worker.join()
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
                worker.join()
        results.close()


def _insert_sqlite(job: _Job, progress: Callable[[int], None], parallel: bool) -> int:
    connection = db.session.connection()
    statements = _statements(connection.dialect)
    # The transaction holds the database's write lock since the case counters were bumped:
    # nobody else inserts, so ids can be counted from the highest ones.
    before = {t.name: connection.execute(select(func.max(rowid)).select_from(t)).scalar()
              or 0 for t in TABLES}
    made_by = _made_by_workers if parallel and _can_fork() else _made_here
    # Blocks number their people from 1: the INSERTs add the people inserted before.
    made, people_before = 0, before["beneficiaries"]
    connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    # A page cache big enough for the indexes being filled (SQLite's default is 2 MB).
    cache_size = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    collecting = gc.isenabled()
    gc.disable()  # the batches are millions of small objects without cycles
    blocks = made_by(job, statements, before["cases"] + 1)
    try:
        for cases, people, by_table in blocks:
            cursor = connection.connection.driver_connection.cursor()
            try:
                _execute(cursor, statements, by_table, people_before)
            finally:
                cursor.close()
            made += cases
            people_before += people
            progress(cases)
    finally:
        blocks.close()  # stops the workers if something failed
        if collecting:
            gc.enable()
        connection.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache_size)}")
    verify_checks(before)
    return made


def _can_fork() -> bool:
    import multiprocessing
    import threading

    # A fork copies only the calling thread: a lock another thread held at that moment (a
    # logging or client-library lock) stays locked in the child forever. With other
    # threads alive the rows are made here, slower but safe.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


rowid = literal_column("rowid")


def _condition(check: CheckConstraint) -> Any:
    """A CHECK constraint's condition as a boolean SQL expression."""
    condition = check.sqltext
    if isinstance(condition, ColumnElement):
        return condition.self_group()
    return literal_column(f"({condition.text})", type_=Boolean)


class ChecksFailed(RuntimeError):
    pass


def verify_checks(after_rowids: dict[str, int]) -> None:
    """Raise ChecksFailed if a row added after the given rowids breaks a CHECK constraint of
    its table (as SQL does: a check fails when it is false, not when it is null)."""
    connection = db.session.connection()
    for table in TABLES:
        checks = {str(c.name): _condition(c) for c in table.constraints
                  if isinstance(c, CheckConstraint)}
        if not checks:
            continue
        failed = connection.execute(
            select(rowid).select_from(table).where(
                rowid > after_rowids.get(table.name, 0),
                or_(*(not_(check) for check in checks.values()))).limit(1)).scalar()
        if failed is not None:
            broken = [name for name, check in checks.items() if connection.execute(
                select(rowid).select_from(table).where(rowid == failed, not_(check))
            ).scalar()]
            raise ChecksFailed(f"generated row {failed} of {table.name} breaks "
                               f"{', '.join(broken)}")
