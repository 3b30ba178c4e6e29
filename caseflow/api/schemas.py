"""Shapes of the API's requests and responses (pydantic v2).

Requests are strict (no "5" for 5, no unknown fields) and bounded (lengths and list sizes),
so bad input is a 422 with the field's path, never a 500. Responses are built here from the
models (`from_case`, `from_event`...), so what the OpenAPI document shows is what is sent.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from caseflow.accounts.models import Office, User
from caseflow.api.errors import CODES
from caseflow.assistance import services as assistance
from caseflow.assistance.models import ServiceRequest, ServiceStatus, ServiceType
from caseflow.cases import workflow
from caseflow.cases.duplicates import Match
from caseflow.cases.models import (
    AFTER_ARRIVAL,
    RETURN_COUNTRIES,
    Case,
    CaseEvent,
    CaseStatus,
    ClosureReason,
    EventKind,
)
from caseflow.cases.queries import PAGE_SIZE, SORTS, CaseFilters
from caseflow.cases.services import (
    MAX_HOUSEHOLD,
    CaseDetails,
    PersonData,
    Registration,
    TravelDocumentData,
)
from caseflow.documents.models import Document
from caseflow.errors import ValidationFailed
from caseflow.followups.models import (
    Dimension,
    FollowUpVisit,
    RssIndicator,
    RssOption,
    RssSurvey,
    RssVersion,
    VisitMode,
)
from caseflow.followups.services import MAX_TEXT as MAX_VISIT_TEXT
from caseflow.people.models import (
    Beneficiary,
    ConsentPurpose,
    DocumentKind,
    HouseholdRole,
    ProcedureStatus,
    SchoolLevel,
    Sex,
    Vulnerability,
)
from caseflow.reintegration import services as plans
from caseflow.reintegration.models import LineStatus, PlanLine, SupportKind

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
MAX_DOCUMENTS = 10
MAX_NOTE = 4000
MAX_QUERY_TEXT = 200
MAX_STAGE_TEXT = max(f.max_length for f in workflow.FIELDS.values())
# Asylum procedure data a partner organisation does not need (see Case.can_see_asylum_details).
ASYLUM_FIELDS = ("oe_number", "reception_centre", "asylum_applied_on", "procedure_status",
                 "vulnerability_note")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _single_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(_("Remove the control characters (line breaks, tabs...)."))
    return value


def _multi_line(value: str) -> str:
    if _CONTROL_EXCEPT_LINES.search(value):
        raise ValueError(_("Remove the control characters."))
    return value


def Text(max_length: int, min_length: int = 0, *, multiline: bool = False) -> Any:
    """A string type of bounded length without control characters (NUL breaks PostgreSQL)."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length),
                     AfterValidator(_multi_line if multiline else _single_line)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"),
                        Field(description="ISO 3166-1 alpha-2 code, e.g. AL (XK for Kosovo).")]


def _return_countries(schema: dict[str, Any]) -> None:
    schema["enum"] = list(RETURN_COUNTRIES)  # services.py checks it, with its message


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _return_countries_no_default(schema: dict[str, Any]) -> None:
    _return_countries(schema)
    _no_default(schema)


