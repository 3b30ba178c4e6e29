"""After-return rows for generated cases, for the printing benchmark.

`generate_cases()` takes cases up to the confirmed arrival and stops: no reintegration plan,
no administrative assistance, no follow-up visit. A programme report over such cases would
skip most of its work (budgets, services, RSS averages, overdue visits), so the benchmark adds
those rows here, in bulk, with SQLAlchemy Core executemany INSERTs (no ORM objects).

Every generated case with an arrival date gets:

- the follow-up visits of the current schedule (1, 3, 6, 12 months after arrival), the ones
  whose day has come done (about 1 in 10 missed, so overdue) with an RSS survey (scores per
  dimension and composite, about 1 in 20 partial);
- a reintegration plan drafted 8-15 days after arrival, with 2-5 lines, moving on through
  submission, approval, implementation and monitoring as time allows (about 1 in 10 plans
  stall at an earlier stage); line statuses and delivery dates follow the plan's stage;
- 1-4 administrative-assistance requests (distinct person and type) with a realistic status,
  outcome, completion date and fees.

Open cases at "arrival confirmed" are moved to the plan stage reached, with one transition
event per move (so stage durations read from case_events are realistic) and their version
bumped. Closed and on-hold cases keep their status and history (their closing or holding
event is the last one; rewriting it is not worth it here): their plan, services and visits
are dated before that last event.

Not written: RSS answers (the report reads the stored scores; answers would be 20 rows per
survey for nothing the benchmark measures) and the plan-line edit events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update

from caseflow.assistance.models import ServiceRequest, ServiceStatus, ServiceType
from caseflow.cases.models import Case, CaseEvent, CaseStatus, EventKind
from caseflow.demo.cases import Rng, demo_world
from caseflow.extensions import db
from caseflow.followups.models import (
    Dimension,
    FollowUpVisit,
    RssIndicator,
    RssSurvey,
    RssVersion,
    VisitMode,
)
from caseflow.followups.services import add_months, current_schedule
from caseflow.people.models import Beneficiary, BeneficiaryVulnerability
from caseflow.reintegration.models import LineStatus, PlanLine, ReintegrationPlan, SupportKind

S = CaseStatus
CHUNK = 5_000
PLAN_MOVES = (S.plan_drafted, S.plan_submitted, S.plan_approved, S.in_implementation,
              S.monitoring)
# Days from the previous step to each plan move (the draft counts from the arrival).
PLAN_GAPS = ((8, 15), (6, 12), (5, 12), (3, 7), (120, 160))
STALL_CHANCE = 0.1
VULNERABLE_BUDGET = Decimal("1500.00")
OVER_BUDGET_REASON = ("The household has no standard budget (visa-free country); the partner "
                      "asks for a small start-up package.")

# kind, weight, descriptions, amount range in euros, for a person?
LINE_KINDS = (
    (SupportKind.business, 30, ("Tools and stock for a small shop", "Sewing machine and fabric",
                                "Livestock: two cows", "Equipment for a car repair workshop"),
     (500, 2500), False),
    (SupportKind.housing, 20, ("Roof repair", "Rent for three months", "Basic furniture"),
     (200, 1500), False),
    (SupportKind.education, 15, ("School supplies and uniforms", "Textbook translation fees"),
     (50, 400), True),
    (SupportKind.medical, 15, ("Follow-up with a specialist", "Medicines for six months"),
     (40, 600), True),
    (SupportKind.psychosocial, 8, ("Counselling sessions",), (100, 400), True),
    (SupportKind.vocational_training, 8, ("Welding course", "Hairdressing course"),
     (200, 900), True),
    (SupportKind.administrative_assistance, 4, ("Fees for civil documents",), (20, 150), False),
)
LINE_WEIGHTS = [sum(k[1] for k in LINE_KINDS[:n + 1]) for n in range(len(LINE_KINDS))]
SUPPLIERS = (None, None, "Agro Shpk", "Tehno Dooel", "Mobilia doo", "Libraria Arbëri")

SERVICE_CODES = ("civil_registration", "id_card", "health_insurance", "permanent_residence",
                 "school_enrolment", "job_seeking", "employment_office", "social_welfare",
                 "birth_certificate_international", "housing_referral", "accompaniment",
                 "citizenship_certificate", "diploma_recognition", "referral_other")
SERVICE_WEIGHTS = (30, 22, 16, 8, 8, 8, 6, 5, 4, 4, 3, 3, 2, 1)
SERVICE_CUMULATED = [sum(SERVICE_WEIGHTS[:n + 1]) for n in range(len(SERVICE_WEIGHTS))]
FEES = {"civil_registration": Decimal("2.00"), "id_card": Decimal("10.00"),
        "citizenship_certificate": Decimal("5.00"), "permanent_residence": Decimal("3.00")}
COMPLETED_OUTCOMES = ("Done.", "Document issued.", "Registered.", "Appointment kept; done.")
NOT_POSSIBLE_OUTCOMES = ("The office asks for a document the family does not have.",
                         "Not possible before the family has a fixed address.")
VISIT_NOTES = ("Home visit; the household is settling in.", "Met at the office.",
               "Phone call; no problems reported.")
DIMENSION_BIAS = {Dimension.economic: -0.08, Dimension.social: 0.04,
                  Dimension.psychosocial: 0.03}
PLACES = Decimal("0.0001")


def _at(day: date, rng: Rng) -> datetime:
    """A working-hours moment of `day`, UTC, as the application stores times."""
    return datetime.combine(day, time(8 + rng.randint(0, 8), rng.randint(0, 59)), UTC)


class _Ids:
    """Ids handed out from the table's current maximum: the benchmark database has no other
    writer. On PostgreSQL the sequences are moved past them at the end (see `sync`)."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.next = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1

    def take(self) -> int:
        self.next += 1
        return self.next - 1

    def sync(self) -> None:
        if db.session.get_bind().dialect.name == "postgresql":
            top = db.session.scalar(select(func.max(self.table.c.id))) or 1
            db.session.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :top)"),
                               {"t": self.table.name, "top": top})


