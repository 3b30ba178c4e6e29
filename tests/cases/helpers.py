"""Building the people around a case and walking a case through its stages.

`make_world()` gives a sending office with a caseworker and a manager, and a partner
organisation in the country of return with a reintegration officer. `bring_to(case, stage,
world)` walks the happy path (or the short branch) to `stage` through `workflow.transition`,
with complete stage data from `stage_data()`.

Some moves need the case to be ready first; `prepare(case, move_name, world)` does what the
people would do before them: log a counselling session before "start_counselling", add a plan
line (as the partner's officer) before "submit_plan", deliver the open plan lines before
"start_monitoring". `move()` and `bring_to()` call it, so a case brought to "plan_drafted"
has a plan without lines and one brought to "in_implementation" has its lines still planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.cases import services, workflow
from caseflow.cases.models import Case, CaseEvent, CaseStatus, EventKind
from caseflow.extensions import db
from caseflow.reintegration import services as plans
from caseflow.reintegration.models import LineStatus, PlanLine, SupportKind
from tests import factories

S = CaseStatus
NOTES = {"note": "Explained to the family on the phone.",
         "optional_note": "Family agreed after a second talk."}


@dataclass
class World:
    office: Office
    caseworker: User
    manager: User
    partner: Office
    officer: User
    country: str = "AL"

    def user(self, role: Role | str) -> User:
        """A user of `role` who acts for the cases of this world (admins act for none)."""
        role = Role(role)
        if role is Role.caseworker:
            return self.caseworker
        if role is Role.manager:
            return self.manager
        if role is Role.reintegration_officer:
            return self.officer
        return factories.make_user(role=Role.admin)

    def actor_for(self, move_name: str) -> User:
        roles = workflow.MOVES_BY_NAME[move_name].roles
        if Role.caseworker in roles:
            return self.caseworker
        if Role.manager in roles:
            return self.manager
        return self.officer

    def new_case(self, **kwargs: Any) -> Case:
        return factories.make_case(by=self.caseworker, country=self.country, **kwargs)


def make_world(country: str = "AL") -> World:
    office = factories.make_office(kind=OfficeKind.sending)
    partner = factories.make_office(kind=OfficeKind.partner, country=country)
    return World(office=office,
                 caseworker=factories.make_user(Role.caseworker, office=office),
                 manager=factories.make_user(Role.manager, office=office),
                 partner=partner,
                 officer=factories.make_user(Role.reintegration_officer, office=partner),
                 country=country)


def iso(day: date) -> str:
    return day.isoformat()


def stage_data(move_name: str, world: World) -> dict[str, Any]:
    """Complete, valid stage data for a move, as a form would send it (text)."""
    today = iso(date.today())
    flight = {"flight_carrier": "Brussels Airlines", "flight_number": "SN 2911",
              "departure_airport": "Brussels (BRU)", "planned_departure_on": today,
              "escort_needed": True}
    data: dict[str, dict[str, Any]] = {
        "start_counselling": {},
        "submit_application": {"application_submitted_on": today},
        "approve": {"decision_on": today},
        "reject": {"decision_on": today, "rejection_reason": "Not eligible on this route."},
        "withdraw": {"note": NOTES["note"]},
        "resubmit": {"application_submitted_on": today, "note": NOTES["note"]},
        "refer": {"partner_id": str(world.partner.id), "referred_on": today},
        "accept_referral": {"partner_accepted_on": today},
        "book_travel": flight,
        "rebook_travel": {**flight, "flight_number": "JU 331",
                          "flight_carrier": "Air Serbia"},
        "confirm_departure": {"departed_on": today},
        "record_no_show": {"note": NOTES["note"]},
        "confirm_arrival": {"arrived_on": today},
        "hold": {"note": NOTES["note"]},
        "resume": {"optional_note": NOTES["optional_note"]},
        "close": {"closure_reason": "opted_out", "optional_note": NOTES["optional_note"]},
        "reopen": {"note": NOTES["note"]},
        "decline_referral": {"note": NOTES["note"]},
        "draft_plan": {},
        "submit_plan": {},
        "return_plan": {"note": NOTES["note"]},
        "approve_plan": {"plan_approved_on": today, "approve_over_budget": False},
        "start_implementation": {},
        "start_monitoring": {},
    }
    return dict(data[move_name])


# The stage data a move takes when every step of the path happens on one day (`dated`).
DATED_FIELDS = {"submit_application": "application_submitted_on", "approve": "decision_on",
                "refer": "referred_on", "accept_referral": "partner_accepted_on",
                "confirm_departure": "departed_on", "confirm_arrival": "arrived_on",
                "approve_plan": "plan_approved_on"}


# The moves that lead from "registered" to each stage.
_TO_SUBMITTED = ["start_counselling", "submit_application"]
_TO_BOOKED = [*_TO_SUBMITTED, "approve", "refer", "accept_referral", "book_travel"]
PATHS: dict[CaseStatus, list[str]] = {
    S.registered: [],
    S.counselling: ["start_counselling"],
    S.application_submitted: _TO_SUBMITTED,
    S.approved: [*_TO_SUBMITTED, "approve"],
    S.rejected: [*_TO_SUBMITTED, "reject"],
    S.withdrawn: [*_TO_SUBMITTED, "withdraw"],
    S.referred: [*_TO_SUBMITTED, "approve", "refer"],
    S.accepted_by_partner: [*_TO_SUBMITTED, "approve", "refer", "accept_referral"],
    S.travel_booked: _TO_BOOKED,
    S.departed: [*_TO_BOOKED, "confirm_departure"],
    S.no_show: [*_TO_BOOKED, "record_no_show"],
    S.arrival_confirmed: [*_TO_BOOKED, "confirm_departure", "confirm_arrival"],
}
PATHS[S.plan_drafted] = [*PATHS[S.arrival_confirmed], "draft_plan"]
PATHS[S.plan_submitted] = [*PATHS[S.plan_drafted], "submit_plan"]
PATHS[S.plan_approved] = [*PATHS[S.plan_submitted], "approve_plan"]
PATHS[S.in_implementation] = [*PATHS[S.plan_approved], "start_implementation"]
PATHS[S.monitoring] = [*PATHS[S.in_implementation], "start_monitoring"]

# The plan line `prepare` adds: administrative help costs nothing, so it fits every budget
# (a household returning to a visa-free country without a vulnerability has a budget of 0).
FREE_LINE = plans.LineData(SupportKind.administrative_assistance,
                           "Help to register with the municipality and health insurance",
                           "0.00")


def log_session(case: Case, by: User) -> None:
    services.log_counselling_session(case, services.SessionData(
        held_on=date.today(), language="Albanian", interpreter="A. Interpreter"), by=by)


def add_plan_line(case: Case, world: World, amount: Any = "0.00",
                  kind: SupportKind = SupportKind.administrative_assistance,
                  description: str | None = None, beneficiary_id: int | None = None
                  ) -> PlanLine:
    """A line of the draft plan, added by the partner's reintegration officer."""
    return plans.add_line(case, plans.LineData(
        kind, description or FREE_LINE.description, amount, beneficiary_id=beneficiary_id),
        by=world.officer)