CountryString = Annotated[str, StringConstraints(min_length=2, max_length=2)]
ReturnCountry = Annotated[CountryString, Field(json_schema_extra=_return_countries)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- requests ------------------------------------------------------------------------------
class TravelDocumentIn(Request):
    kind: DocumentKind
    number: Text(40, 1)
    issuing_country: CountryCode
    expires_on: date | None = None

    def to_data(self) -> TravelDocumentData:
        return TravelDocumentData(kind=self.kind, number=self.number,
                                  issuing_country=self.issuing_country,
                                  expires_on=self.expires_on)


class PersonIn(Request):
    """One member of the household."""

    role: HouseholdRole
    given_names: Text(120, 1)
    family_name: Text(120, 1)
    name_original: Text(240) | None = Field(
        default=None, description="The name in the original script (e.g. Cyrillic).")
    sex: Sex
    date_of_birth: date
    nationality: CountryCode
    place_of_birth: Text(120) | None = None
    languages: Text(200) | None = None
    phone: Text(40) | None = None
    oe_number: Text(20) | None = Field(default=None,
                                       description="Immigration Office number.")
    reception_centre: Text(160) | None = None
    asylum_applied_on: date | None = None
    procedure_status: ProcedureStatus | None = None
    vulnerabilities: list[Vulnerability] = Field(default_factory=list,
                                                 max_length=len(Vulnerability))
    vulnerability_note: Text(MAX_NOTE, multiline=True) | None = None
    documents: list[TravelDocumentIn] = Field(default_factory=list, max_length=MAX_DOCUMENTS)

    def to_data(self) -> PersonData:
        fields = self.model_dump(exclude={"documents"})
        return PersonData(**fields, documents=[d.to_data() for d in self.documents])


class CaseCreate(Request):
    """A new case with its household. Resend with `duplicate_reason` after a 409
    `duplicates` answer to register it anyway."""

    country_of_return: ReturnCountry
    municipality: Text(120, 1)
    assignee_id: Id | None = Field(
        default=None, description="A caseworker or manager of your office; default: you.")
    consent_on: date = Field(description="When the principal applicant gave consent.")
    consent_purposes: list[ConsentPurpose] = Field(min_length=1,
                                                   max_length=len(ConsentPurpose))
    household: list[PersonIn] = Field(min_length=1, max_length=MAX_HOUSEHOLD)
    duplicate_reason: Text(1000, multiline=True) | None = None

    def to_registration(self) -> Registration:
        return Registration(
            details=CaseDetails(country_of_return=self.country_of_return,
                                municipality=self.municipality, assignee_id=self.assignee_id),
            household=[p.to_data() for p in self.household], consent_on=self.consent_on,
            consent_purposes=list(dict.fromkeys(self.consent_purposes)),
            duplicate_reason=self.duplicate_reason)


class CaseUpdate(Request):
    """Change the case's return details. `version` is the version you read: if the case
    changed since, nothing is saved and the answer (409 `stale`) lists what changed."""

    version: Id
    # Optional, but not nullable: left out keeps the current value.
    country_of_return: CountryString = Field(default=None,
                                             json_schema_extra=_return_countries_no_default)
    municipality: Text(120, 1) = Field(default=None, json_schema_extra=_no_default)
    assignee_id: Id | None = Field(default=None, description="null leaves the case "
                                   "unassigned; leave the field out to keep the assignee.")

    def to_details(self, case: Case) -> CaseDetails:
        """The case's details with the fields sent replacing the current ones."""
        given = self.model_fields_set
        return CaseDetails(
            country_of_return=self.country_of_return if "country_of_return" in given
            else case.country_of_return,
            municipality=self.municipality if "municipality" in given else case.municipality,
            assignee_id=self.assignee_id if "assignee_id" in given else case.assignee_id)


def _stage_field(name: str) -> str:
    if name not in workflow.FIELDS:
        raise ValueError(_("Unknown field."))
    return name


def _stage_value(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not 0 <= value <= MAX_ID:
            raise ValueError(_("Enter a whole number from 0 to %(n)d.", n=MAX_ID))
        return value
    if isinstance(value, str):
        if len(value) > MAX_STAGE_TEXT:
            raise ValueError(_("Use at most %(n)d characters.", n=MAX_STAGE_TEXT))
        return _multi_line(value)
    raise ValueError(_("Enter text, a whole number, true, false or null."))


StageFieldName = Annotated[str, AfterValidator(_stage_field),
                           WithJsonSchema({"type": "string", "enum": list(workflow.FIELDS)})]
StageValue = Annotated[Any, AfterValidator(_stage_value), WithJsonSchema(
    {"type": ["string", "integer", "boolean", "null"]})]
MOVE_TARGETS = [s.value for s in CaseStatus] + [m.name for m in workflow.MOVES]


def _move_target(value: str) -> str:
    if value not in MOVE_TARGETS:
        raise ValueError(_("Choose a status or a move of GET /api/v1/workflow."))
    return value


class TransitionIn(Request):
    """Move the case to another stage. `to` is a status (approved) or a move (approve);
    `data` holds the stage data the move asks for (see GET /workflow)."""

    to: Annotated[str, AfterValidator(_move_target),
                  WithJsonSchema({"type": "string", "enum": MOVE_TARGETS})]
    data: dict[StageFieldName, StageValue] = Field(default_factory=dict,
                                                   max_length=len(workflow.FIELDS))


class DuplicatePersonIn(Request):
    given_names: Text(120, 1)
    family_name: Text(120, 1)
    date_of_birth: date
    nationality: CountryCode
    name_original: Text(240) | None = None


class DuplicateCheckIn(Request):
    """The people of a household about to be registered."""

    household: list[DuplicatePersonIn] = Field(min_length=1, max_length=MAX_HOUSEHOLD)


# -- query parameters ----------------------------------------------------------------------
QueryDate = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]


class CaseListQuery(BaseModel):
    """Query parameters of GET /cases (strings from the URL, so not strict)."""

    model_config = ConfigDict(extra="forbid")

    status: list[CaseStatus] = Field(default_factory=list, max_length=len(CaseStatus),
                                     description="Repeat for several statuses.")
    country: CountryCode | None = None
    office_id: Id | None = None
    assignee_id: Id | None = None
    partner_id: Id | None = None
    vulnerability: Vulnerability | None = None
    registered_from: QueryDate | None = None
    registered_to: QueryDate | None = None
    departed_from: QueryDate | None = None
    departed_to: QueryDate | None = None
    q: Text(MAX_QUERY_TEXT) | None = Field(
        default=None, description="Case number, Immigration Office number or names.")
    sort: Literal[tuple(SORTS)] = "newest"  # type: ignore[valid-type]
    cursor: Annotated[str, StringConstraints(max_length=500,
                                             pattern=r"^[A-Za-z0-9_-]+$")] | None = Field(
        default=None, description="next_cursor or prev_cursor of a page.")
    limit: int = Field(default=PAGE_SIZE, ge=1, le=100)

    def to_filters(self) -> CaseFilters:
        return CaseFilters(
            statuses=list(dict.fromkeys(self.status)), country=self.country,
            office_id=self.office_id, assignee_id=self.assignee_id,
            partner_id=self.partner_id, vulnerability=self.vulnerability,
            registered_from=self.registered_from, registered_to=self.registered_to,
            departed_from=self.departed_from, departed_to=self.departed_to,
            text=(self.q or "").strip() or None, sort=self.sort)


# -- responses -----------------------------------------------------------------------------
class Ref(Response):
    id: int
    name: str

    @classmethod
    def of(cls, thing: Office | User | None) -> Ref | None:
        if thing is None:
            return None
        name = thing.full_name if isinstance(thing, User) else thing.name
        return cls(id=thing.id, name=name)


class CaseSummary(Response):
    number: str = Field(examples=["BE-2026-000123"])
    status: CaseStatus
    status_label: str
    version: int = Field(description="Send it back with PATCH to detect concurrent edits.")
    country_of_return: str
    municipality: str
    office: Ref
    assignee: Ref | None
    partner: Ref | None
    principal_name: str
    household_size: int
    registered_at: datetime
    updated_at: datetime
    departed_on: date | None

    @classmethod
    def summary_fields(cls, case: Case) -> dict[str, Any]:
        return {
            "number": case.number, "status": case.status, "status_label": case.status.label,
            "version": case.version, "country_of_return": case.country_of_return,
            "municipality": case.municipality, "office": Ref.of(case.office),
            "assignee": Ref.of(case.assignee), "partner": Ref.of(case.partner),
            "principal_name": case.principal_name, "household_size": case.household_size,
            "registered_at": case.registered_at, "updated_at": case.updated_at,
            "departed_on": case.departed_on}

    @classmethod
    def from_case(cls, case: Case) -> CaseSummary:
        return cls(**cls.summary_fields(case))


class CaseList(Response):
    items: list[CaseSummary]
    next_cursor: str | None
    prev_cursor: str | None


class TravelDocumentOut(Response):
    kind: DocumentKind
    number: str
    issuing_country: str
    expires_on: date | None


class ConsentOut(Response):
    purpose: ConsentPurpose
    given_on: date
    withdrawn_on: date | None


class SchoolRecordOut(Response):
    school: str
    town: str
    year_from: int
    year_to: int
    level: SchoolLevel
    grade: str | None


ASYLUM_NOTE = "Left out for partner organisations (need-to-know)."


class PersonOut(Response):
    id: int
    position: int
    role: HouseholdRole
    given_names: str
    family_name: str
    name_original: str | None
    sex: Sex
    date_of_birth: date
    nationality: str
    place_of_birth: str | None
    languages: str | None
    phone: str | None
    oe_number: str | None = Field(default=None, description=ASYLUM_NOTE)
    reception_centre: str | None = Field(default=None, description=ASYLUM_NOTE)
    asylum_applied_on: date | None = Field(default=None, description=ASYLUM_NOTE)
    procedure_status: ProcedureStatus | None = Field(default=None, description=ASYLUM_NOTE)
    vulnerabilities: list[Vulnerability]
    vulnerability_note: str | None = Field(default=None, description=ASYLUM_NOTE)
    documents: list[TravelDocumentOut]
    consents: list[ConsentOut]
    school_records: list[SchoolRecordOut]

    @classmethod
    def from_beneficiary(cls, person: Beneficiary, *, asylum: bool) -> PersonOut:
        fields: dict[str, Any] = {
            name: getattr(person, name) for name in (
                "id", "position", "role", "given_names", "family_name", "name_original",
                "sex", "date_of_birth", "nationality", "place_of_birth", "languages",
                "phone")}
        if asylum:
            fields.update({name: getattr(person, name) for name in ASYLUM_FIELDS})
        return cls(
            **fields, vulnerabilities=person.vulnerability_codes,
            documents=[TravelDocumentOut(kind=d.kind, number=d.number,
                                         issuing_country=d.issuing_country,
                                         expires_on=d.expires_on)
                       for d in person.identity_documents],
            consents=[ConsentOut(purpose=c.purpose, given_on=c.given_on,
                                 withdrawn_on=c.withdrawn_on) for c in person.consents],
            school_records=[SchoolRecordOut(school=r.school, town=r.town,
                                            year_from=r.year_from, year_to=r.year_to,
                                            level=r.level, grade=r.grade)
                            for r in person.school_records])


class AttachmentOut(Response):
    """An uploaded scan (metadata only)."""

    id: int
    title: str
    original_filename: str
    content_type: str
    size: int
    person_id: int | None
    uploaded_at: datetime
    uploaded_by: Ref

    @classmethod
    def from_document(cls, doc: Document) -> AttachmentOut:
        return cls(id=doc.id, title=doc.title, original_filename=doc.original_filename,
                   content_type=doc.content_type, size=doc.size, person_id=doc.beneficiary_id,
                   uploaded_at=doc.uploaded_at, uploaded_by=Ref.of(doc.uploaded_by))


class StageData(Response):
    application_submitted_on: date | None
    decision_on: date | None
    decided_by: Ref | None
    rejection_reason: str | None
    referred_on: date | None
    partner_accepted_on: date | None
    flight_carrier: str | None
    flight_number: str | None
    departure_airport: str | None
    planned_departure_on: date | None
    escort_needed: bool
    departed_on: date | None
    arrived_on: date | None
    held_from: CaseStatus | None
    closed_at: datetime | None
    closed_from: CaseStatus | None
    closure_reason: ClosureReason | None

    @classmethod
    def from_case(cls, case: Case) -> StageData:
        fields = {name: getattr(case, name) for name in cls.model_fields
                  if name != "decided_by"}
        return cls(**fields, decided_by=Ref.of(case.decided_by))


class MoveOut(Response):
    name: str
    label: str
    to: CaseStatus
    fields: list[str]


class CaseOut(CaseSummary):
    registered_by: Ref
    stage: StageData
    household: list[PersonOut]
    attachments: list[AttachmentOut]
    duplicate_override_reason: str | None = Field(default=None, description=ASYLUM_NOTE)
    can_edit: bool = Field(description="Whether you may PATCH this case.")
    allowed_moves: list[MoveOut] = Field(
        description="The moves you may try now (the stage data is checked when you do).")

    @classmethod
    def for_user(cls, case: Case, user: User) -> CaseOut:
        asylum = case.can_see_asylum_details(user)
        extra: dict[str, Any] = {}
        if asylum:
            extra["duplicate_override_reason"] = case.duplicate_override_reason
        return cls(
            **cls.summary_fields(case), **extra, registered_by=Ref.of(case.registered_by),
            stage=StageData.from_case(case),
            household=[PersonOut.from_beneficiary(b, asylum=asylum)
                       for b in case.beneficiaries],
            attachments=[AttachmentOut.from_document(d) for d in case.documents],
            can_edit=case.can_edit(user),
            allowed_moves=[MoveOut(name=m.name, label=str(m.label),
                                   to=workflow.target_of(m, case), fields=list(m.fields))
                           for m in workflow.allowed_moves(case, user)])


class EventOut(Response):
    id: int
    kind: EventKind
    at: datetime
    by: Ref | None
    from_status: CaseStatus | None = Field(alias="from")
    to_status: CaseStatus | None = Field(alias="to")
    note: str | None
    data: dict[str, Any] = Field(description="Stage data of a transition, or {field: [old, "
                                 "new]} of an edit.")
    version: int = Field(description="The case version this event produced.")

    @classmethod
    def from_event(cls, event: CaseEvent, *, asylum: bool = True) -> EventOut:
        data = dict(event.data or {})
        note = event.note
        if not asylum:
            # Edits name their field as "Given Family: oe_number"; the duplicate reason of a
            # registration is internal to the sending office.
            data = {k: v for k, v in data.items()
                    if k.rpartition(": ")[2] not in ASYLUM_FIELDS}
            if event.kind is EventKind.created:
                note = None
        return cls.model_validate({
            "id": event.id, "kind": event.kind, "at": event.at, "by": Ref.of(event.by),
            "from": event.from_status, "to": event.to_status, "note": note, "data": data,
            "version": event.version})


class History(Response):
    items: list[EventOut]


class TransitionOut(Response):
    event: EventOut
    status: CaseStatus
    version: int


class MatchOut(Response):
    score: float
    case_number: str
    office: str
    can_view: bool
    name: str | None = Field(description="null when you may not see the other case.")
    date_of_birth: date | None
    matched_for: str = Field(description="The person of your request this resembles.")

    @classmethod
    def from_match(cls, match: Match) -> MatchOut:
        return cls.model_validate(match.as_dict())


class Duplicates(Response):
    matches: list[MatchOut]


class WorkflowStatus(Response):
    status: CaseStatus
    label: str


class WorkflowField(Response):
    field: str
    label: str
    type: str = Field(description="date, text, partner, closure_reason or bool.")
    required: bool


class WorkflowMove(Response):
    name: str
    label: str
    sources: list[CaseStatus] = Field(alias="from")
    to: str = Field(description="A status, or held_from / closed_from: back to where the "
                    "case was.")
    roles: list[str]
    data: list[WorkflowField]
    conditions: list[str]


class Workflow(Response):
    statuses: list[WorkflowStatus]
    moves: list[WorkflowMove]


class ErrorBody(Response):
    code: str = Field(json_schema_extra={"enum": list(CODES)})
    message: str = Field(description="For people; in the language of Accept-Language.")
    details: dict[str, Any] = Field(description="{field: [messages]} (\"\" for the request "
                                    "as a whole); for duplicates {matches}; for stale "
                                    "{current_version, changes}.")


class ErrorOut(Response):
    error: ErrorBody


# -- after arrival: exact numbers ----------------------------------------------------------
CENT = Decimal("0.01")
SCORE_PLACES = Decimal("0.0001")
MAX_AMOUNT_TEXT = 40


def _money_text(value: Decimal) -> str:
    """1200.5 -> "1200.50": two decimals, never an exponent, never "-0.00"."""
    exact = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return format(exact.copy_abs() if exact == 0 else exact, "f")


def _score_text(value: Decimal) -> str:
    return format(value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP), "f")