class _Rss:
    """What scoring a survey needs of the current questionnaire, read once."""

    def __init__(self) -> None:
        version = db.session.scalar(select(RssVersion).order_by(RssVersion.version.desc())
                                    .limit(1))
        if version is None:
            raise RuntimeError("no RSS questionnaire: load the reference data first")
        self.id = version.id
        per_dimension = Counter(db.session.scalars(
            select(RssIndicator.dimension).where(RssIndicator.version_id == version.id)))
        self.total = sum(per_dimension.values())
        self.psychosocial = per_dimension[Dimension.psychosocial]
        self.weights = {d: Decimal(version.weight(d)) for d in Dimension}

    def survey(self, rng: Rng, level: float, partial: bool) -> dict[str, Any]:
        scores: dict[Dimension, Decimal | None] = {}
        for dimension in Dimension:
            if partial and dimension is Dimension.psychosocial:
                scores[dimension] = None
                continue
            value = level + DIMENSION_BIAS[dimension] + (rng.random() - 0.5) * 0.1
            scores[dimension] = Decimal(str(max(0.0, min(1.0, value)))).quantize(PLACES)
        answered = [(self.weights[d], s) for d, s in scores.items() if s is not None]
        composite = (sum(w * s for w, s in answered) / sum(w for w, _s in answered)
                     ).quantize(PLACES)
        return {"economic": scores[Dimension.economic], "social": scores[Dimension.social],
                "psychosocial": scores[Dimension.psychosocial], "composite": composite,
                "answered": self.total - (self.psychosocial if partial else 0),
                "total": self.total, "version_id": self.id}


