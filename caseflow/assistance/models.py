"""Service types (reference data an admin extends) and the service requests of a household."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.accounts.models import Office, User, enum_column
from caseflow.db import Base, LabelledEnum, labelled, utcnow
from caseflow.reintegration.models import Money

if TYPE_CHECKING:
    from caseflow.cases.models import Case
    from caseflow.people.models import Beneficiary


class ServiceType(Base):
    __tablename__ = "service_types"
    __table_args__ = (
        CheckConstraint("depends_on_id IS NULL OR depends_on_id <> id", name="not_self"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_en: Mapped[str] = mapped_column(String(160))
    name_fr: Mapped[str] = mapped_column(String(160))
    name_nl: Mapped[str] = mapped_column(String(160))
    # This service cannot be completed before that one (e.g. civil registration first).
    depends_on_id: Mapped[int | None] = mapped_column(ForeignKey("service_types.id"))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    # An admin's save from an older version is refused (caseflow/versions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    depends_on: Mapped[ServiceType | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_en


class ServiceStatus(LabelledEnum):
    requested = "requested"
    in_progress = "in_progress"
    completed = "completed"
    not_possible = "not_possible"


SERVICE_STATUS_LABELS = labelled(ServiceStatus, {
    ServiceStatus.requested: _l("Requested"),
    ServiceStatus.in_progress: _l("In progress"),
    ServiceStatus.completed: _l("Completed"),
    ServiceStatus.not_possible: _l("Not possible"),
})


class ServiceRequest(Base):
    __tablename__ = "service_requests"
    __table_args__ = (
        Index("ix_service_requests_case_id", "case_id"),
        CheckConstraint("(status = 'completed') = (completed_on IS NOT NULL)",
                        name="completed_has_date"),
        CheckConstraint("fees_paid IS NULL OR fees_paid >= 0", name="fees_not_negative"),
        CheckConstraint("completed_on IS NULL OR completed_on >= requested_on",
                        name="completed_after_requested"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id",
                                                           ondelete="CASCADE"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    requested_on: Mapped[date]
    status: Mapped[ServiceStatus] = mapped_column(enum_column(ServiceStatus, "service_status"),
                                                  default=ServiceStatus.requested)
    outcome: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[date | None]
    fees_paid: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship(back_populates="services")
    beneficiary: Mapped[Beneficiary] = relationship()
    service_type: Mapped[ServiceType] = relationship(lazy="joined")
    partner: Mapped[Office] = relationship()
    created_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}