Money = Annotated[Decimal, PlainSerializer(_money_text, return_type=str), WithJsonSchema(
    {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["1250.50"],
     "description": "An exact amount in euros, as text with two decimals."})]
ScoreOut = Annotated[Decimal, PlainSerializer(_score_text, return_type=str), WithJsonSchema(
    {"type": "string", "pattern": r"^\d+\.\d{4}$", "examples": ["0.5556"],
     "description": "An exact decimal with four places, as text."})]


def _number_text(info: ValidationInfo, value: float | int) -> str:
    """The number of this top-level field as the request wrote it.

    The JSON parser gives pydantic a float for 1200.50, and a float cannot hold every
    decimal exactly (1.0000000000000001 is 1.0). `_body` passes the raw body in the
    validation context; reading it again with numbers kept as text gives what was sent.
    Without a context (or if the two readings disagree) the float's shortest form is used,
    which is exact for every amount with at most two decimals below the limit."""
    context = info.context if isinstance(info.context, dict) else None
    fallback = str(value) if isinstance(value, int) else repr(value)
    if context is None or "raw" not in context or info.field_name is None:
        return fallback
    if "numbers" not in context:
        try:
            parsed = json.loads(context["raw"], parse_float=str, parse_int=str)
        except (ValueError, RecursionError):
            parsed = None
        context["numbers"] = parsed if isinstance(parsed, dict) else {}
    literal = context["numbers"].get(info.field_name)
    if not isinstance(literal, str):
        return fallback
    try:
        same = float(literal) == value
    except (ValueError, OverflowError):
        same = False
    return literal if same else fallback


