"""Certificates issued for a case: the stored PDF, its fingerprint and its verification code."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.accounts.models import Office, User, enum_column
from caseflow.cases.models import Case
from caseflow.db import Base, LabelledEnum, labelled, utcnow
from caseflow.people.models import Beneficiary

ISSUING_LANGUAGES = ("fr", "nl", "en")
RETURN_LANGUAGES = ("sq", "mk", "sr-Cyrl", "sr-Latn")


class CertificateKind(LabelledEnum):
    voluntary_departure = "voluntary_departure"
    administrative_assistance = "administrative_assistance"
    school_attendance = "school_attendance"
    reintegration_completed = "reintegration_completed"


KIND_LABELS = labelled(CertificateKind, {
    CertificateKind.voluntary_departure: _l("Attestation of voluntary departure"),
    CertificateKind.administrative_assistance: _l(
        "Attestation of administrative assistance received"),
    CertificateKind.school_attendance: _l("School attendance in Belgium"),
    CertificateKind.reintegration_completed: _l("Completion of reintegration assistance"),
})


def kind_label(value: str | None) -> str:
    """The label of a kind stored as text (in case events' data)."""
    try:
        return str(CertificateKind(value or "").label)
    except ValueError:
        return value or ""


# The one kind that is about one person of the household (a child) rather than the case.
PERSONAL_KINDS = (CertificateKind.school_attendance,)


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("language IN ('fr', 'nl', 'en')", name="known_language"),
        CheckConstraint("return_language IN ('sq', 'mk', 'sr-Cyrl', 'sr-Latn')",
                        name="known_return_language"),
        CheckConstraint("length(verification_code) >= 16", name="code_long_enough"),
        # Revoked means all three of when, who and why; valid means none of them.
        CheckConstraint("(revoked_at IS NULL AND revoked_by_id IS NULL AND revoke_reason IS NULL)"
                        " OR (revoked_at IS NOT NULL AND revoked_by_id IS NOT NULL"
                        " AND revoke_reason IS NOT NULL)", name="revocation_complete"),
        # A school certificate is about one child; the others are about the whole case.
        CheckConstraint("(kind = 'school_attendance') = (beneficiary_id IS NOT NULL)",
                        name="person_for_school"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[CertificateKind] = mapped_column(enum_column(CertificateKind,
                                                              "certificate_kind"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # No cascade: a person a certificate was issued for is not deleted under it.
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiaries.id"),
                                                       index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    language: Mapped[str] = mapped_column(String(2))
    return_language: Mapped[str] = mapped_column(String(8))
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # A random file name under instance/certificates/ (never derived from user data).
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship()
    beneficiary: Mapped[Beneficiary | None] = relationship()
    office: Mapped[Office] = relationship(lazy="joined")
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<Certificate {self.number}>"


class CertificateCounter(Base):
    """The last certificate number handed out per year; bumped in the issuing transaction."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)
