"""The case (return file) of one household, its history and counselling sessions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, and_, false, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from caseflow.accounts.models import Office, Role, User, enum_column
from caseflow.db import Base, LabelledEnum, labelled, utcnow

if TYPE_CHECKING:
    from caseflow.assistance.models import ServiceRequest
    from caseflow.documents.models import Document
    from caseflow.followups.models import FollowUpVisit
    from caseflow.people.models import Beneficiary
    from caseflow.reintegration.models import ReintegrationPlan


class CaseStatus(LabelledEnum):
    registered = "registered"
    counselling = "counselling"
    application_submitted = "application_submitted"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"
    referred = "referred"
    accepted_by_partner = "accepted_by_partner"
    travel_booked = "travel_booked"
    departed = "departed"
    no_show = "no_show"
    arrival_confirmed = "arrival_confirmed"
    plan_drafted = "plan_drafted"
    plan_submitted = "plan_submitted"
    plan_approved = "plan_approved"
    in_implementation = "in_implementation"
    monitoring = "monitoring"
    on_hold = "on_hold"
    closed = "closed"


STATUS_LABELS = labelled(CaseStatus, {
    CaseStatus.registered: _l("Registered"),
    CaseStatus.counselling: _l("Counselling"),
    CaseStatus.application_submitted: _l("Application submitted"),
    CaseStatus.approved: _l("Approved"),
    CaseStatus.rejected: _l("Rejected"),
    CaseStatus.withdrawn: _l("Withdrawn"),
    CaseStatus.referred: _l("Referred to partner"),
    CaseStatus.accepted_by_partner: _l("Accepted by partner"),
    CaseStatus.travel_booked: _l("Travel booked"),
    CaseStatus.departed: _l("Departed"),
    CaseStatus.no_show: _l("No-show"),
    CaseStatus.arrival_confirmed: _l("Arrival confirmed"),
    CaseStatus.plan_drafted: _l("Reintegration plan drafted"),
    CaseStatus.plan_submitted: _l("Reintegration plan submitted"),
    CaseStatus.plan_approved: _l("Reintegration plan approved"),
    CaseStatus.in_implementation: _l("In implementation"),
    CaseStatus.monitoring: _l("Monitoring"),
    CaseStatus.on_hold: _l("On hold"),
    CaseStatus.closed: _l("Closed"),
})

# Stages at which the partner organisation is part of the case (and may see it).
PARTNER_STAGES = (CaseStatus.referred, CaseStatus.accepted_by_partner, CaseStatus.travel_booked,
                  CaseStatus.departed, CaseStatus.no_show, CaseStatus.arrival_confirmed,
                  CaseStatus.plan_drafted, CaseStatus.plan_submitted, CaseStatus.plan_approved,
                  CaseStatus.in_implementation, CaseStatus.monitoring)
# Stages after the household arrived in the country of return.
AFTER_ARRIVAL = (CaseStatus.arrival_confirmed, CaseStatus.plan_drafted, CaseStatus.plan_submitted,
                 CaseStatus.plan_approved, CaseStatus.in_implementation, CaseStatus.monitoring)


class ClosureReason(LabelledEnum):
    completed = "completed"
    opted_out = "opted_out"
    re_migrated = "re_migrated"
    unreachable = "unreachable"
    deceased = "deceased"
    funding_ended = "funding_ended"
    duplicate = "duplicate"


CLOSURE_LABELS = labelled(ClosureReason, {
    ClosureReason.completed: _l("Completed"),
    ClosureReason.opted_out: _l("Opted out"),
    ClosureReason.re_migrated: _l("Re-migrated"),
    ClosureReason.unreachable: _l("Unreachable"),
    ClosureReason.deceased: _l("Deceased"),
    ClosureReason.funding_ended: _l("Funding ended"),
    ClosureReason.duplicate: _l("Duplicate of another case"),
})

RETURN_COUNTRIES = ("AL", "MK", "XK", "RS")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("country_of_return IN ('AL', 'MK', 'XK', 'RS')", name="known_country"),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL AND closure_reason IS NOT "
                        "NULL)", name="closed_has_reason"),
        CheckConstraint("status <> 'on_hold' OR held_from IS NOT NULL", name="hold_remembers"),
        # Retention anonymises closed cases only, and an anonymised case stays closed.
        CheckConstraint("anonymised_at IS NULL OR status = 'closed'",
                        name="anonymised_when_closed"),
        CheckConstraint("status NOT IN ('approved', 'referred', 'accepted_by_partner', "
                        "'travel_booked', 'departed', 'no_show', 'arrival_confirmed', "
                        "'plan_drafted', 'plan_submitted', 'plan_approved', 'in_implementation', "
                        "'monitoring') OR (decision_on IS NOT NULL AND decided_by_id IS NOT NULL)",
                        name="approval_recorded"),
        CheckConstraint("status <> 'rejected' OR (decision_on IS NOT NULL AND "
                        "rejection_reason IS NOT NULL)", name="rejection_recorded"),
        CheckConstraint("status NOT IN ('referred', 'accepted_by_partner', 'travel_booked', "
                        "'departed', 'no_show', 'arrival_confirmed', 'plan_drafted', "
                        "'plan_submitted', 'plan_approved', 'in_implementation', 'monitoring') "
                        "OR partner_id IS NOT NULL", name="partner_when_referred"),
        CheckConstraint("status NOT IN ('departed', 'arrival_confirmed', 'plan_drafted', "
                        "'plan_submitted', 'plan_approved', 'in_implementation', 'monitoring') "
                        "OR departed_on IS NOT NULL", name="departure_recorded"),
        CheckConstraint("status NOT IN ('arrival_confirmed', 'plan_drafted', 'plan_submitted', "
                        "'plan_approved', 'in_implementation', 'monitoring') OR "
                        "arrived_on IS NOT NULL", name="arrival_recorded"),
        # Keyset pagination walks (registered_at, id) in both directions.
        Index("ix_cases_registered_at_id", "registered_at", "id"),
        Index("ix_cases_status_registered_at", "status", "registered_at", "id"),
        Index("ix_cases_office_registered_at", "office_id", "registered_at", "id"),
        Index("ix_cases_partner_registered_at", "partner_id", "registered_at", "id"),
        Index("ix_cases_principal_name_id", "principal_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    country_of_return: Mapped[str] = mapped_column(String(2), index=True)
    municipality: Mapped[str] = mapped_column(String(120))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, "case_status"))
    version: Mapped[int] = mapped_column(default=1)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Copied from the principal applicant so the list needs no join.
    principal_name: Mapped[str] = mapped_column(String(200), default="")
    household_size: Mapped[int] = mapped_column(default=0)
    # Why the caseworker went on despite a likely duplicate (kept for review).
    duplicate_override_reason: Mapped[str | None] = mapped_column(Text)

    # Stage data. Which stage needs which field is in cases/workflow.py.
    application_submitted_on: Mapped[date | None]
    decision_on: Mapped[date | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    referred_on: Mapped[date | None]
    partner_accepted_on: Mapped[date | None]
    flight_carrier: Mapped[str | None] = mapped_column(String(80))
    flight_number: Mapped[str | None] = mapped_column(String(12))
    departure_airport: Mapped[str | None] = mapped_column(String(80))
    planned_departure_on: Mapped[date | None]
    escort_needed: Mapped[bool] = mapped_column(default=False)
    departed_on: Mapped[date | None] = mapped_column(index=True)
    arrived_on: Mapped[date | None]
    held_from: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus, "held_status"))
    closed_at: Mapped[datetime | None]
    closed_from: Mapped[CaseStatus | None] = mapped_column(
        enum_column(CaseStatus, "closed_status"))
    closure_reason: Mapped[ClosureReason | None] = mapped_column(
        enum_column(ClosureReason, "closure_reason"))
    # Set by `flask retention run` (caseflow/privacy/retention.py): names, documents and free
    # text are gone, the figures remain.
    anonymised_at: Mapped[datetime | None]

    office: Mapped[Office] = relationship(foreign_keys=[office_id], lazy="joined",
                                          innerjoin=True)
    partner: Mapped[Office | None] = relationship(foreign_keys=[partner_id], lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    beneficiaries: Mapped[list[Beneficiary]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Beneficiary.position")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id")
    sessions: Mapped[list[CounsellingSession]] = relationship(
        back_populates="case", cascade="all, delete-orphan",
        order_by="CounsellingSession.held_on")
    documents: Mapped[list[Document]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Document.id")
    plan: Mapped[ReintegrationPlan | None] = relationship(
        back_populates="case", cascade="all, delete-orphan", uselist=False)
    services: Mapped[list[ServiceRequest]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="ServiceRequest.id")
    visits: Mapped[list[FollowUpVisit]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="FollowUpVisit.sequence")

    # The database refuses an UPDATE whose version is not the one this object was read at.
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Case {self.number} {self.status}>"

    @property
    def principal(self) -> Beneficiary | None:
        from caseflow.people.models import HouseholdRole

        return next((b for b in self.beneficiaries if b.role is HouseholdRole.principal), None)

    @property
    def is_open(self) -> bool:
        return self.status is not CaseStatus.closed

    # -- permissions ---------------------------------------------------------------------
    def can_view(self, user: User) -> bool:
        if not user.is_active:
            return False
        if user.role is Role.admin:
            return True
        partner_sees = self.partner_id == user.office_id and (
            self.status in PARTNER_STAGES or self.held_from in PARTNER_STAGES
            or self.closed_from in PARTNER_STAGES)
        if user.role is Role.reintegration_officer:
            return partner_sees
        if user.role is Role.manager:
            return self.office_id == user.office_id or partner_sees
        return self.office_id == user.office_id

    def can_edit(self, user: User) -> bool:
        """Identity, household and return data (not the stage: see workflow.allowed_moves)."""
        return self.is_open and user.role in (Role.caseworker, Role.manager) \
            and self.office_id == user.office_id and user.is_active

    def can_see_asylum_details(self, user: User) -> bool:
        """Partner organisations need to know who returns, not their asylum procedure."""
        return self.can_view(user) and user.role is not Role.reintegration_officer

    def can_see_medical_notes(self, user: User) -> bool:
        """Medical notes stay with the sending office (and admins); they reach the partner
        organisation, officers and managers alike, only when the household agreed to share
        them (consent to medical sharing, not withdrawn)."""
        if not self.can_view(user):
            return False
        if user.role is Role.admin or user.office_id == self.office_id:
            return True
        from caseflow.people.models import ConsentPurpose

        principal = self.principal
        return principal is not None and \
            principal.consent_for(ConsentPurpose.medical_sharing) is not None

    def can_export_subject_data(self, user: User) -> bool:
        """A person's own data (subject access) leaves the system through the managers of
        the case's sending office, or an admin: they answer the request, not the partner."""
        if not user.is_active:
            return False
        return user.role is Role.admin or (user.role is Role.manager
                                           and self.office_id == user.office_id)

    def can_attach_documents(self, user: User) -> bool:
        return self.can_view(user) and user.role is not Role.admin and self.is_open

    @staticmethod
    def visible_to(user: User) -> ColumnElement[bool]:
        """The SQL form of can_view, for lists and searches."""
        if not user.is_active:
            return false()
        if user.role is Role.admin:
            return Case.id.is_not(None)
        partner_sees = and_(Case.partner_id == user.office_id, or_(
            Case.status.in_(PARTNER_STAGES), Case.held_from.in_(PARTNER_STAGES),
            Case.closed_from.in_(PARTNER_STAGES)))
        if user.role is Role.reintegration_officer:
            return partner_sees
        if user.role is Role.manager:
            return or_(Case.office_id == user.office_id, partner_sees)
        return Case.office_id == user.office_id