def _candidates() -> Any:
    """Generated cases that reached the arrival and have no visit yet (the demo's own cases
    after return were made through the services and have theirs)."""
    return select(Case.id).where(Case.arrived_on.is_not(None),
                                 Case.id.not_in(select(FollowUpVisit.case_id)))


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def add_after_return_rows(seed: int, today: date | None = None) -> Counter[str]:
    """Add plans, services, visits and surveys (and the plan moves of open cases) to every
    generated case that reached the arrival; return the rows added per table. The caller
    commits."""
    today = today or datetime.now(UTC).date()
    world = demo_world()
    officers = {p.id: p.officer_id for ps in world.partners.values() for p in ps}
    managers = {o.id: o.manager_id for o in world.sending}
    schedule = current_schedule()
    months = schedule.month_list if schedule else [1, 3, 6, 12]
    schedule_version = schedule.version if schedule else 0
    rss = _Rss()
    types = dict(db.session.execute(select(ServiceType.code, ServiceType.id)).tuples().all())
    ids = {name: _Ids(model.__table__) for name, model in (
        ("plans", ReintegrationPlan), ("visits", FollowUpVisit))}
    added: Counter[str] = Counter()
    case_ids = list(db.session.scalars(_candidates().order_by(Case.id)))
    for chunk in _chunks(case_ids):
        cases = db.session.execute(select(
            Case.id, Case.status, Case.arrived_on, Case.partner_id, Case.office_id,
            Case.updated_at, Case.version).where(Case.id.in_(chunk)).order_by(Case.id)).all()
        people: dict[int, list[int]] = {}
        for person_id, case_id in db.session.execute(
                select(Beneficiary.id, Beneficiary.case_id).where(Beneficiary.case_id.in_(chunk))
                .order_by(Beneficiary.case_id, Beneficiary.position)):
            people.setdefault(case_id, []).append(person_id)
        vulnerable = set(db.session.scalars(
            select(Beneficiary.case_id).join(BeneficiaryVulnerability)
            .where(Beneficiary.case_id.in_(chunk)).distinct()))
        rows: dict[str, list[dict[str, Any]]] = {
            "reintegration_plans": [], "plan_lines": [], "service_requests": [],
            "followup_visits": [], "rss_surveys": [], "case_events": [], "cases": []}
        for case in cases:
            _one_case(case, Rng(f"{seed}:after-return:{case.id}"), today, rows, ids,
                      officers[case.partner_id], managers[case.office_id],
                      people[case.id], case.id in vulnerable, months, schedule_version, rss,
                      types)
        for model in (ReintegrationPlan, PlanLine, ServiceRequest, FollowUpVisit, RssSurvey,
                      CaseEvent):
            table = model.__table__
            if rows[table.name]:
                db.session.execute(insert(table), rows[table.name])
                added[table.name] += len(rows[table.name])
        if rows["cases"]:
            # Core executemany UPDATE: one statement, many parameter sets.
            table = Case.__table__
            db.session.execute(update(table).where(table.c.id == bindparam("case_id")).values(
                status=bindparam("new_status"), version=bindparam("new_version"),
                updated_at=bindparam("new_updated_at")), rows["cases"])
            added["cases moved on"] += len(rows["cases"])
    for allocator in ids.values():
        allocator.sync()
    db.session.flush()
    return added


