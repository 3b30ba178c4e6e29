"""The demo households after their return: plans, services and follow-up visits made by
`flask demo load` through the real services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from caseflow.assistance.models import ServiceRequest, ServiceStatus
from caseflow.cases.models import Case, CaseEvent, CaseStatus, ClosureReason, EventKind
from caseflow.demo.after_return import AFTER_RETURN_MARKER_OE
from caseflow.demo.services import load_demo
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, RssAnswer, RssSurvey
from caseflow.people.models import Beneficiary, HouseholdRole
from caseflow.reintegration.models import LineStatus, PlanLine, ReintegrationPlan, SupportKind
from caseflow.reintegration.services import budget_of

S = CaseStatus
PLAN_STAGES = {S.plan_drafted, S.plan_submitted, S.plan_approved, S.in_implementation,
               S.monitoring}
PARTNER_COUNTRY = {"IOM Tirana": "AL", "IOM Skopje": "MK", "C.S.I. Nadez": "MK",
                   "IOM Pristina": "XK", "Caritas Serbia": "RS"}


@pytest.fixture
def loaded():
    load_demo()
    db.session.flush()


def after_return_cases() -> list[Case]:
    return list(db.session.scalars(select(Case).join(ReintegrationPlan)
                                   .order_by(Case.id)).unique())


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_cases_in_every_stage_after_the_return(loaded):
    cases = after_return_cases()
    assert len(cases) >= 10
    statuses = {c.status for c in cases}
    assert statuses >= PLAN_STAGES
    closed = [c for c in cases if c.status is S.closed]
    assert closed and all(c.closure_reason is ClosureReason.completed
                          and c.closed_from is S.monitoring for c in closed)
    today = date.today()
    for case in cases:
        assert case.partner is not None
        assert PARTNER_COUNTRY[case.partner.name] == case.country_of_return
        months = (today - case.arrived_on).days / 30.4
        assert 1 <= months <= 14.5, case.number
        events = case.events
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert case.updated_at == events[-1].at
        assert case.version == 1 + sum(e.kind is not EventKind.session_logged
                                       for e in events[1:])
        moves = [e for e in events if e.kind is EventKind.transition]
        assert moves[-1].to_status is case.status
        if case.status is S.closed:
            assert case.closed_at == moves[-1].at
            assert moves[-2].to_status is S.monitoring


def test_plans_lines_and_budgets(loaded):
    cases = after_return_cases()
    lines = db.session.scalars(select(PlanLine)).all()
    assert {line.status for line in lines} == set(LineStatus)
    assert {SupportKind.business, SupportKind.housing, SupportKind.education,
            SupportKind.medical, SupportKind.administrative_assistance} <= \
        {line.kind for line in lines}
    assert all(isinstance(line.amount, Decimal) and line.amount == line.amount.quantize(
        Decimal("0.01")) for line in lines)
    assert any(line.amount != line.amount.to_integral_value() for line in lines)
    over = [c for c in cases if c.plan.over_budget_reason]
    assert any(c.status is S.plan_submitted for c in over)
    for case in over:
        if case.status is S.plan_submitted:
            assert case.plan.committed > budget_of(case)
    for case in cases:
        statuses = {line.status for line in case.plan.lines}
        if case.status in (S.plan_drafted, S.plan_submitted):
            assert statuses == {LineStatus.planned} and case.plan.approved_on is None
        else:
            assert case.plan.approved_on is not None and case.plan.approved_by is not None
            assert case.plan.approved_ceiling >= case.plan.committed
        if case.status in (S.monitoring, S.closed):
            assert statuses <= {LineStatus.delivered, LineStatus.cancelled}
        for line in case.plan.lines:
            if line.status is LineStatus.delivered:
                assert case.arrived_on <= line.delivered_on < date.today()
    returned = [e for c in cases for e in c.events if e.kind is EventKind.transition
                and e.from_status is S.plan_submitted and e.to_status is S.plan_drafted]
    assert returned and returned[0].note


def test_services_in_every_status_with_dependencies_completed_first(loaded):
    requests = db.session.scalars(select(ServiceRequest)).all()
    assert {r.status for r in requests} == set(ServiceStatus)
    done = {(r.case_id, r.beneficiary_id, r.service_type_id): r.completed_on
            for r in requests if r.status is ServiceStatus.completed}
    for request in requests:
        assert request.requested_on >= request.case.arrived_on
        if request.status is ServiceStatus.completed:
            needed = request.service_type.depends_on
            if needed is not None:
                before = done.get((request.case_id, request.beneficiary_id, needed.id))
                assert before is not None and before <= request.completed_on, request.id
        if request.status is ServiceStatus.not_possible:
            assert request.outcome
    assert any(r.fees_paid is not None and r.fees_paid > 0 for r in requests)
    # One family has the whole chain civil registration -> ID card -> health insurance.
    chains = {}
    for request in requests:
        if request.status is ServiceStatus.completed:
            chains.setdefault(request.beneficiary_id, set()).add(request.service_type.code)
    assert any({"civil_registration", "id_card", "health_insurance"} <= codes
               for codes in chains.values())
    # A diploma recognised for a child who went to school in Belgium.
    diplomas = [r for r in requests if r.service_type.code == "diploma_recognition"
                and r.status is ServiceStatus.completed]
    assert any(r.beneficiary.role is HouseholdRole.child and r.beneficiary.school_records
               for r in diplomas)


def test_follow_up_visits_done_with_surveys_and_overdue(loaded):
    today = date.today()
    visits = db.session.scalars(select(FollowUpVisit).join(FollowUpVisit.case).where(
        Case.id.in_([c.id for c in after_return_cases()]))).all()
    done = [v for v in visits if v.done_on is not None]
    assert done and all(v.survey is not None and v.officer is not None for v in done)
    for visit in done:
        assert visit.case.arrived_on <= visit.done_on < today
        assert visit.survey.answered == len(visit.survey.answers) > 0
    overdue = [v for v in visits if v.done_on is None and v.due_on < today
               and v.case.status is not S.closed]
    assert overdue
    assert any(v.survey.answered < v.survey.total for v in done)
    # Scores go up over the visits of a household, as it settles.
    by_case: dict[int, list[Decimal]] = {}
    for visit in sorted(done, key=lambda v: v.sequence):
        by_case.setdefault(visit.case_id, []).append(visit.survey.composite)
    trends = [scores for scores in by_case.values() if len(scores) >= 3]
    assert trends
    for scores in trends:
        assert scores == sorted(scores) and scores[-1] - scores[0] >= Decimal("0.1")
        assert all(Decimal("0.3") <= s <= Decimal("0.8") for s in scores)


def test_second_load_creates_nothing(loaded):
    models = (Case, CaseEvent, ReintegrationPlan, PlanLine, ServiceRequest, FollowUpVisit,
              RssSurvey, RssAnswer)
    before = {m.__name__: count(m) for m in models}
    load_demo()
    db.session.flush()
    assert {m.__name__: count(m) for m in models} == before


def test_after_return_cases_come_on_top_of_an_older_demo_load():
    """A database loaded before the households after the return existed gets them."""
    load_demo()
    db.session.flush()
    cases = count(Case)
    marker = db.session.scalar(select(Beneficiary).where(
        Beneficiary.oe_number == AFTER_RETURN_MARKER_OE))
    for case in after_return_cases():
        db.session.delete(case)
    db.session.flush()
    assert db.session.get(Beneficiary, marker.id) is None
    load_demo()
    db.session.flush()
    assert count(Case) == cases
