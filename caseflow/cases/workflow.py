"""The one transition table of a case, and the function that applies it.

Each Move says from which stage to which, who may make it, which stage data the actor must
give and which conditions the case must meet. `transition()` is the only code that changes
`Case.status`; it writes the history row of every move.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.cases.models import (
    PARTNER_STAGES,
    Case,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    EventKind,
)
from caseflow.db import utcnow
from caseflow.errors import InvalidTransition
from caseflow.extensions import db
from caseflow.people.models import ConsentPurpose

S = CaseStatus
SENDING = frozenset({Role.caseworker, Role.manager})
MANAGER = frozenset({Role.manager})
PARTNER = frozenset({Role.reintegration_officer})
OPEN_STAGES = tuple(s for s in CaseStatus if s is not S.closed)
FLIGHT_NUMBER = re.compile(r"^[A-Z0-9]{2}[A-Z]? ?\d{1,4}[A-Z]?$")


# -- stage data ------------------------------------------------------------------------
@dataclass(frozen=True)
class StageField:
    """A piece of data a move asks for. `kind`: date, text, partner, closure_reason, bool."""

    name: str
    label: LazyString
    kind: str
    required: bool = True
    # For dates: "past" (today or before) or "future" (today or after).
    when: str | None = None
    max_length: int = 2000


FIELDS = {f.name: f for f in [
    StageField("application_submitted_on", _l("Date the application was submitted"), "date",
               when="past"),
    StageField("decision_on", _l("Decision date"), "date", when="past"),
    StageField("rejection_reason", _l("Reason for the rejection"), "text"),
    StageField("partner_id", _l("Partner organisation"), "partner"),
    StageField("referred_on", _l("Referral date"), "date", when="past"),
    StageField("partner_accepted_on", _l("Date the partner accepted"), "date", when="past"),
    StageField("flight_carrier", _l("Airline"), "text", max_length=80),
    StageField("flight_number", _l("Flight number"), "text", max_length=12),
    StageField("departure_airport", _l("Departure airport"), "text", max_length=80),
    StageField("planned_departure_on", _l("Departure date"), "date", when="future"),
    StageField("escort_needed", _l("Escort needed"), "bool", required=False),
    StageField("departed_on", _l("Date of departure"), "date", when="past"),
    StageField("arrived_on", _l("Date of arrival"), "date", when="past"),
    StageField("closure_reason", _l("Reason for closing"), "closure_reason"),
    StageField("over_budget_reason", _l("Why the plan needs more than the budget"), "text",
               required=False),
    StageField("plan_approved_on", _l("Date of approval"), "date", when="past"),
    StageField("approve_over_budget", _l("I approve spending above the budget"), "bool",
               required=False),
    StageField("note", _l("Note"), "text"),
    StageField("optional_note", _l("Note"), "text", required=False),
]}

# Check functions: (case, actor, cleaned data) -> {field or "": [messages]} of problems.
Check = Callable[[Case, User, dict[str, Any]], dict[str, list[str]]]


def _sessions_logged(case: Case, _by: User, _data: dict[str, Any]) -> dict[str, list[str]]:
    if not case.sessions:
        return {"": [_("Log the first counselling session before starting counselling.")]}
    return {}


def _ready_to_apply(case: Case, _by: User, _data: dict[str, Any]) -> dict[str, list[str]]:
    principal = case.principal
    if principal is None:
        return {"": [_("The household has no principal applicant.")]}
    if principal.consent_for(ConsentPurpose.case_processing) is None:
        return {"": [_("Record the principal applicant's consent to data processing first.")]}
    return {}


def _four_eyes(case: Case, by: User, _data: dict[str, Any]) -> dict[str, list[str]]:
    if case.assignee_id == by.id:
        return {"": [_("You are assigned to this case; another manager must decide on it.")]}
    return {}


def _partner_in_country(case: Case, _by: User, data: dict[str, Any]) -> dict[str, list[str]]:
    partner = data.get("partner")
    if partner is not None and partner.country != case.country_of_return:
        return {"partner_id": [_("The partner must work in the country of return.")]}
    return {}


def _partner_consent(case: Case, _by: User, _data: dict[str, Any]) -> dict[str, list[str]]:
    principal = case.principal
    if principal is None or principal.consent_for(ConsentPurpose.partner_sharing) is None:
        return {"": [_("Record the principal applicant's consent to sharing with the partner "
                       "before referring.")]}
    return {}


def _not_anonymised(case: Case, _by: User, _data: dict[str, Any]) -> dict[str, list[str]]:
    # Retention removed the names, documents and notes a reopened case would need.
    if case.anonymised_at is not None:
        return {"": [_("This case was anonymised under the retention rules; it cannot be "
                       "reopened. Register a new case instead.")]}
    return {}


def _own_partner(case: Case, by: User, _data: dict[str, Any]) -> dict[str, list[str]]:
    if case.partner_id != by.office_id:
        return {"": [_("Only the partner organisation the case is referred to can do this.")]}
    return {}


def _travel_documents(case: Case, _by: User, data: dict[str, Any]) -> dict[str, list[str]]:
    departure = data.get("planned_departure_on")
    missing = []
    for person in case.beneficiaries:
        valid = [d for d in person.identity_documents if d.kind.is_travel_document
                 and (d.expires_on is None or departure is None or d.expires_on >= departure)]
        if not valid:
            missing.append(person.full_name)
    if missing:
        return {"": [_("A passport or laissez-passer valid on the departure date is missing "
                       "for: %(names)s.", names=", ".join(missing))]}
    return {}


def _arrival_after_departure(case: Case, _by: User, data: dict[str, Any]
                             ) -> dict[str, list[str]]:
    arrived = data.get("arrived_on")
    if arrived and case.departed_on and arrived < case.departed_on:
        return {"arrived_on": [_("Arrival cannot be before the departure (%(day)s).",
                                 day=case.departed_on.isoformat())]}
    return {}


def _departure_after_referral(case: Case, _by: User, data: dict[str, Any]
                             ) -> dict[str, list[str]]:
    departed = data.get("departed_on")
    if departed and case.referred_on and departed < case.referred_on:
        return {"departed_on": [_("Departure cannot be before the referral (%(day)s).",
                                  day=case.referred_on.isoformat())]}
    return {}


def _plan_ready(case: Case, _by: User, data: dict[str, Any]) -> dict[str, list[str]]:
    from caseflow.reintegration.services import budget_of

    plan = case.plan
    if plan is None or not plan.lines:
        return {"": [_("Add at least one line to the reintegration plan first.")]}
    if plan.committed > budget_of(case) and not data.get("over_budget_reason"):
        return {"over_budget_reason": [_(
            "The plan costs more than the budget: say why, for the manager who approves it.")]}
    return {}


def _budget_approval(case: Case, _by: User, data: dict[str, Any]) -> dict[str, list[str]]:
    from caseflow.reintegration.services import budget_of

    plan = case.plan
    if plan is not None and plan.committed > budget_of(case) and \
            not data.get("approve_over_budget"):
        return {"approve_over_budget": [_(
            "The plan costs more than the budget: tick the box to approve the difference, "
            "or send the plan back.")]}
    return {}


def _lines_settled(case: Case, _by: User, _data: dict[str, Any]) -> dict[str, list[str]]:
    from caseflow.reintegration.models import LineStatus

    open_lines = [line for line in (case.plan.lines if case.plan else [])
                  if line.status in (LineStatus.planned, LineStatus.in_progress)]
    if open_lines:
        return {"": [_("Every plan line must be delivered or cancelled before monitoring "
                       "(%(n)d still open).", n=len(open_lines))]}
    return {}


# Effects: what a move does besides setting the stage data on the case. Each takes the
# fields it owns out of `data`.
Effect = Callable[[Case, User, dict[str, Any]], None]


def _start_plan(case: Case, by: User, _data: dict[str, Any]) -> None:
    from caseflow.reintegration.services import start_plan

    start_plan(case, by=by)


def _keep_over_budget_reason(case: Case, _by: User, data: dict[str, Any]) -> None:
    if case.plan is not None:
        case.plan.over_budget_reason = data.pop("over_budget_reason", None)


def _approve_plan(case: Case, by: User, data: dict[str, Any]) -> None:
    from caseflow.reintegration.services import approve_plan

    data.pop("approve_over_budget", None)
    approve_plan(case, by=by, on=data.pop("plan_approved_on"))


def _schedule_followups(case: Case, _by: User, data: dict[str, Any]) -> None:
    from caseflow.followups.services import schedule_followups

    schedule_followups(case, arrived_on=data["arrived_on"])


def _withdraw_referral(case: Case, _by: User, _data: dict[str, Any]) -> None:
    case.partner = None
    case.referred_on = None


# -- the table -------------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    name: str
    label: LazyString
    sources: tuple[CaseStatus, ...]
    target: CaseStatus | None  # None: back to the stage held_from / closed_from
    roles: frozenset[Role]
    fields: tuple[str, ...] = ()
    checks: tuple[Check, ...] = field(default=())
    style: str = "primary"
    effect: Effect | None = None


MOVES: tuple[Move, ...] = (
    Move("start_counselling", _l("Start counselling"), (S.registered,), S.counselling, SENDING,
         checks=(_sessions_logged,)),
    Move("submit_application", _l("Submit the application"), (S.counselling,),
         S.application_submitted, SENDING, ("application_submitted_on",),
         checks=(_ready_to_apply,)),
    Move("approve", _l("Approve"), (S.application_submitted,), S.approved, MANAGER,
         ("decision_on",), checks=(_four_eyes,)),
    Move("reject", _l("Reject"), (S.application_submitted,), S.rejected, MANAGER,
         ("decision_on", "rejection_reason"), checks=(_four_eyes,), style="danger"),
    Move("withdraw", _l("Withdraw the application"), (S.application_submitted, S.approved),
         S.withdrawn, SENDING, ("note",), style="secondary"),
    Move("resubmit", _l("Resubmit the application"), (S.rejected,), S.application_submitted,
         SENDING, ("application_submitted_on", "note"), checks=(_ready_to_apply,)),
    Move("refer", _l("Refer to a partner"), (S.approved,), S.referred, SENDING,
         ("partner_id", "referred_on"), checks=(_partner_in_country, _partner_consent)),
    Move("accept_referral", _l("Accept the referral"), (S.referred,), S.accepted_by_partner,
         PARTNER, ("partner_accepted_on",), checks=(_own_partner,)),
    Move("decline_referral", _l("Decline the referral"), (S.referred,), S.approved, PARTNER,
         ("note",), checks=(_own_partner,), style="danger", effect=_withdraw_referral),
    Move("book_travel", _l("Book travel"), (S.accepted_by_partner,), S.travel_booked, SENDING,
         ("flight_carrier", "flight_number", "departure_airport", "planned_departure_on",
          "escort_needed"), checks=(_travel_documents,)),
    Move("confirm_departure", _l("Confirm departure"), (S.travel_booked,), S.departed, SENDING,
         ("departed_on",), checks=(_departure_after_referral,)),
    Move("record_no_show", _l("Record a no-show"), (S.travel_booked,), S.no_show, SENDING,
         ("note",), style="secondary"),
    Move("rebook_travel", _l("Book travel again"), (S.no_show,), S.travel_booked, SENDING,
         ("flight_carrier", "flight_number", "departure_airport", "planned_departure_on",
          "escort_needed"), checks=(_travel_documents,)),
    Move("confirm_arrival", _l("Confirm arrival"), (S.departed,), S.arrival_confirmed,
         PARTNER, ("arrived_on",), checks=(_own_partner, _arrival_after_departure),
         effect=_schedule_followups),
    Move("draft_plan", _l("Draft the reintegration plan"), (S.arrival_confirmed,),
         S.plan_drafted, PARTNER, checks=(_own_partner,), effect=_start_plan),
    Move("submit_plan", _l("Submit the plan for approval"), (S.plan_drafted,), S.plan_submitted,
         PARTNER, ("over_budget_reason",), checks=(_own_partner, _plan_ready),
         effect=_keep_over_budget_reason),
    Move("return_plan", _l("Send the plan back"), (S.plan_submitted,), S.plan_drafted,
         MANAGER, ("note",), style="secondary"),
    Move("approve_plan", _l("Approve the plan"), (S.plan_submitted,), S.plan_approved, MANAGER,
         ("plan_approved_on", "approve_over_budget"), checks=(_budget_approval,),
         effect=_approve_plan),
    Move("start_implementation", _l("Start implementation"), (S.plan_approved,),
         S.in_implementation, PARTNER, checks=(_own_partner,)),
    Move("start_monitoring", _l("Move to monitoring"), (S.in_implementation,), S.monitoring,
         PARTNER, checks=(_own_partner, _lines_settled)),
    Move("hold", _l("Put on hold"), tuple(s for s in OPEN_STAGES if s is not S.on_hold),
         S.on_hold, SENDING, ("note",), style="secondary"),
    Move("resume", _l("Resume"), (S.on_hold,), None, SENDING, ("optional_note",)),
    Move("close", _l("Close the case"), OPEN_STAGES, S.closed, SENDING | PARTNER,
         ("closure_reason", "optional_note"), style="danger"),
    Move("reopen", _l("Reopen"), (S.closed,), None, MANAGER, ("note",), style="secondary",
         checks=(_not_anonymised,)),
)
MOVES_BY_NAME = {m.name: m for m in MOVES}


def target_of(move: Move, case: Case) -> CaseStatus:
    if move.target is not None:
        return move.target
    back = case.held_from if move.name == "resume" else case.closed_from
    return back or S.registered


def moves_from(case: Case) -> list[Move]:
    return [m for m in MOVES if case.status in m.sources]


def acts_for_case(case: Case, user: User) -> bool:
    """Sending roles act on their office's cases; partner roles on the cases referred to them."""
    if user.role in SENDING:
        return case.office_id == user.office_id
    if user.role in PARTNER:
        return case.partner_id == user.office_id and (
            case.status in PARTNER_STAGES or case.held_from in PARTNER_STAGES)
    return False