def _amount(value: Any, info: ValidationInfo) -> Decimal:
    """An amount sent as text ("1250.50") or as a JSON number, checked by the same rule as
    the pages (reintegration.services.parse_amount), without ever going through a float."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(_("Enter an amount in euros, e.g. 1250.50."))
    if isinstance(value, str):
        if len(value) > MAX_AMOUNT_TEXT:
            raise ValueError(_("Enter an amount in euros, e.g. 1250.50."))
        text = value
    else:
        text = _number_text(info, value)
    try:
        return plans.parse_amount(text, field=info.field_name or "amount")
    except ValidationFailed as error:
        raise ValueError(error.message) from None


AmountIn = Annotated[Decimal, PlainValidator(_amount), WithJsonSchema(
    {"type": ["string", "number"], "examples": ["1250.50"],
     "description": "Euros with at most two decimals, not negative, below 1000000; text "
                    "(\"1250.50\") is best, a JSON number is read exactly as written."})]


def _person_ref(person: Beneficiary | None) -> Ref | None:
    return None if person is None else Ref(id=person.id, name=person.full_name)


# -- reintegration plans -------------------------------------------------------------------
class PlanLineIn(Request):
    """A line of the draft plan (the partner's reintegration officer, while the plan is a
    draft)."""

    kind: SupportKind
    description: Text(500, 1, multiline=True)
    amount: AmountIn
    beneficiary_id: Id | None = Field(default=None, description="A person of the household; "
                                      "null or left out: the whole household.")
    supplier: Text(160) | None = None

    def to_data(self) -> plans.LineData:
        return plans.LineData(kind=self.kind, description=self.description,
                              amount=self.amount, beneficiary_id=self.beneficiary_id,
                              supplier=self.supplier)


class PlanLineUpdate(Request):
    """Delivery of a line of the approved plan: planned -> in_progress -> delivered, or
    cancelled. Delivered and cancelled lines do not change again."""

    status: LineStatus
    delivered_on: date | None = Field(default=None, description="Required with status "
                                      "delivered, and only then.")
    version: Id | None = Field(default=None, description="The case version you read (a "
                               "line's changes move its case's version on): if the case "
                               "changed since, 409 `stale` with the changes.")

    @field_validator("delivered_on")
    @classmethod
    def _only_when_delivered(cls, value: date | None, info: ValidationInfo) -> date | None:
        status = info.data.get("status")
        if value is not None and status is not None and status is not LineStatus.delivered:
            raise ValueError(_("Only a delivered line has a delivery date."))
        return value


class EntitlementOut(Response):
    rules_version: int
    visa_free: bool
    adults: int
    children: int
    vulnerable: bool
    premium_adult: Money
    premium_child: Money
    premium: Money = Field(description="The departure premium of the household.")
    standard_budget: Money
    top_up: Money
    budget: Money
    explanation: list[str] = Field(description="The computation, in words (in the language "
                                   "of Accept-Language).")

    @classmethod
    def of(cls, entitlement: plans.Entitlement | None) -> EntitlementOut | None:
        if entitlement is None:
            return None
        return cls(rules_version=entitlement.rules_version, visa_free=entitlement.visa_free,
                   adults=entitlement.adults, children=entitlement.children,
                   vulnerable=entitlement.vulnerable,
                   premium_adult=entitlement.premium_adult,
                   premium_child=entitlement.premium_child, premium=entitlement.premium,
                   standard_budget=entitlement.standard_budget, top_up=entitlement.top_up,
                   budget=entitlement.budget,
                   explanation=[str(line) for line in entitlement.explanation()])


class PlanLineOut(Response):
    id: int
    kind: SupportKind
    kind_label: str
    description: str
    person: Ref | None = Field(description="null: the whole household.")
    amount: Money
    supplier: str | None
    status: LineStatus
    status_label: str
    delivered_on: date | None
    created_at: datetime

    @classmethod
    def from_line(cls, line: PlanLine) -> PlanLineOut:
        return cls(id=line.id, kind=line.kind, kind_label=line.kind.label,
                   description=line.description, person=_person_ref(line.beneficiary),
                   amount=line.amount, supplier=line.supplier, status=line.status,
                   status_label=line.status.label, delivered_on=line.delivered_on,
                   created_at=line.created_at)


class PlanOut(Response):
    case_number: str
    case_status: CaseStatus
    created_at: datetime
    created_by: Ref
    summary: str | None
    over_budget_reason: str | None
    approved_on: date | None
    approved_by: Ref | None
    entitlement_version: int | None = Field(description="The rules version frozen at "
                                            "approval.")
    approved_budget: Money | None
    approved_ceiling: Money | None = Field(description="The most the manager accepted "
                                           "(above the budget when over budget).")
    budget: Money = Field(description="Frozen at approval; before, what the rules in force "
                          "give.")
    committed: Money = Field(description="What the lines not cancelled cost.")
    left: Money = Field(description="budget - committed; negative when over budget.")
    delivered: Money = Field(description="What the delivered lines cost.")
    over_budget: bool
    support_deadline: date | None = Field(description="Support is used within 12 months of "
                                          "the arrival.")
    days_left: int | None
    entitlement: EntitlementOut | None = Field(description="Under the rules the plan was "
                                               "approved with; before approval, the rules in "
                                               "force. null when no rules are set up.")
    lines: list[PlanLineOut]
    can_edit_lines: bool = Field(description="Whether you may add and remove lines.")
    can_update_delivery: bool = Field(description="Whether you may PATCH the lines' "
                                      "delivery.")

    @classmethod
    def for_user(cls, case: Case, user: User,
                 entitlement: plans.Entitlement | None) -> PlanOut:
        plan = case.plan
        assert plan is not None
        budget = plans.budget_of(case)
        deadline = plans.support_deadline(case)
        return cls(
            case_number=case.number, case_status=case.status, created_at=plan.created_at,
            created_by=Ref.of(plan.created_by), summary=plan.summary,
            over_budget_reason=plan.over_budget_reason, approved_on=plan.approved_on,
            approved_by=Ref.of(plan.approved_by),
            entitlement_version=plan.entitlement_version,
            approved_budget=plan.approved_budget, approved_ceiling=plan.approved_ceiling,
            budget=budget, committed=plan.committed, left=budget - plan.committed,
            delivered=plan.delivered, over_budget=plan.committed > budget,
            support_deadline=deadline,
            days_left=(deadline - date.today()).days if deadline else None,
            entitlement=EntitlementOut.of(entitlement),
            lines=[PlanLineOut.from_line(line) for line in plan.lines],
            can_edit_lines=plans.can_edit_lines(case, user),
            can_update_delivery=plans.can_update_delivery(case, user))


class PlanLineResult(Response):
    line: PlanLineOut
    plan: PlanOut


# -- administrative assistance -------------------------------------------------------------
class ServiceTypeRef(Response):
    id: int
    code: str
    name: str = Field(description="In the language of Accept-Language.")

    @classmethod
    def of(cls, service_type: ServiceType | None) -> ServiceTypeRef | None:
        if service_type is None:
            return None
        return cls(id=service_type.id, code=service_type.code,
                   name=assistance.service_name(service_type))


class ServiceTypeOut(ServiceTypeRef):
    name_en: str
    name_fr: str
    name_nl: str
    depends_on: ServiceTypeRef | None = Field(description="Completed first, for the same "
                                              "person.")
    position: int

    @classmethod
    def from_type(cls, service_type: ServiceType) -> ServiceTypeOut:
        return cls(id=service_type.id, code=service_type.code,
                   name=assistance.service_name(service_type), name_en=service_type.name_en,
                   name_fr=service_type.name_fr, name_nl=service_type.name_nl,
                   depends_on=ServiceTypeRef.of(service_type.depends_on),
                   position=service_type.position)


class ServiceTypes(Response):
    items: list[ServiceTypeOut]


class ServiceOut(Response):
    id: int
    version: int = Field(description="Send it back with PATCH to detect concurrent edits.")
    person: Ref
    service_type: ServiceTypeRef
    status: ServiceStatus
    status_label: str
    requested_on: date
    completed_on: date | None
    outcome: str | None
    fees_paid: Money | None
    partner: Ref
    created_at: datetime
    created_by: Ref
    blocked_by: ServiceTypeRef | None = Field(description="The service to complete first for "
                                              "the same person, while it is not.")

    @classmethod
    def from_request(cls, request: ServiceRequest) -> ServiceOut:
        return cls(id=request.id, version=request.version,
                   person=_person_ref(request.beneficiary),
                   service_type=ServiceTypeRef.of(request.service_type),
                   status=request.status, status_label=request.status.label,
                   requested_on=request.requested_on, completed_on=request.completed_on,
                   outcome=request.outcome, fees_paid=request.fees_paid,
                   partner=Ref.of(request.partner), created_at=request.created_at,
                   created_by=Ref.of(request.created_by),
                   blocked_by=ServiceTypeRef.of(assistance.blocked_by(request)))


class ChecklistItemOut(Response):
    service_type: ServiceTypeRef
    request_id: int | None = Field(description="The person's latest request of it.")
    status: ServiceStatus | None
    blocked_by: ServiceTypeRef | None
    can_request: bool


class PersonChecklistOut(Response):
    person: Ref
    completed: int
    open: int
    items: list[ChecklistItemOut]


class CaseServices(Response):
    can_manage: bool = Field(description="Whether you may request and update services.")
    items: list[ServiceOut] = Field(description="Every request, oldest first.")
    checklist: list[PersonChecklistOut] = Field(description="Per person, every active "
                                                "service type in order.")

    @classmethod
    def for_user(cls, case: Case, user: User) -> CaseServices:
        return cls(
            can_manage=assistance.can_manage_services(case, user),
            items=[ServiceOut.from_request(r) for r in case.services],
            checklist=[PersonChecklistOut(
                person=_person_ref(entry.person), completed=entry.completed, open=entry.open,
                items=[ChecklistItemOut(
                    service_type=ServiceTypeRef.of(item.service_type),
                    request_id=item.request.id if item.request else None,
                    status=item.request.status if item.request else None,
                    blocked_by=ServiceTypeRef.of(item.blocked_by),
                    can_request=item.can_request) for item in entry.items])
                for entry in assistance.checklist(case)])


class ServiceRequestIn(Request):
    """Request a service for a person of the household (the partner's reintegration officer,
    after the arrival)."""

    beneficiary_id: Id
    service_type_id: Id = Field(description="An active type of GET /service-types.")
    requested_on: date = Field(description="Not in the future, not before the arrival.")


class ServiceUpdate(Request):
    """Follow a service to its outcome. `version` is the version you read (409 `stale` if it
    changed since). Fields left out keep their current value; null clears outcome,
    completed_on or fees_paid."""

    version: Id
    status: ServiceStatus = Field(default=None, json_schema_extra=_no_default)
    outcome: Text(assistance.MAX_OUTCOME, multiline=True) | None = Field(
        default=None, description="Required to say why, with not_possible.")
    completed_on: date | None = Field(default=None, description="Required with completed, "
                                      "and only then.")
    fees_paid: AmountIn | None = None

    def to_arguments(self, request: ServiceRequest) -> dict[str, Any]:
        """The request's complete new state: the fields sent over the current ones."""
        given = self.model_fields_set
        return {
            "status": self.status if "status" in given else request.status,
            "outcome": self.outcome if "outcome" in given else request.outcome,
            "completed_on": self.completed_on if "completed_on" in given
            else request.completed_on,
            "fees_paid": self.fees_paid if "fees_paid" in given else request.fees_paid,
        }


