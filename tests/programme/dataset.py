"""A small programme whose every figure is known, for checking the report by hand.

Cases are registered through the registration service (so they have a household), then
their history is written as rows with chosen dates: the report reads dates the services
would stamp "now", so a walk through the workflow could not give known durations. The
expected figures are worked out in the comments and in EXPECTED.

Period: 2025. Today (for due and overdue visits): 15 January 2026.

case  office partner country  stays that end (days)                       stage now
c1    O1     P1      AL       registered 2, counselling 1.5, submitted 5.5 arrival_confirmed
c2    O1     P1      AL       registered 4, counselling 3, submitted 10   departed
c3    O1     -       AL       registered 6, counselling 5                 application_submitted
c4    O1     P2      RS       registered 8, counselling 21, submitted 2   departed
c5    O2     P1      AL       registered 10                               counselling
c6    O1     -       AL       everything in 2024                          closed (2024)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.assistance.models import ServiceRequest, ServiceStatus, ServiceType
from caseflow.cases import workflow
from caseflow.cases.models import Case, CaseEvent, CaseStatus, ClosureReason, EventKind
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit, RssSurvey, RssVersion, VisitMode
from caseflow.programme.report import ReportFilters
from caseflow.reintegration.models import LineStatus, PlanLine, ReintegrationPlan, SupportKind
from tests import factories

S = CaseStatus
PERIOD = ReportFilters(date(2025, 1, 1), date(2025, 12, 31))
TODAY = date(2026, 1, 15)


def at(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class Programme:
    o1: Office
    o2: Office
    p1: Office
    p2: Office
    manager: User  # of O1
    admin: User
    caseworker: User
    officer: User  # of P1
    cases: dict[str, Case]


def _history(case: Case, stays: list[tuple[CaseStatus, datetime]], by: User) -> None:
    """Replace the case's stage history by `stays` (stage, entered at)."""
    created = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                        CaseEvent.kind == EventKind.created))
    assert created is not None
    created.at = stays[0][1]
    case.registered_at = stays[0][1]
    previous, since = stays[0]
    for stage, entered in stays[1:]:
        db.session.add(CaseEvent(case=case, kind=EventKind.transition, by=by,
                                 from_status=previous, to_status=stage, at=entered,
                                 version=case.version,
                                 stage_days=workflow.stage_days(since, entered)))
        previous, since = stage, entered


def _case(by: User, office: Office, country: str, stays: list[tuple[CaseStatus, datetime]],
          manager: User, partner: Office | None = None, **fields: Any) -> Case:
    case = factories.make_case(by=by, country=country)
    case.office_id = office.id
    _history(case, stays, by)
    status = stays[-1][0]
    if status not in (S.registered, S.counselling, S.application_submitted, S.closed):
        fields.setdefault("decision_on", stays[3][1].date())
        fields.setdefault("decided_by_id", manager.id)
    if partner is not None:
        fields["partner_id"] = partner.id
    for name, value in fields.items():
        setattr(case, name, value)
    case.status = status
    db.session.flush()
    return case


def _path(start: str, days: list[float], stages: list[CaseStatus]) -> list[tuple[CaseStatus,
                                                                               datetime]]:
    """Stages entered one after the other, `days[i]` days spent in `stages[i]`."""
    moment = at(start)
    out = [(stages[0], moment)]
    for stage, spent in zip(stages[1:], days, strict=True):
        moment = moment + timedelta(days=spent)
        out.append((stage, moment))
    return out


TO_DEPARTED = [S.registered, S.counselling, S.application_submitted, S.approved, S.referred,
               S.accepted_by_partner, S.travel_booked, S.departed]