class EventKind(enum.StrEnum):
    created = "created"
    transition = "transition"
    edited = "edited"
    document_added = "document_added"
    session_logged = "session_logged"
    certificate_issued = "certificate_issued"
    certificate_revoked = "certificate_revoked"


class CaseEvent(Base):
    """One line of a case's timeline: a stage change (who, when, from, to, note) or an edit
    with the fields it changed."""

    __tablename__ = "case_events"
    __table_args__ = (
        CheckConstraint("kind <> 'transition' OR to_status IS NOT NULL",
                        name="transition_has_target"),
        CheckConstraint("kind <> 'transition' OR (stage_days IS NOT NULL AND stage_days >= 0)",
                        name="transition_has_stage_days"),
        Index("ix_case_events_case_id_id", "case_id", "id"),
        # Covers the programme report's stage durations: read in order, no table rows.
        Index("ix_case_events_stage_days", "kind", "from_status", "stage_days", "at",
              "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_status: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus, "from_status"))
    to_status: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus, "to_status"))
    note: Mapped[str | None] = mapped_column(Text)
    # Stage data given with a transition, or {field: [old, new]} for an edit.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The case version this event produced; a stale edit lists the events after its version.
    version: Mapped[int] = mapped_column(default=1)
    # For a transition: the calendar days (UTC) the case spent in from_status, from the event
    # that entered it to this one. Kept here so that programme reports count stage durations
    # with one GROUP BY instead of pairing every event with the next (a window over all
    # events: eight times the work at 100,000 cases). Code that rewrites event times (demo
    # data, tests) calls workflow.recompute_stage_days afterwards.
    stage_days: Mapped[int | None]

    case: Mapped[Case] = relationship(back_populates="events")
    by: Mapped[User | None] = relationship(lazy="joined")


class CounsellingSession(Base):
    __tablename__ = "counselling_sessions"
    __table_args__ = (Index("ix_counselling_sessions_case_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    held_on: Mapped[date]
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    language: Mapped[str] = mapped_column(String(40))
    interpreter: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="sessions")
    counsellor: Mapped[User] = relationship(lazy="joined")


class CaseCounter(Base):
    """The last case number handed out per year; bumped in the same transaction as the case."""

    __tablename__ = "case_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)