def allowed_moves(case: Case, user: User) -> list[Move]:
    """The moves this user may try now (stage and role fit); data is checked on submit."""
    if not user.is_active or not acts_for_case(case, user):
        return []
    return [m for m in moves_from(case) if user.role in m.roles]


def field_specs(move: Move) -> list[StageField]:
    return [FIELDS[name] for name in move.fields]


# -- applying a move -------------------------------------------------------------------
def _clean(move: Move, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Parse and check the stage data a move needs; return (data, errors)."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    today = date.today()
    for spec in field_specs(move):
        value = raw.get(spec.name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "") and spec.kind != "bool":
            if spec.required:
                errors[spec.name] = [_("%(field)s is required for this step.",
                                       field=spec.label)]
            continue
        try:
            data[spec.name] = _parse(spec, value, today)
        except ValueError as problem:
            errors[spec.name] = [str(problem)]
    return data, errors


def _parse(spec: StageField, value: Any, today: date) -> Any:
    if spec.kind == "date":
        if isinstance(value, date):
            day = value
        else:
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
        if spec.when == "past" and day > today:
            raise ValueError(_("This date cannot be in the future."))
        if spec.when == "future" and day < today:
            raise ValueError(_("This date cannot be in the past."))
        return day
    if spec.kind == "bool":
        return value in (True, "y", "on", "true", "1", 1)
    if spec.kind == "partner":
        try:
            office_id = 0 if isinstance(value, bool) else int(value)
        except (TypeError, ValueError):
            office_id = 0
        # Ids are 32-bit: a larger number is no office (and would overflow the driver).
        office = db.session.get(Office, office_id) if 0 < office_id < 2**31 else None
        if office is None or office.kind is not OfficeKind.partner or not office.is_active:
            raise ValueError(_("Choose an active partner organisation."))
        return office
    if spec.kind == "closure_reason":
        try:
            return ClosureReason(str(value))
        except ValueError:
            raise ValueError(_("Choose a reason from the list.")) from None
    text = str(value)
    if len(text) > spec.max_length:
        raise ValueError(_("Use at most %(n)d characters.", n=spec.max_length))
    if spec.name == "flight_number":
        text = text.upper()
        if not FLIGHT_NUMBER.match(text):
            raise ValueError(_("Enter a flight number such as SN 2911 or JU331."))
    return text


def find_move(case: Case, target: CaseStatus | str) -> Move | None:
    """The move from the case's stage to `target` (a status or a move name)."""
    if isinstance(target, str) and target in MOVES_BY_NAME:
        move = MOVES_BY_NAME[target]
        return move if case.status in move.sources else None
    try:
        status = CaseStatus(target)
    except ValueError:
        return None
    return next((m for m in moves_from(case) if target_of(m, case) is status), None)


def transition(case: Case, target: CaseStatus | str, *, by: User,
               data: dict[str, Any] | None = None) -> CaseEvent:
    """Move `case` to `target` (a status, or a move name such as "approve").

    Checks, in this order, the stage, the actor's role and office, the stage data and the
    case's own conditions; refuses with InvalidTransition saying exactly why. On success
    applies the stage data, changes the status, bumps the version and writes the history row.
    """
    raw = dict(data or {})
    move = find_move(case, target)
    if move is None:
        possible = ", ".join(target_of(m, case).label for m in moves_from(case)) or "-"
        wanted = CaseStatus(target).label if target in CaseStatus.__members__.values() \
            else str(target)
        raise InvalidTransition("wrong_stage", _(
            "A case at stage \u201c%(stage)s\u201d cannot move to \u201c%(target)s\u201d. "
            "From here it can move to: %(possible)s.",
            stage=case.status.label, target=wanted, possible=possible))
    if by.role not in move.roles or not by.is_active:
        roles = ", ".join(sorted(r.label for r in move.roles))
        raise InvalidTransition("wrong_role", _(
            "\u201c%(move)s\u201d is done by: %(roles)s. You are %(role)s.",
            move=move.label, roles=roles, role=by.role.label))
    if not acts_for_case(case, by):
        raise InvalidTransition("not_your_case", _(
            "This case belongs to another office or partner organisation."))

    cleaned, errors = _clean(move, raw)
    if errors:
        missing = [FIELDS[f].label for f, msgs in errors.items()
                   if f in FIELDS and f not in cleaned
                   and (raw.get(f) is None or str(raw.get(f)).strip() == "")]
        code = "missing_data" if missing and len(missing) == len(errors) else "invalid_data"
        message = _("Missing for this step: %(fields)s.", fields=", ".join(
            str(m) for m in missing)) if code == "missing_data" else \
            _("Some of the data for this step is not valid.")
        raise InvalidTransition(code, message, errors)
    if "partner_id" in cleaned:
        cleaned["partner"] = cleaned.pop("partner_id")
    for check in move.checks:
        errors.update(check(case, by, cleaned))
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidTransition("invalid_data" if any(errors) else "precondition", first,
                                errors)

    return _apply(case, move, by, cleaned)


def _apply(case: Case, move: Move, by: User, data: dict[str, Any]) -> CaseEvent:
    source = case.status
    target = target_of(move, case)
    note = data.pop("note", None) or data.pop("optional_note", None)
    logged = {k: _jsonable(v) for k, v in data.items()}
    if move.effect is not None:
        move.effect(case, by, data)
    for name, value in data.items():
        if name == "partner":
            case.partner = value
        elif name == "closure_reason":
            pass
        else:
            setattr(case, name, value)
    if move.name in ("approve", "reject"):
        case.decided_by = by
    if move.name == "hold":  # not "reopen" back to on hold: that keeps where it was held
        case.held_from = source
    if move.name == "resume":
        case.held_from = None
    if target is S.closed:
        case.closed_at = utcnow()
        case.closed_from = source
        case.closure_reason = data["closure_reason"]
    if move.name == "reopen":
        case.closed_at = None
        case.closed_from = None
        case.closure_reason = None
    case.status = target
    db.session.flush()  # bumps case.version through version_id_col
    now = utcnow()
    event = CaseEvent(case=case, kind=EventKind.transition, by=by, from_status=source,
                      to_status=target, note=note, version=case.version, data=logged, at=now,
                      stage_days=stage_days(_entered_current_stage(case), now))
    db.session.add(event)
    db.session.flush()
    return event


ENTERING = (EventKind.created, EventKind.transition)


def stage_days(entered: datetime | None, left: datetime) -> int:
    """Calendar days (UTC) between entering a stage and leaving it: 0 for the same day."""
    return 0 if entered is None else max((left.date() - entered.date()).days, 0)


def _entered_current_stage(case: Case) -> datetime | None:
    return db.session.scalar(select(func.max(CaseEvent.at)).where(
        CaseEvent.case_id == case.id, CaseEvent.kind.in_(ENTERING)))


def recompute_stage_days(case: Case) -> None:
    """Set stage_days of every transition of `case` from its events' times, for code that
    writes history with chosen times (demo data, tests) after the transitions were made."""
    entered: datetime | None = None
    for event in sorted(case.events, key=lambda e: (e.at, e.id or 0)):
        if event.kind not in ENTERING:
            continue
        if event.kind is EventKind.transition:
            event.stage_days = stage_days(entered, event.at)
        entered = event.at


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Office):
        return {"id": value.id, "name": value.name}
    if isinstance(value, ClosureReason):
        return value.value
    return value


def describe() -> dict[str, Any]:
    """The table as data, for GET /api/v1/workflow and docs/workflow.md."""
    return {
        "statuses": [{"status": s.value, "label": s.label} for s in CaseStatus],
        "moves": [{
            "name": m.name,
            "label": str(m.label),
            "from": [s.value for s in m.sources],
            "to": m.target.value if m.target else
            ("held_from" if m.name == "resume" else "closed_from"),
            "roles": sorted(r.value for r in m.roles),
            "data": [{"field": f.name, "label": str(f.label), "type": f.kind,
                      "required": f.required} for f in field_specs(m)],
            "conditions": [c.__name__.lstrip("_") for c in m.checks],
        } for m in MOVES],
    }
