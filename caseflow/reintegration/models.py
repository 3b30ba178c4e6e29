"""Entitlement rules (versioned reference data) and reintegration plans with their lines.

Money is Numeric(12, 2) in the database and Decimal in Python: never a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.accounts.models import User, enum_column
from caseflow.db import Base, LabelledEnum, labelled, utcnow

if TYPE_CHECKING:
    from caseflow.cases.models import Case
    from caseflow.people.models import Beneficiary

Money = Numeric(12, 2, asdecimal=True)


class EntitlementRules(Base):
    """One version of the money rules (Fedasil's, configurable). A new version is a new row:
    an approved plan keeps the version and the amounts it was approved with."""

    __tablename__ = "entitlement_rules"
    __table_args__ = (
        CheckConstraint("premium_adult_visa_free >= 0 AND premium_child_visa_free >= 0 AND "
                        "premium_adult_visa_required >= 0 AND premium_child_visa_required >= 0 "
                        "AND budget_visa_free >= 0 AND budget_visa_required >= 0 AND "
                        "vulnerability_top_up >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    valid_from: Mapped[date]
    # Countries whose nationals need no visa for the Schengen area (comma-separated codes).
    visa_free_countries: Mapped[str] = mapped_column(String(400))
    premium_adult_visa_free: Mapped[Decimal] = mapped_column(Money)
    premium_child_visa_free: Mapped[Decimal] = mapped_column(Money)
    premium_adult_visa_required: Mapped[Decimal] = mapped_column(Money)
    premium_child_visa_required: Mapped[Decimal] = mapped_column(Money)
    # Standard reintegration budget per household.
    budget_visa_free: Mapped[Decimal] = mapped_column(Money)
    budget_visa_required: Mapped[Decimal] = mapped_column(Money)
    # Added when a household member is vulnerable (for visa-free countries the only budget).
    vulnerability_top_up: Mapped[Decimal] = mapped_column(Money)
    adult_age: Mapped[int] = mapped_column(default=18)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()

    @property
    def visa_free(self) -> set[str]:
        return {c.strip() for c in self.visa_free_countries.split(",") if c.strip()}


class SupportKind(LabelledEnum):
    business = "business"
    housing = "housing"
    education = "education"
    medical = "medical"
    psychosocial = "psychosocial"
    vocational_training = "vocational_training"
    administrative_assistance = "administrative_assistance"


SUPPORT_LABELS = labelled(SupportKind, {
    SupportKind.business: _l("Business"),
    SupportKind.housing: _l("Housing"),
    SupportKind.education: _l("Education"),
    SupportKind.medical: _l("Medical"),
    SupportKind.psychosocial: _l("Psychosocial"),
    SupportKind.vocational_training: _l("Vocational training"),
    SupportKind.administrative_assistance: _l("Administrative assistance"),
})


class LineStatus(LabelledEnum):
    planned = "planned"
    in_progress = "in_progress"
    delivered = "delivered"
    cancelled = "cancelled"


LINE_STATUS_LABELS = labelled(LineStatus, {
    LineStatus.planned: _l("Planned"),
    LineStatus.in_progress: _l("In progress"),
    LineStatus.delivered: _l("Delivered"),
    LineStatus.cancelled: _l("Cancelled"),
})


class ReintegrationPlan(Base):
    __tablename__ = "reintegration_plans"
    __table_args__ = (
        CheckConstraint("(approved_on IS NULL) = (approved_by_id IS NULL)",
                        name="approval_complete"),
        CheckConstraint("approved_on IS NULL OR (approved_budget IS NOT NULL AND "
                        "entitlement_version IS NOT NULL AND approved_ceiling IS NOT NULL)",
                        name="approval_keeps_budget"),
        CheckConstraint("approved_ceiling IS NULL OR approved_ceiling >= approved_budget",
                        name="ceiling_above_budget"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str | None] = mapped_column(Text)
    # Asked for when the lines cost more than the budget; a manager approves it (or not).
    over_budget_reason: Mapped[str | None] = mapped_column(Text)
    # Snapshot at approval: later rule changes never change an approved plan.
    entitlement_version: Mapped[int | None]
    approved_budget: Mapped[Decimal | None] = mapped_column(Money)
    approved_ceiling: Mapped[Decimal | None] = mapped_column(Money)
    approved_on: Mapped[date | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship(back_populates="plan")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    lines: Mapped[list[PlanLine]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanLine.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def committed(self) -> Decimal:
        """What the lines that are not cancelled cost."""
        return sum((line.amount for line in self.lines
                    if line.status is not LineStatus.cancelled), Decimal("0.00"))

    @property
    def delivered(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.status is LineStatus.delivered),
                   Decimal("0.00"))


class PlanLine(Base):
    __tablename__ = "plan_lines"
    __table_args__ = (
        Index("ix_plan_lines_plan_id", "plan_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("(status = 'delivered') = (delivered_on IS NOT NULL)",
                        name="delivered_has_date"),
        CheckConstraint("length(trim(description)) > 0", name="description_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("reintegration_plans.id",
                                                    ondelete="CASCADE"))
    kind: Mapped[SupportKind] = mapped_column(enum_column(SupportKind, "support_kind"))
    description: Mapped[str] = mapped_column(String(500))
    beneficiary_id: Mapped[int | None] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(Money)
    supplier: Mapped[str | None] = mapped_column(String(160))
    status: Mapped[LineStatus] = mapped_column(enum_column(LineStatus, "line_status"),
                                               default=LineStatus.planned)
    delivered_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[ReintegrationPlan] = relationship(back_populates="lines")
    beneficiary: Mapped[Beneficiary | None] = relationship()