def open_lines(case: Case) -> list[PlanLine]:
    return [line for line in (case.plan.lines if case.plan else [])
            if line.status in (LineStatus.planned, LineStatus.in_progress)]


def settle_lines(case: Case, world: World, on: date | None = None) -> None:
    """Deliver every open line of an approved plan (as the partner's officer)."""
    for line in open_lines(case):
        plans.update_line_status(case, line, LineStatus.delivered, by=world.officer,
                                 delivered_on=on or date.today())


def prepare(case: Case, move_name: str, world: World) -> None:
    """What people do before `move_name` so that the case meets its conditions."""
    if move_name == "start_counselling" and not case.sessions:
        log_session(case, world.caseworker)
    elif move_name == "submit_plan" and case.plan is not None and not case.plan.lines:
        add_plan_line(case, world)
    elif move_name == "start_monitoring":
        settle_lines(case, world)


def move(case: Case, move_name: str, world: World, by: User | None = None,
         **data: Any) -> CaseEvent:
    """Make one move with complete stage data; keyword arguments replace data fields."""
    prepare(case, move_name, world)
    return workflow.transition(case, move_name, by=by or world.actor_for(move_name),
                               data={**stage_data(move_name, world), **data})


def bring_to(case: Case, stage: CaseStatus, world: World,
             via: CaseStatus = S.registered, dated: date | None = None) -> Case:
    """Walk `case` (at "registered") to `stage`. On hold and closed are reached from `via`.

    With `dated`, every dated step of the path (application, decision, referral, acceptance,
    departure, arrival, plan approval) happens on that day (in the past or today)."""
    if stage in (S.on_hold, S.closed):
        bring_to(case, via, world, dated=dated)
        move(case, "hold" if stage is S.on_hold else "close", world)
    else:
        for name in PATHS[stage]:
            extra = {DATED_FIELDS[name]: dated} if dated and name in DATED_FIELDS else {}
            move(case, name, world, **extra)
    assert case.status is stage
    return case


def case_at(stage: CaseStatus, world: World | None = None,
            via: CaseStatus = S.registered, dated: date | None = None,
            household: list[Any] | None = None) -> tuple[Case, World]:
    world = world or make_world()
    return bring_to(world.new_case(household=household), stage, world, via=via,
                    dated=dated), world


def transitions_of(case: Case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.transition)
        .order_by(CaseEvent.id)))


def stored_status(case: Case) -> CaseStatus:
    """The status as the database has it (not the object in the session)."""
    db.session.flush()
    return db.session.scalar(select(Case.status).where(Case.id == case.id))


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def yesterday() -> str:
    return iso(date.today() - timedelta(days=1))


def tomorrow() -> str:
    return iso(date.today() + timedelta(days=1))
