"""A scan attached to a case, or to one person of it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.accounts.models import User
from caseflow.db import Base, utcnow

if TYPE_CHECKING:
    from caseflow.cases.models import Case
    from caseflow.people.models import Beneficiary


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_case_id", "case_id"),
        CheckConstraint("size > 0", name="not_empty"),
        CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')",
                        name="allowed_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    beneficiary_id: Mapped[int | None] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(160))
    # Shown to users only; the file on disk has a random name (storage_name).
    original_filename: Mapped[str] = mapped_column(String(255))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="documents")
    beneficiary: Mapped[Beneficiary | None] = relationship()
    uploaded_by: Mapped[User] = relationship(lazy="joined")

    @property
    def extension(self) -> str:
        return self.storage_name.rsplit(".", 1)[-1]