# -- follow-ups and the RSS ----------------------------------------------------------------
IndicatorKey = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,9}$"), WithJsonSchema(
    {"type": "string", "pattern": r"^[1-9][0-9]*$",
     "description": "An indicator id of GET /rss."})]


class VisitRecordIn(Request):
    """Record (or correct) a follow-up visit. `version` is the visit's version you read
    (409 `stale` if someone saved it since). notes and next_steps left out keep their
    current value (null clears them). `answers` is the whole RSS survey, {indicator id:
    option id, or null for not answered}, under the current questionnaire (GET /rss); left
    out, the survey stays as it is; {} removes it."""

    version: Id
    done_on: date = Field(description="Not in the future, not before the arrival.")
    mode: VisitMode
    notes: Text(MAX_VISIT_TEXT, multiline=True) | None = None
    next_steps: Text(MAX_VISIT_TEXT, multiline=True) | None = None
    answers: dict[IndicatorKey, Id | None] = Field(
        default=None, max_length=500, json_schema_extra=_no_default)

    def to_arguments(self, visit: FollowUpVisit) -> dict[str, Any]:
        given = self.model_fields_set
        answers = {int(k): v for k, v in self.answers.items()} \
            if self.answers is not None else None
        return {
            "done_on": self.done_on, "mode": self.mode,
            "notes": self.notes if "notes" in given else visit.notes,
            "next_steps": self.next_steps if "next_steps" in given else visit.next_steps,
            "answers": answers, "expected_version": self.version}