def _one_case(case: Any, rng: Rng, today: date, rows: dict[str, list[dict[str, Any]]],
              ids: dict[str, _Ids], officer: int, manager: int, people: list[int],
              is_vulnerable: bool, months: list[int], schedule_version: int, rss: _Rss,
              types: dict[str, int]) -> None:
    arrived: date = case.arrived_on
    is_open = case.status is S.arrival_confirmed
    # The last day anything may happen: yesterday, or before the closing / holding event.
    updated = case.updated_at.date() if case.updated_at else today
    limit = today - timedelta(days=1) if is_open else updated - timedelta(days=1)

    # -- the plan's moves, as far as time (and the occasional stall) allows
    moves: list[tuple[CaseStatus, date]] = []
    day = arrived
    for status, (low, high) in zip(PLAN_MOVES, PLAN_GAPS, strict=True):
        day = day + timedelta(days=rng.randint(low, high))
        if day > limit:
            break
        moves.append((status, day))
    if len(moves) > 1 and rng.random() < STALL_CHANCE:
        del moves[rng.randint(1, len(moves) - 1):]
    reached = moves[-1][0] if moves else None

    if moves:
        plan_id = ids["plans"].take()
        drafted_on = moves[0][1]
        stage_day = dict(moves)
        approved_on = stage_day.get(S.plan_approved)
        monitoring_on = stage_day.get(S.monitoring)
        lines = []
        for _ in range(rng.randint(2, 5)):
            kind, _w, descriptions, (low, high), personal = LINE_KINDS[
                _weighted(rng, LINE_WEIGHTS)]
            amount = Decimal(rng.randint(low // 10, high // 10) * 10).quantize(Decimal("0.01"))
            status, delivered_on = LineStatus.planned, None
            if monitoring_on is not None:
                if rng.random() < 0.88:
                    status = LineStatus.delivered
                    delivered_on = _between(rng, approved_on, monitoring_on)
                else:
                    status = LineStatus.cancelled
            elif reached is S.in_implementation:
                roll = rng.random()
                if roll < 0.4:
                    status = LineStatus.delivered
                    delivered_on = _between(rng, approved_on, limit + timedelta(days=1))
                elif roll < 0.7:
                    status = LineStatus.in_progress
                elif roll < 0.8:
                    status = LineStatus.cancelled
            lines.append({
                "plan_id": plan_id, "kind": kind, "description": rng.choice(descriptions),
                "beneficiary_id": rng.choice(people) if personal else None, "amount": amount,
                "supplier": rng.choice(SUPPLIERS), "status": status,
                "delivered_on": delivered_on, "created_at": _at(drafted_on, rng)})
        committed = sum(line["amount"] for line in lines)
        budget = VULNERABLE_BUDGET if is_vulnerable else Decimal("0.00")
        approved = approved_on is not None
        rows["reintegration_plans"].append({
            "id": plan_id, "case_id": case.id, "created_at": _at(drafted_on, rng),
            "created_by_id": officer, "summary": None,
            "over_budget_reason": OVER_BUDGET_REASON if committed > budget else None,
            "entitlement_version": 1 if approved else None,
            "approved_budget": budget if approved else None,
            "approved_ceiling": max(budget, committed) if approved else None,
            "approved_on": approved_on, "approved_by_id": manager if approved else None,
            "version": 1})
        rows["plan_lines"].extend(lines)

    if is_open and moves:
        version, previous, last = case.version, S.arrival_confirmed, case.updated_at
        for status, on in moves:
            version += 1
            entered, last = last, max(_at(on, rng), last + timedelta(minutes=1))
            data = {"plan_approved_on": on.isoformat()} if status is S.plan_approved else {}
            rows["case_events"].append({
                "case_id": case.id, "kind": EventKind.transition, "at": last,
                "by_id": manager if status is S.plan_approved else officer,
                "from_status": previous, "to_status": status, "note": None, "data": data,
                "version": version, "stage_days": (last.date() - entered.date()).days})
            previous = status
        rows["cases"].append({"case_id": case.id, "new_status": previous,
                              "new_version": version, "new_updated_at": last})

    # -- administrative assistance
    asked: set[tuple[int, str]] = set()
    for _ in range(rng.randint(1, 4)):
        code = SERVICE_CODES[_weighted(rng, SERVICE_CUMULATED)]
        person = people[0] if rng.random() < 0.6 else rng.choice(people)
        requested_on = arrived + timedelta(days=rng.randint(3, 40))
        if (person, code) in asked or requested_on > limit:
            continue
        asked.add((person, code))
        roll = rng.random()
        status, completed_on, outcome, fees = ServiceStatus.requested, None, None, None
        if roll < 0.62:
            done = requested_on + timedelta(days=rng.randint(5, 60))
            if done <= limit:
                status, completed_on = ServiceStatus.completed, done
                outcome, fees = rng.choice(COMPLETED_OUTCOMES), FEES.get(code)
            else:
                status = ServiceStatus.in_progress
        elif roll < 0.74:
            status, outcome = ServiceStatus.not_possible, rng.choice(NOT_POSSIBLE_OUTCOMES)
        elif roll < 0.9:
            status = ServiceStatus.in_progress
        rows["service_requests"].append({
            "case_id": case.id, "beneficiary_id": person, "service_type_id": types[code],
            "partner_id": case.partner_id, "requested_on": requested_on, "status": status,
            "outcome": outcome, "completed_on": completed_on, "fees_paid": fees,
            "created_at": _at(requested_on, rng), "created_by_id": officer, "version": 1})

    # -- follow-up visits and their surveys
    level = 0.3 + rng.random() * 0.3
    growth = 0.02 + rng.random() * 0.06
    for sequence, month in enumerate(months, start=1):
        due_on = add_months(arrived, month)
        done_on = max(arrived + timedelta(days=1), due_on + timedelta(days=rng.randint(-3, 8)))
        visit_id = ids["visits"].take()
        done = done_on <= limit and rng.random() >= 0.1
        partial = rng.random() < 0.05
        rows["followup_visits"].append({
            "id": visit_id, "case_id": case.id, "sequence": sequence,
            "months_after_arrival": month, "due_on": due_on,
            "schedule_version": schedule_version, "done_on": done_on if done else None,
            "mode": (VisitMode.phone if partial else rng.choice(
                (VisitMode.home_visit, VisitMode.home_visit, VisitMode.office)))
            if done else None,
            "officer_id": officer if done else None,
            "notes": rng.choice(VISIT_NOTES) if done else None,
            "next_steps": None, "version": 1})
        if done:
            survey = rss.survey(rng, min(0.95, level + growth * sequence), partial)
            survey.update(visit_id=visit_id, created_at=_at(done_on, rng))
            rows["rss_surveys"].append(survey)


def _weighted(rng: Rng, cumulated: list[int]) -> int:
    """The index of a choice with the cumulated weights `cumulated`."""
    pick = rng.random() * cumulated[-1]
    return next(n for n, bound in enumerate(cumulated) if pick < bound)


def _between(rng: Rng, after: date | None, before: date) -> date:
    """A day strictly after `after` and strictly before `before` (`before` - 1 when there
    is no room)."""
    start = (after or before) + timedelta(days=1)
    span = (before - start).days
    return start + timedelta(days=rng.randint(0, span - 1)) if span > 0 else \
        before - timedelta(days=1)


def table_counts() -> dict[str, int]:
    """Rows per table the printing benchmark reads."""
    models = (Case, Beneficiary, CaseEvent, ReintegrationPlan, PlanLine, ServiceRequest,
              FollowUpVisit, RssSurvey)
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in models}
