"""Demo households after their return: reintegration plans, administrative assistance and
follow-up visits with their RSS surveys.

Each household first goes through the pre-departure path of caseflow/demo/cases.py up to the
confirmed arrival (1 to 14 months ago), then on through the real services and workflow:
plan lines (reintegration.services), the plan's moves (workflow.transition), service
requests (assistance.services) and follow-up visits (followups.services). Every step is done
on its own (past) day, in date order; the history rows and creation stamps the services
write "now" are then moved back to that day, as the loader does for the earlier stages.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from caseflow.accounts.models import User
from caseflow.assistance.models import ServiceStatus, ServiceType
from caseflow.assistance.services import request_service, update_service
from caseflow.cases import workflow
from caseflow.cases.models import Case, CaseStatus, ClosureReason
from caseflow.demo import data
from caseflow.extensions import db
from caseflow.followups.models import Dimension, FollowUpVisit, RssVersion, VisitMode
from caseflow.followups.services import current_rss_version, record_visit
from caseflow.people.models import Beneficiary, HouseholdRole, ProcedureStatus, Sex
from caseflow.people.models import Vulnerability as V
from caseflow.reintegration.models import LineStatus, SupportKind
from caseflow.reintegration.services import LineData, add_line, update_line_status

S = CaseStatus
K = SupportKind
L = LineStatus
Sv = ServiceStatus

# The principal of the first household below: its presence means these cases are loaded.
AFTER_RETURN_MARKER_OE = "8.604.219"
# The plan's stages, in the order a case goes through them.
PLAN_STAGES = (S.plan_drafted, S.plan_submitted, S.plan_approved, S.in_implementation,
               S.monitoring, S.closed)


@dataclass(frozen=True)
class Line:
    kind: SupportKind
    description: str
    amount: str  # exact, in euros
    status: LineStatus = L.planned
    person: int | str | None = None  # household position, or a role (see _position)
    supplier: str | None = None


@dataclass(frozen=True)
class Service:
    person: int | str  # household position, or a role (see _position)
    code: str  # ServiceType.code
    status: ServiceStatus
    outcome: str | None = None
    fees: str | None = None  # exact, in euros


@dataclass(frozen=True)
class AfterReturn:
    """What happens after the arrival: the stage reached (closed: completed after monitoring),
    the plan lines with the status they end in, the services, and the follow-up visits done
    (the first `visits_done`; the others due in the past stay overdue) with the level of
    each survey (composite score aimed at)."""

    stage: CaseStatus
    arrived_days_ago: int
    lines: tuple[Line, ...]
    services: tuple[Service, ...] = ()
    levels: tuple[float, ...] = ()  # one per visit done
    partial_visit: int | None = None  # index of a visit whose survey was cut short
    over_budget_reason: str | None = None
    returned_note: str | None = None  # the manager sent the plan back once, with this note
    summary: str | None = None

    @property
    def visits_done(self) -> int:
        return len(self.levels)


# -- the households ----------------------------------------------------------------------
def after_return_specs(today: date, last_day: date, valid_from: date) -> list[Any]:
    """The DemoCases of the households after their return (see caseflow/demo/cases.py)."""
    from caseflow.demo.cases import (
        DEMO_SEED,
        DemoCase,
        Outcome,
        Plan,
        Rng,
        _demo_numbers,
        _documents,
        household,
        person,
        plan_path,
        school_history,
    )

    specs: list[DemoCase] = []

    def arrival_plan(rng: random.Random, arrived_on: date) -> Plan:
        """The path up to an arrival on `arrived_on`."""
        plan = plan_path(rng, Outcome(S.arrival_confirmed), arrived_on, today)
        shift = arrived_on - plan.steps[-1][2]
        return Plan(plan.registered_on + shift,
                    [(a, b, day + shift) for a, b, day in plan.steps],
                    [day + shift for day in plan.sessions],
                    plan.departure_on + shift if plan.departure_on else None)

    def generated(key: str, office: str, country: str, size: int, after: AfterReturn,
                  index: int, partner_index: int = 0) -> None:
        rng = Rng(f"{DEMO_SEED}:after:{key}")
        plan = arrival_plan(rng, today - timedelta(days=after.arrived_days_ago))
        people, region = household(rng, country, plan.registered_on, _demo_numbers(index),
                                   valid_from, size)
        made = DemoCase(key, office, country, rng.choice(data.MUNICIPALITIES[country]),
                        Outcome(S.arrival_confirmed), plan, people, region,
                        partner_index=partner_index, seed=index, after=after)
        _add_schools(made, rng)
        specs.append(made)

    def _add_schools(made: DemoCase, rng: random.Random) -> None:
        for pos, row in enumerate(made.people):
            if row["role"] is HouseholdRole.child:
                records = school_history(rng, row, made.region, made.plan.registered_on)
                if records:
                    made.schools[pos] = records

    # 1. An Albanian family back in Durrës; the son went to secondary school in Liège: his
    # diploma is recognised, and the parents go through civil registration, ID cards and
    # health insurance. In implementation.
    def leka(rng: random.Random, on: date) -> list[dict[str, Any]]:
        c = {"reception_centre": "Fedasil Bierset", "asylum_applied_on": on - timedelta(days=980),
             "procedure_status": ProcedureStatus.refused, "languages": "Albanian, Italian"}
        fam = ("Leka", None)
        return [
            person(HouseholdRole.principal, ("Gentian", None), fam, Sex.male,
                   date(on.year - 44, 3, 14), "AL", place_of_birth="Durrës",
                   phone="+32 477 18 42 90", oe_number=AFTER_RETURN_MARKER_OE, **c),
            person(HouseholdRole.spouse, ("Entela", None), fam, Sex.female,
                   date(on.year - 40, 10, 2), "AL", place_of_birth="Kavajë", **c),
            person(HouseholdRole.child, ("Ardit", None), fam, Sex.male,
                   on - timedelta(days=15 * 365 + 120), "AL", place_of_birth="Durrës",
                   vulnerabilities=[V.minor], **{**c, "languages": "Albanian, French"}),
            person(HouseholdRole.child, ("Sara", None), fam, Sex.female,
                   on - timedelta(days=9 * 365 + 40), "AL", place_of_birth="Durrës",
                   vulnerabilities=[V.minor], **{**c, "languages": "Albanian, French"}),
        ]

    rng = Rng(f"{DEMO_SEED}:after:leka")
    leka_after = AfterReturn(
        S.in_implementation, 245,
        lines=(
            Line(K.business, "Second-hand van for a removals and delivery service",
                 "780.00", L.delivered, 0, "AutoKlik Durrës sh.p.k."),
            Line(K.housing, "Three months' rent of a flat in Shkozet", "360.00",
                 L.delivered, 0),
            Line(K.education, "School books and uniform for Sara", "95.50", L.in_progress, 3,
                 "Libraria Adrion, Durrës"),
            Line(K.administrative_assistance, "Translation and apostille of Ardit's Belgian "
                 "school reports", "64.00", L.delivered, 2, "Studio Përkthimi Albatros"),
            Line(K.medical, "Dental treatment for Entela", "120.00", L.planned, 1,
                 "Klinika Dentare Durrës"),
        ),
        services=(
            Service(0, "civil_registration", Sv.completed, "Registered at the civil status "
                    "office of Durrës.", "2.00"),
            Service(1, "civil_registration", Sv.completed, "Registered at the civil status "
                    "office of Durrës.", "2.00"),
            Service(0, "id_card", Sv.completed, "ID card issued.", "10.00"),
            Service(1, "id_card", Sv.completed, "ID card issued.", "10.00"),
            Service(0, "health_insurance", Sv.completed, "Registered with the Compulsory "
                    "Health Insurance Fund (FSDKSH)."),
            Service(1, "health_insurance", Sv.completed, "Registered with the Compulsory "
                    "Health Insurance Fund (FSDKSH)."),
            Service(2, "diploma_recognition", Sv.completed, "Belgian school years recognised "
                    "by the Ministry of Education; enrolled in grade 10.", "15.00"),
            Service(3, "school_enrolment", Sv.in_progress),
            Service(0, "employment_office", Sv.requested),
        ),
        levels=(0.42, 0.53, 0.61),
        summary="Removals and delivery business with a second-hand van; rent for the first "
                "months; school for both children.")
    plan = arrival_plan(rng, today - timedelta(days=leka_after.arrived_days_ago))
    people = leka(rng, plan.registered_on)
    numbers = _demo_numbers(201)
    for pos, row in enumerate(people):
        row["oe_number"] = row.get("oe_number") or numbers.oe()
        _documents(rng, row, pos, numbers, valid_from)
    made = DemoCase("leka", "iom-brussels", "AL", "Durrës", Outcome(S.arrival_confirmed),
                    plan, people, "liege", seed=201, after=leka_after)
    _add_schools(made, rng)
    specs.append(made)

    generated("after-al-drafted", "petit-chateau", "AL", 3, AfterReturn(
        S.plan_drafted, 47,
        lines=(
            Line(K.business, "Greenhouse materials and seedlings for vegetable farming",
                 "850.00", supplier="Agro Shkodra sh.p.k."),
            Line(K.housing, "Roof repair of the family house", "430.00"),
        ),
        services=(Service(0, "civil_registration", Sv.requested),
                  Service("partner", "civil_registration", Sv.requested))), 202)

    generated("after-xk-drafted", "caritas-be", "XK", 4, AfterReturn(
        S.plan_drafted, 72,
        lines=(
            Line(K.business, "Tools and a welding machine for a metalwork workshop",
                 "990.00", supplier="Metali Pejë SH.P.K."),
            Line(K.education, "Kindergarten fees for the youngest child", "180.00",
                 person="youngest"),
        ),
        services=(Service(0, "id_card", Sv.in_progress),
                  Service("eldest", "school_enrolment", Sv.requested)),
        levels=(0.38,)), 203)

    generated("after-mk-submitted-over", "iom-brussels", "MK", 5, AfterReturn(
        S.plan_submitted, 84,
        lines=(
            Line(K.business, "Minibus share and licence for passenger transport",
                 "1450.00", supplier="Auto Centar Kumanovo DOOEL"),
            Line(K.housing, "Six months' rent while the family house is repaired", "540.00"),
            Line(K.medical, "Physiotherapy for a back injury of the principal", "210.00",
                 person=0),
        ),
        services=(Service(0, "civil_registration", Sv.completed,
                          "Entered in the register of births, marriages and deaths."),
                  Service(0, "id_card", Sv.in_progress)),
        levels=(0.36,), partial_visit=0,
        over_budget_reason="Five people, the principal needing physiotherapy: the transport "
                           "licence alone costs most of the budget, and without rent the "
                           "family has nowhere to stay until the house is repaired."),
        204, partner_index=1)

    generated("after-rs-submitted", "caritas-be", "RS", 3, AfterReturn(
        S.plan_submitted, 103,
        lines=(
            Line(K.business, "Sewing machines and fabric for a tailoring workshop",
                 "920.00", supplier="Singer centar Niš"),
            Line(K.administrative_assistance, "Notary fees for registering the workshop",
                 "85.00"),
            Line(K.education, "Vocational course in bookkeeping", "240.00"),
        ),
        services=(Service(0, "civil_registration", Sv.completed,
                          "Entered in the register of citizens."),
                  Service(0, "id_card", Sv.requested),
                  Service(0, "job_seeking", Sv.in_progress)),
        levels=(0.41,),
        returned_note="Please add the supplier's quote for the sewing machines and say who "
                      "keeps the workshop's books."), 205)

    generated("after-xk-approved", "iom-brussels", "XK", 4, AfterReturn(
        S.plan_approved, 130,
        lines=(
            Line(K.business, "Two cows and fodder for the first winter", "1100.00",
                 L.in_progress, supplier="Ferma Bytyqi, Podujevë"),
            Line(K.medical, "Glasses and an eye test for the eldest child", "75.00",
                 person="eldest", supplier="Optika Dardania"),
            Line(K.administrative_assistance, "Fees for the land registry extract",
                 "30.00"),
        ),
        services=(Service(0, "civil_registration", Sv.completed, "Registered.", "1.50"),
                  Service(0, "permanent_residence", Sv.in_progress),
                  Service("partner", "accompaniment", Sv.not_possible,
                          "The municipal social worker was on leave for two months; "
                          "the family went on their own.")),
        levels=(0.44, 0.49)), 206)

    generated("after-al-approved", "caritas-be", "AL", 3, AfterReturn(
        S.plan_approved, 160,
        lines=(
            Line(K.business, "Coffee machine and furniture for a small café", "1180.00",
                 supplier="Bar Equipment Tirana"),
            Line(K.housing, "Two months' rent in Tiranë", "280.00"),
        ),
        services=(Service(0, "civil_registration", Sv.completed, "Registered.", "2.00"),
                  Service(0, "social_welfare", Sv.requested)),
        levels=(0.40,)), 207)

    generated("after-mk-implementation", "petit-chateau", "MK", 4, AfterReturn(
        S.in_implementation, 200,
        lines=(
            Line(K.business, "Stock and a stall at the Bit Pazar market", "760.00",
                 L.delivered, supplier="Pazar Trade DOOEL"),
            Line(K.housing, "Windows and a stove for the winter", "410.00", L.in_progress),
            Line(K.education, "Preparatory classes for the second child", "150.00",
                 L.planned, person="youngest"),
            Line(K.psychosocial, "Counselling sessions at a family centre", "120.00",
                 L.cancelled),
        ),
        services=(Service(0, "civil_registration", Sv.completed, "Registered.", "3.00"),
                  Service(0, "id_card", Sv.completed, "ID card issued.", "8.00"),
                  Service(0, "health_insurance", Sv.in_progress),
                  Service("youngest", "school_enrolment", Sv.requested)),
        levels=(0.45, 0.55, 0.62)), 208, partner_index=0)

    generated("after-rs-implementation-over", "iom-brussels", "RS", 5, AfterReturn(
        S.in_implementation, 215,
        lines=(
            Line(K.business, "Tractor attachment and seed for a raspberry plantation",
                 "1320.00", L.delivered, supplier="Agroprodukt Arilje"),
            Line(K.housing, "Repair of the family house after the winter", "480.00",
                 L.in_progress),
            Line(K.medical, "Medical check-ups for the youngest child", "195.00",
                 L.delivered, person="youngest"),
        ),
        services=(Service(0, "civil_registration", Sv.completed, "Registered."),
                  Service(0, "id_card", Sv.completed, "ID card issued.", "12.50"),
                  Service(0, "employment_office", Sv.in_progress)),
        levels=(0.39, 0.47),
        over_budget_reason="Large household: the plantation "
                           "is the family's only income and the house must be repaired "
                           "before winter."), 209)

    generated("after-xk-monitoring", "caritas-be", "XK", 3, AfterReturn(
        S.monitoring, 300,
        lines=(
            Line(K.business, "Hairdressing salon equipment", "890.00", L.delivered,
                 supplier="Beauty Pro Prishtinë"),
            Line(K.housing, "Deposit and first months' rent of the salon", "360.00",
                 L.delivered),
            Line(K.vocational_training, "Advanced hairdressing course", "180.00",
                 L.cancelled),
            Line(K.administrative_assistance, "Business registration fees", "25.00",
                 L.delivered),
        ),
        services=(Service(0, "civil_registration", Sv.completed, "Registered.", "1.00"),
                  Service(0, "id_card", Sv.completed, "ID card issued.", "10.00"),
                  Service(0, "social_welfare", Sv.not_possible,
                          "Not eligible: the salon's income is above the threshold.")),
        levels=(0.45, 0.55, 0.68)), 210)

    generated("after-mk-monitoring", "iom-brussels", "MK", 4, AfterReturn(
        S.monitoring, 330,
        lines=(
            Line(K.business, "Beehives and honey extractor", "820.00", L.delivered,
                 supplier="Pčelarstvo Bitola"),
            Line(K.medical, "Specialist check-ups for the youngest child", "140.00",
                 L.delivered, person="youngest"),
            Line(K.education, "School transport for a year", "200.00", L.cancelled,
                 person="eldest"),
        ),
        services=(Service(0, "civil_registration", Sv.completed, "Registered."),
                  Service(0, "id_card", Sv.completed, "ID card issued.", "8.00"),
                  Service(0, "health_insurance", Sv.completed,
                          "Registered with the Health Insurance Fund."),
                  Service("eldest", "school_enrolment", Sv.not_possible,
                          "The school asked for documents the family could not get in "
                          "time; to try again next school year.")),
        levels=(0.40, 0.48, 0.57)), 211, partner_index=1)

    generated("after-al-closed", "petit-chateau", "AL", 4, AfterReturn(
        S.closed, 425,
        lines=(
            Line(K.business, "Fishing boat engine and nets", "1050.00", L.delivered,
                 supplier="Marine Vlora sh.p.k."),
            Line(K.housing, "Insulation and a heater for the house", "300.00", L.delivered),
            Line(K.education, "School supplies for the children", "90.00", L.delivered,
                 person="eldest"),
            Line(K.medical, "Follow-up with a cardiologist", "60.00", L.cancelled),
        ),
        services=(Service(0, "civil_registration", Sv.completed, "Registered.", "2.00"),
                  Service(0, "id_card", Sv.completed, "ID card issued.", "10.00"),
                  Service(0, "health_insurance", Sv.completed, "Registered."),
                  Service("partner", "job_seeking", Sv.completed,
                          "Found seasonal work at a fish processing plant."),
                  Service("partner", "employment_office", Sv.not_possible,
                          "The office registers seasonal workers only after the season; to try "
                          "again in the autumn.")),
        levels=(0.43, 0.52, 0.61, 0.70)), 212)
    return specs


# -- running a household's life after the return -----------------------------------------
VISIT_NOTES = [
    "Visited the family at home; everyone present. The children go to school.",
    "Met the principal at the office; the business is starting slowly.",
    "Home visit: the house is in better shape than at the last visit.",
    "Phone call with the principal; the family is settling in.",
]
NEXT_STEPS = [
    "Check the supplier's delivery next week.",
    "Follow up on the health insurance registration.",
    "Help with the school enrolment of the youngest.",
    "None for now; next visit as scheduled.",
]
# How far each dimension's answers sit from the level of a survey: the economic situation is
# usually the hardest part after a return.
DIMENSION_BIAS = {Dimension.economic: -0.08, Dimension.social: 0.04,
                  Dimension.psychosocial: 0.04}


def survey_answers(rss: RssVersion, level: float, household: list[dict[str, Any]],
                   on: date, partial: bool = False) -> dict[int, int | None]:
    """Answers whose composite score is about `level`, the same household answering alike
    from one survey to the next (a higher level never gives a lower answer). A partial survey
    leaves the psychosocial questions unanswered; a household without school-age children
    leaves the school question unanswered, as the questionnaire asks."""
    school_age = any(row["role"] is HouseholdRole.child
                     and 6 <= (on - row["date_of_birth"]).days // 365 <= 17 for row in household)
    answers: dict[int, int | None] = {}
    for n, indicator in enumerate(rss.indicators):
        if (partial and indicator.dimension is Dimension.psychosocial) or (
                indicator.code == "children_in_school" and not school_age):
            answers[indicator.id] = None
            continue
        options = sorted(indicator.options, key=lambda o: o.score)
        steps = len(options) - 1
        dither = (n * 0.618034) % 1 - 0.5  # spread evenly, the same every time
        target = level + DIMENSION_BIAS[indicator.dimension]
        step = max(0, min(steps, int(target * steps + dither + 0.5)))
        answers[indicator.id] = options[step].id
    return answers


@dataclass(order=True)
class _Step:
    day: date
    priority: int  # on one day: plan moves first, then the rest, then the closing moves
    order: int
    act: Callable[[], list[Any]] = field(compare=False)  # returns rows to backdate


class _Timeline:
    def __init__(self) -> None:
        self.steps: list[_Step] = []

    def add(self, day: date, act: Callable[[], list[Any]], priority: int = 1) -> None:
        self.steps.append(_Step(day, priority, len(self.steps), act))


def _spread(rng: random.Random, start: date, end: date, count: int) -> list[date]:
    """`count` days from `start` to `end`, in order."""
    span = max((end - start).days, 0)
    return sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(count))


def run_after_return(case: Case, spec: Any, *, officer: User, manager: User,
                     today: date) -> None:
    """Take an arrived case on after the return, as `spec.after` says (see AfterReturn)."""
    from caseflow.demo.cases import DEMO_SEED, Rng, _at, _backdate

    after: AfterReturn = spec.after
    rng = Rng(f"{DEMO_SEED}:after-run:{spec.key}")
    arrived = case.arrived_on
    assert arrived is not None
    reach = PLAN_STAGES.index(after.stage)
    end = today - timedelta(days=3)  # the last day anything happens on
    timeline = _Timeline()

    def move(name: str, **values: Any) -> Callable[[], list[Any]]:
        def act() -> list[Any]:
            workflow.transition(case, name, by=manager if name in (
                "return_plan", "approve_plan") else officer, data=values)
            return [case.plan] if name == "draft_plan" else []
        return act

    # The plan: drafted, its lines added, submitted (maybe sent back once), approved, ...
    day = arrived + timedelta(days=rng.randint(8, 15))
    timeline.add(day, move("draft_plan"), priority=0)
    for line in after.lines:
        timeline.add(day, _adder(case, line, officer))
    over = after.over_budget_reason
    if reach >= 1:
        day += timedelta(days=rng.randint(6, 12))
        timeline.add(day, move("submit_plan", over_budget_reason=over), priority=0)
        if after.returned_note:
            day += timedelta(days=rng.randint(3, 7))
            timeline.add(day, move("return_plan", note=after.returned_note), priority=0)
            day += timedelta(days=rng.randint(3, 6))
            timeline.add(day, move("submit_plan", over_budget_reason=over), priority=0)
    approved_on = None
    if reach >= 2:
        day += timedelta(days=rng.randint(5, 12))
        approved_on = day
        timeline.add(day, move("approve_plan", plan_approved_on=day,
                               approve_over_budget=bool(over)), priority=0)
    if reach >= 3:
        day += timedelta(days=rng.randint(3, 7))
        timeline.add(day, move("start_implementation"), priority=0)
    monitoring_on = None
    if reach >= 4:
        monitoring_on = min(day + timedelta(days=rng.randint(120, 160)), end)
        timeline.add(monitoring_on, move("start_monitoring"), priority=2)
    if day >= end:
        raise RuntimeError(f"demo case {spec.key}: arrival too recent for its plan")

    # Delivery of the approved plan's lines, before monitoring.
    if approved_on is not None:
        last_delivery = (monitoring_on or end + timedelta(days=1)) - timedelta(days=1)
        for line in after.lines:
            if line.status is L.planned:
                continue
            first, second = _spread(rng, approved_on + timedelta(days=1), last_delivery, 2)
            if line.status is L.delivered:
                if rng.random() < 0.6 and first < second:
                    timeline.add(first, _line_update(case, line, L.in_progress, officer))
                timeline.add(second, _line_update(case, line, L.delivered, officer, second))
            else:
                timeline.add(first, _line_update(case, line, line.status, officer))

    # Follow-up visits: the first ones done (a few days around their due date), the
    # others left as they are (overdue when their due date has passed).
    visits = list(case.visits)
    rss = current_rss_version()
    last_visit = arrived
    for n, level in enumerate(after.levels):
        visit = visits[n]
        done_on = max(arrived + timedelta(days=1),
                      min(visit.due_on + timedelta(days=rng.randint(-3, 6)), end))
        if visit.due_on > end:
            raise RuntimeError(f"demo case {spec.key}: visit {n + 1} is not due yet")
        last_visit = max(last_visit, done_on)
        partial = n == after.partial_visit
        timeline.add(done_on, _visit(visit, officer, done_on, partial, level, rss, spec.people,
                                     n))

    # Closing: after the last visit (a year after the return).
    closed_on = None
    if after.stage is S.closed:
        closed_on = last_visit + timedelta(days=rng.randint(4, 12))
        if closed_on > end or monitoring_on is None or closed_on <= monitoring_on:
            raise RuntimeError(f"demo case {spec.key}: no room to close")
        timeline.add(closed_on, move(
            "close", closure_reason=ClosureReason.completed.value,
            optional_note="Reintegration plan completed; last follow-up visit done."),
            priority=3)

    # Administrative assistance, dependencies completed first for the same person.
    last_service = (closed_on - timedelta(days=1)) if closed_on else end
    types = {t.code: t for t in db.session.scalars(select(ServiceType))}
    completed: dict[tuple[int, str], date] = {}
    for service in after.services:
        service = replace(service, person=_position(case, service.person))
        service_type = types[service.code]
        requested_on = arrived + timedelta(days=rng.randint(3, 25))
        after_dependency = completed.get((service.person, service_type.depends_on.code)) \
            if service_type.depends_on else None
        if after_dependency is not None:
            requested_on = max(requested_on, after_dependency - timedelta(days=5))
        request: list[Any] = []
        timeline.add(requested_on, _requester(case, service, service_type, requested_on,
                                              officer, request))
        if service.status is Sv.requested:
            continue
        done_on = min(requested_on + timedelta(days=rng.randint(6, 30)), last_service)
        if after_dependency is not None:
            done_on = max(done_on, after_dependency + timedelta(days=rng.randint(2, 9)))
        if done_on > last_service or done_on <= requested_on:
            raise RuntimeError(f"demo case {spec.key}: no room for {service.code}")
        if service.status is Sv.in_progress or rng.random() < 0.5:
            middle = requested_on + timedelta(days=max(1, (done_on - requested_on).days // 3))
            timeline.add(middle if service.status is not Sv.in_progress else done_on,
                         _service_update(request, Sv.in_progress, officer))
        if service.status is Sv.completed:
            completed[(service.person, service.code)] = done_on
            timeline.add(done_on, _service_update(request, Sv.completed, officer, done_on,
                                                  service.outcome, service.fees))
        elif service.status is Sv.not_possible:
            timeline.add(done_on, _service_update(request, Sv.not_possible, officer,
                                                  outcome=service.outcome))

    # Everything in date order, each step's history rows moved back to its day.
    last: datetime = case.events[-1].at
    for step in sorted(timeline.steps):
        if step.day >= today:
            raise RuntimeError(f"demo case {spec.key}: a step falls on {step.day}")
        before = len(case.events)
        rows = step.act()
        for event in case.events[before:]:
            last = event.at = _at(step.day, rng, last)
        for row in rows:
            _backdate(row, created_at=last)
        if case.closed_at is not None:
            _backdate(case, closed_at=last)
    if after.summary and case.plan is not None:
        _backdate(case.plan, summary=after.summary)
    _backdate(case, updated_at=last)
    workflow.recompute_stage_days(case)
    db.session.flush()


def _position(case: Case, ref: int | str) -> int:
    """A household position from a position or a role: "partner" (the spouse, or another
    adult, or else the principal), "eldest" or "youngest" (child; else the principal)."""
    if isinstance(ref, int):
        return ref
    people = case.beneficiaries
    children = [p.position for p in people if p.role is HouseholdRole.child]
    if ref == "partner":
        return next((p.position for p in people[1:] if p.role is not HouseholdRole.child), 0)
    if not children:
        return 0
    return children[0] if ref == "eldest" else children[-1]


def _adder(case: Case, line: Line, officer: User) -> Callable[[], list[Any]]:
    def act() -> list[Any]:
        person = case.beneficiaries[_position(case, line.person)].id \
            if line.person is not None else None
        made = add_line(case, LineData(line.kind, line.description, line.amount, person,
                                       line.supplier), by=officer)
        return [made]
    return act


def _line_update(case: Case, line: Line, status: LineStatus, officer: User,
                 delivered_on: date | None = None) -> Callable[[], list[Any]]:
    def act() -> list[Any]:
        assert case.plan is not None
        row = next(r for r in case.plan.lines if r.description == line.description)
        update_line_status(case, row, status, by=officer, delivered_on=delivered_on)
        return []
    return act


def _requester(case: Case, service: Service, service_type: ServiceType, requested_on: date,
               officer: User, made: list[Any]) -> Callable[[], list[Any]]:
    def act() -> list[Any]:
        person = case.beneficiaries[service.person]
        made.append(request_service(case, person.id, service_type.id, requested_on,
                                    by=officer))
        return list(made)
    return act


def _service_update(made: list[Any], status: ServiceStatus, officer: User,
                    completed_on: date | None = None, outcome: str | None = None,
                    fees: str | None = None) -> Callable[[], list[Any]]:
    def act() -> list[Any]:
        update_service(made[0], status, by=officer, outcome=outcome,
                       completed_on=completed_on, fees_paid=fees)
        return []
    return act


def _visit(visit: FollowUpVisit, officer: User, done_on: date, partial: bool, level: float,
           rss: RssVersion | None, household: list[dict[str, Any]], n: int
           ) -> Callable[[], list[Any]]:
    def act() -> list[Any]:
        answers = survey_answers(rss, level, household, done_on, partial) \
            if rss is not None else None
        mode = VisitMode.phone if partial else (VisitMode.office if n % 3 == 1
                                                else VisitMode.home_visit)
        notes = "Phone call cut short: the psychosocial questions are for the next visit." \
            if partial else VISIT_NOTES[n % len(VISIT_NOTES)]
        record_visit(visit, by=officer, done_on=done_on, mode=mode, notes=notes,
                     next_steps=NEXT_STEPS[n % len(NEXT_STEPS)], answers=answers)
        return [visit.survey] if visit.survey is not None else []
    return act


def after_return_loaded() -> bool:
    return db.session.scalar(select(Beneficiary.id).where(
        Beneficiary.oe_number == AFTER_RETURN_MARKER_OE).limit(1)) is not None