class SurveyOut(Response):
    rss_version: int
    economic: ScoreOut | None
    social: ScoreOut | None
    psychosocial: ScoreOut | None
    composite: ScoreOut | None
    answered: int
    total: int
    partial: bool = Field(description="Some questions were not answered; the scores are of "
                          "what was.")
    answers: dict[str, int] = Field(description="{indicator id: option id}.")

    @classmethod
    def of(cls, survey: RssSurvey | None) -> SurveyOut | None:
        if survey is None:
            return None
        return cls(rss_version=survey.rss_version.version, economic=survey.economic,
                   social=survey.social, psychosocial=survey.psychosocial,
                   composite=survey.composite, answered=survey.answered, total=survey.total,
                   partial=survey.is_partial,
                   answers={str(a.indicator_id): a.option_id
                            for a in sorted(survey.answers, key=lambda a: a.indicator_id)})


class VisitOut(Response):
    id: int
    version: int = Field(description="Send it back when recording the visit.")
    sequence: int
    months_after_arrival: int
    due_on: date
    overdue: bool
    done_on: date | None
    mode: VisitMode | None
    mode_label: str | None
    officer: Ref | None = Field(description="Who recorded the visit.")
    notes: str | None
    next_steps: str | None
    survey: SurveyOut | None

    @classmethod
    def from_visit(cls, visit: FollowUpVisit, case: Case, today: date) -> VisitOut:
        overdue = visit.done_on is None and visit.due_on < today \
            and case.status in AFTER_ARRIVAL
        return cls(id=visit.id, version=visit.version, sequence=visit.sequence,
                   months_after_arrival=visit.months_after_arrival, due_on=visit.due_on,
                   overdue=overdue, done_on=visit.done_on, mode=visit.mode,
                   mode_label=visit.mode.label if visit.mode else None,
                   officer=Ref.of(visit.officer), notes=visit.notes,
                   next_steps=visit.next_steps, survey=SurveyOut.of(visit.survey))