def build() -> Programme:
    o1 = factories.make_office(kind=OfficeKind.sending, name="Return desk Brussels")
    o2 = factories.make_office(kind=OfficeKind.sending, name="Return desk Ghent")
    p1 = factories.make_office(kind=OfficeKind.partner, country="AL", name="Partner Tirana")
    p2 = factories.make_office(kind=OfficeKind.partner, country="RS", name="Partner Belgrade")
    caseworker = factories.make_user(Role.caseworker, office=o1)
    caseworker2 = factories.make_user(Role.caseworker, office=o2)
    manager = factories.make_user(Role.manager, office=o1)
    officer = factories.make_user(Role.reintegration_officer, office=p1)
    admin = factories.make_user(Role.admin)

    cases: dict[str, Case] = {}
    # c1: registered 2, counselling 1.5, submitted 5.5, approved 1, referred 1, accepted 1,
    # travel_booked 7, departed 2, then arrival_confirmed (still).
    cases["c1"] = _case(caseworker, o1, "AL", _path(
        "2025-03-01", [2, 1.5, 5.5, 1, 1, 1, 7, 2], [*TO_DEPARTED, S.arrival_confirmed]),
        manager, p1, departed_on=date(2025, 3, 20), arrived_on=date(2025, 3, 22))
    # c2: registered 4, counselling 3, submitted 10, approved 2, referred 1, accepted 4,
    # travel_booked 7, departed (still).
    cases["c2"] = _case(caseworker, o1, "AL", _path(
        "2025-04-01", [4, 3, 10, 2, 1, 4, 7], TO_DEPARTED), manager, p1,
        departed_on=date(2025, 5, 2))
    # c3: registered 6, counselling 5, application submitted (still).
    cases["c3"] = _case(caseworker, o1, "AL", _path(
        "2025-05-01", [6, 5], [S.registered, S.counselling, S.application_submitted]), manager,
        application_submitted_on=date(2025, 5, 12))
    # c4: registered 8, counselling 21, submitted 2, approved 1, referred 1, accepted 1,
    # travel_booked 10, departed (still).
    cases["c4"] = _case(caseworker, o1, "RS", _path(
        "2025-06-01", [8, 21, 2, 1, 1, 1, 10], TO_DEPARTED), manager, p2,
        departed_on=date(2025, 7, 15))
    # c5 (office O2): registered 10, counselling (still).
    cases["c5"] = _case(caseworker2, o2, "AL", _path(
        "2025-02-01", [10], [S.registered, S.counselling]), manager, p1)
    # c6: registered and closed in 2024: outside the period everywhere.
    cases["c6"] = _case(caseworker, o1, "AL", _path("2024-01-01", [31],
                                                     [S.registered, S.closed]), manager,
                        closed_at=at("2024-02-01"), closed_from=S.registered,
                        closure_reason=ClosureReason.opted_out)

    types = {t.code: t for t in db.session.scalars(select(ServiceType))}

    def service(case: Case, code: str, requested: str, status: ServiceStatus,
                completed: str | None = None) -> None:
        db.session.add(ServiceRequest(
            case_id=case.id, beneficiary_id=case.beneficiaries[0].id,
            service_type_id=types[code].id, partner_id=p1.id,
            requested_on=date.fromisoformat(requested), status=status,
            completed_on=date.fromisoformat(completed) if completed else None,
            created_by_id=officer.id))

    c1, c2 = cases["c1"], cases["c2"]
    done = ServiceStatus.completed
    service(c1, "civil_registration", "2025-03-25", done, "2025-04-04")  # 10 days
    service(c1, "id_card", "2025-03-25", done, "2025-04-24")  # 30 days
    service(c1, "health_insurance", "2025-04-01", ServiceStatus.not_possible)
    service(c2, "civil_registration", "2025-05-10", done, "2025-05-14")  # 4 days
    service(c2, "id_card", "2025-05-10", ServiceStatus.in_progress)
    service(c1, "civil_registration", "2024-12-20", done, "2025-01-05")  # requested before

    def plan(case: Case, approved: str, lines: list[tuple[SupportKind, str, LineStatus,
                                                           str | None]]) -> None:
        made = ReintegrationPlan(case_id=case.id, created_by_id=officer.id,
                                 approved_on=date.fromisoformat(approved),
                                 approved_by_id=manager.id, approved_budget=Decimal("5000"),
                                 approved_ceiling=Decimal("5000"), entitlement_version=1)
        db.session.add(made)
        db.session.flush()
        for kind, amount, status, delivered in lines:
            db.session.add(PlanLine(plan_id=made.id, kind=kind, description="Support",
                                    amount=Decimal(amount), status=status,
                                    delivered_on=date.fromisoformat(delivered)
                                    if delivered else None))

    plan(c1, "2025-03-28", [
        (SupportKind.business, "1500.00", LineStatus.delivered, "2025-04-15"),
        (SupportKind.housing, "800.00", LineStatus.planned, None),
        (SupportKind.medical, "200.00", LineStatus.cancelled, None)])
    plan(c2, "2025-06-01", [
        (SupportKind.education, "300.00", LineStatus.delivered, "2025-06-10"),
        (SupportKind.housing, "450.00", LineStatus.delivered, "2026-01-05")])

    rss = db.session.scalar(select(RssVersion).order_by(RssVersion.version))
    assert rss is not None

    def visit(case: Case, sequence: int, due: str, done_on: str | None = None,
              scores: tuple[str | None, ...] | None = None) -> None:
        made = FollowUpVisit(case_id=case.id, sequence=sequence, months_after_arrival=sequence,
                             due_on=date.fromisoformat(due), schedule_version=1,
                             done_on=date.fromisoformat(done_on) if done_on else None,
                             mode=VisitMode.phone if done_on else None,
                             officer_id=officer.id if done_on else None)
        db.session.add(made)
        db.session.flush()
        if scores:
            economic, social, psychosocial, composite = (
                Decimal(s) if s is not None else None for s in scores)
            db.session.add(RssSurvey(visit_id=made.id, version_id=rss.id, economic=economic,
                                     social=social, psychosocial=psychosocial,
                                     composite=composite, answered=10, total=20))

    visit(c1, 1, "2025-04-22", "2025-04-25", ("0.5000", "0.7000", "0.6000", "0.6000"))
    visit(c1, 2, "2025-06-22", "2025-06-30", ("0.7000", "0.9000", None, "0.8000"))
    visit(c1, 3, "2025-09-22")  # overdue on TODAY
    visit(c1, 4, "2026-01-20")  # due in the week of TODAY
    visit(c2, 1, "2025-12-01")  # not counted: c2 has not arrived (not after arrival)
    db.session.flush()
    return Programme(o1=o1, o2=o2, p1=p1, p2=p2, manager=manager, admin=admin,
                     caseworker=caseworker, officer=officer, cases=cases)