class FollowUps(Response):
    can_record: bool = Field(description="Whether you may record the visits.")
    items: list[VisitOut] = Field(description="In the order they fall due.")


class RssOptionOut(Response):
    id: int
    code: str
    label: str
    score: ScoreOut = Field(description="From 0 to 1, 1 the best.")

    @classmethod
    def from_option(cls, option: RssOption) -> RssOptionOut:
        return cls(id=option.id, code=option.code, label=option.label, score=option.score)


class RssIndicatorOut(Response):
    id: int
    code: str
    dimension: Dimension
    question: str
    weight: ScoreOut
    position: int
    options: list[RssOptionOut]

    @classmethod
    def from_indicator(cls, indicator: RssIndicator) -> RssIndicatorOut:
        return cls(id=indicator.id, code=indicator.code, dimension=indicator.dimension,
                   question=indicator.question, weight=indicator.weight,
                   position=indicator.position,
                   options=[RssOptionOut.from_option(o) for o in indicator.options])


class RssWeights(Response):
    economic: ScoreOut
    social: ScoreOut
    psychosocial: ScoreOut


class RssOut(Response):
    id: int
    version: int
    label: str
    placeholder: bool = Field(description="True while the weights are the seeded equal ones, "
                              "not IOM's official weighting.")
    weights: RssWeights = Field(description="Of the dimensions in the composite score.")
    created_at: datetime
    indicators: list[RssIndicatorOut]

    @classmethod
    def from_version(cls, rss: RssVersion) -> RssOut:
        return cls(id=rss.id, version=rss.version, label=rss.label,
                   placeholder=rss.is_placeholder,
                   weights=RssWeights(**{d.value: rss.weight(d) for d in Dimension}),
                   created_at=rss.created_at,
                   indicators=[RssIndicatorOut.from_indicator(i) for i in rss.indicators])


def dump(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict: dates ISO 8601, enums by value; fields left unset (the asylum fields
    for partners) are left out, not null."""
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)
