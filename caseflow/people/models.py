"""The people of a case: identity, asylum stage, documents, vulnerabilities, consent and,
for children, school history in Belgium."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.accounts.models import enum_column
from caseflow.db import Base, LabelledEnum, labelled, utcnow

if TYPE_CHECKING:
    from caseflow.cases.models import Case


class HouseholdRole(LabelledEnum):
    principal = "principal"
    spouse = "spouse"
    child = "child"
    other = "other"


HOUSEHOLD_ROLE_LABELS = labelled(HouseholdRole, {
    HouseholdRole.principal: _l("Principal applicant"),
    HouseholdRole.spouse: _l("Spouse or partner"),
    HouseholdRole.child: _l("Child"),
    HouseholdRole.other: _l("Other family member"),
})


class Sex(LabelledEnum):
    female = "F"
    male = "M"
    other = "X"


SEX_LABELS = labelled(Sex, {
    Sex.female: _l("Female"),
    Sex.male: _l("Male"),
    Sex.other: _l("Other"),
})


class ProcedureStatus(LabelledEnum):
    pending = "pending"
    refused = "refused"
    appeal = "appeal"
    withdrawn = "withdrawn"
    no_application = "no_application"


PROCEDURE_LABELS = labelled(ProcedureStatus, {
    ProcedureStatus.pending: _l("Asylum application pending"),
    ProcedureStatus.refused: _l("Asylum refused"),
    ProcedureStatus.appeal: _l("Appeal pending"),
    ProcedureStatus.withdrawn: _l("Application withdrawn"),
    ProcedureStatus.no_application: _l("No asylum application"),
})


class Vulnerability(LabelledEnum):
    """Belgian reception law and registration practice (DOMAIN.md)."""

    minor = "minor"
    unaccompanied_minor = "unaccompanied_minor"
    disabled = "disabled"
    elderly = "elderly"
    pregnant = "pregnant"
    single_parent = "single_parent"
    trafficking_victim = "trafficking_victim"
    serious_illness = "serious_illness"
    mental_disorder = "mental_disorder"
    torture_survivor = "torture_survivor"
    single_woman = "single_woman"
    lgbti = "lgbti"


VULNERABILITY_LABELS = labelled(Vulnerability, {
    Vulnerability.minor: _l("Minor"),
    Vulnerability.unaccompanied_minor: _l("Unaccompanied minor"),
    Vulnerability.disabled: _l("Person with a disability"),
    Vulnerability.elderly: _l("Elderly (65+)"),
    Vulnerability.pregnant: _l("Pregnant woman"),
    Vulnerability.single_parent: _l("Single parent with minor children"),
    Vulnerability.trafficking_victim: _l("Victim of trafficking"),
    Vulnerability.serious_illness: _l("Serious illness"),
    Vulnerability.mental_disorder: _l("Mental disorder"),
    Vulnerability.torture_survivor: _l("Survivor of torture or serious violence (incl. FGM)"),
    Vulnerability.single_woman: _l("Single woman"),
    Vulnerability.lgbti: _l("LGBTI"),
})


class DocumentKind(LabelledEnum):
    passport = "passport"
    identity_card = "identity_card"
    laissez_passer = "laissez_passer"
    birth_certificate = "birth_certificate"
    other = "other"


    @property
    def is_travel_document(self) -> bool:
        return self in (DocumentKind.passport, DocumentKind.laissez_passer)


DOCUMENT_KIND_LABELS = labelled(DocumentKind, {
    DocumentKind.passport: _l("Passport"),
    DocumentKind.identity_card: _l("Identity card"),
    DocumentKind.laissez_passer: _l("Laissez-passer"),
    DocumentKind.birth_certificate: _l("Birth certificate"),
    DocumentKind.other: _l("Other document"),
})


class ConsentPurpose(LabelledEnum):
    case_processing = "case_processing"
    partner_sharing = "partner_sharing"
    medical_sharing = "medical_sharing"


CONSENT_LABELS = labelled(ConsentPurpose, {
    ConsentPurpose.case_processing: _l("Processing of personal data for the return case"),
    ConsentPurpose.partner_sharing: _l("Sharing with the reintegration partner"),
    ConsentPurpose.medical_sharing: _l("Sharing medical information with the partner"),
})


class SchoolLevel(LabelledEnum):
    nursery = "nursery"
    primary = "primary"
    secondary = "secondary"
    vocational = "vocational"
    special_needs = "special_needs"
    reception_class = "reception_class"


SCHOOL_LEVEL_LABELS = labelled(SchoolLevel, {
    SchoolLevel.nursery: _l("Nursery (maternelle / kleuter)"),
    SchoolLevel.primary: _l("Primary"),
    SchoolLevel.secondary: _l("Secondary"),
    SchoolLevel.vocational: _l("Vocational secondary"),
    SchoolLevel.special_needs: _l("Special needs education"),
    SchoolLevel.reception_class: _l("Reception class for newcomers (DASPA / OKAN)"),
})


class Beneficiary(Base):
    __tablename__ = "beneficiaries"
    __table_args__ = (
        CheckConstraint("length(trim(family_name)) > 0", name="family_name_not_blank"),
        CheckConstraint("length(trim(given_names)) > 0", name="given_names_not_blank"),
        # One principal per case, enforced by a partial unique index (see migration too).
        Index("uq_beneficiaries_one_principal", "case_id", unique=True,
              sqlite_where=text("role = 'principal'"),
              postgresql_where=text("role = 'principal'")),
        Index("ix_beneficiaries_case_id", "case_id"),
        Index("ix_beneficiaries_birth_date", "date_of_birth"),
        Index("ix_beneficiaries_oe_number", "oe_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[HouseholdRole] = mapped_column(enum_column(HouseholdRole, "household_role"))
    given_names: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    name_original: Mapped[str | None] = mapped_column(String(240))
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, "sex"))
    date_of_birth: Mapped[date]
    nationality: Mapped[str] = mapped_column(String(2))
    place_of_birth: Mapped[str | None] = mapped_column(String(120))
    languages: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Asylum stage (Belgium)
    oe_number: Mapped[str | None] = mapped_column(String(20))
    reception_centre: Mapped[str | None] = mapped_column(String(160))
    asylum_applied_on: Mapped[date | None]
    procedure_status: Mapped[ProcedureStatus | None] = mapped_column(
        enum_column(ProcedureStatus, "procedure_status"))
    vulnerability_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="beneficiaries")
    vulnerabilities: Mapped[list[BeneficiaryVulnerability]] = relationship(
        back_populates="beneficiary", cascade="all, delete-orphan")
    identity_documents: Mapped[list[IdentityDocument]] = relationship(
        back_populates="beneficiary", cascade="all, delete-orphan",
        order_by="IdentityDocument.id")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="beneficiary", cascade="all, delete-orphan", order_by="Consent.id")
    school_records: Mapped[list[SchoolRecord]] = relationship(
        back_populates="beneficiary", cascade="all, delete-orphan",
        order_by="SchoolRecord.year_from")

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"

    @property
    def vulnerability_codes(self) -> list[Vulnerability]:
        return sorted((v.code for v in self.vulnerabilities), key=list(Vulnerability).index)

    def consent_for(self, purpose: ConsentPurpose) -> Consent | None:
        return next((c for c in self.consents if c.purpose is purpose
                     and c.withdrawn_on is None), None)

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class BeneficiaryVulnerability(Base):
    __tablename__ = "beneficiary_vulnerabilities"
    __table_args__ = (Index("ix_beneficiary_vulnerabilities_code", "code", "beneficiary_id"),)

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[Vulnerability] = mapped_column(enum_column(Vulnerability, "vulnerability"),
                                                primary_key=True)
    # Copied so "cases with a vulnerable member" needs no join through beneficiaries.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)

    beneficiary: Mapped[Beneficiary] = relationship(back_populates="vulnerabilities")
    case: Mapped[Case] = relationship()


class IdentityDocument(Base):
    __tablename__ = "identity_documents"
    __table_args__ = (
        Index("ix_identity_documents_beneficiary_id", "beneficiary_id"),
        UniqueConstraint("kind", "number", "issuing_country", name="uq_identity_documents_doc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind, "document_kind"))
    number: Mapped[str] = mapped_column(String(40))
    issuing_country: Mapped[str] = mapped_column(String(2))
    expires_on: Mapped[date | None]

    beneficiary: Mapped[Beneficiary] = relationship(back_populates="identity_documents")


class Consent(Base):
    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_beneficiary_id", "beneficiary_id"),
        CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= given_on",
                        name="withdrawn_after_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_column(ConsentPurpose,
                                                                "consent_purpose"))
    given_on: Mapped[date]
    withdrawn_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    beneficiary: Mapped[Beneficiary] = relationship(back_populates="consents")


class SchoolRecord(Base):
    """A school year (or years) of a child in Belgium: needed after return to have the
    schooling recognised."""

    __tablename__ = "school_records"
    __table_args__ = (
        Index("ix_school_records_beneficiary_id", "beneficiary_id"),
        CheckConstraint("year_to >= year_from", name="years_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"))
    school: Mapped[str] = mapped_column(String(160))
    town: Mapped[str] = mapped_column(String(120))
    # School years as the year they start: 2024 means 2024-2025.
    year_from: Mapped[int]
    year_to: Mapped[int]
    level: Mapped[SchoolLevel] = mapped_column(enum_column(SchoolLevel, "school_level"))
    grade: Mapped[str | None] = mapped_column(String(80))

    beneficiary: Mapped[Beneficiary] = relationship(back_populates="school_records")


class NameKey(Base):
    """Search keys of a person's names (see people/names.py): folded tokens for prefix search
    and skeletons for spelling variants, so name search is an index lookup."""

    __tablename__ = "name_keys"
    __table_args__ = (Index("ix_name_keys_key", "key", "case_id"),)

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True)
    # Byte order on PostgreSQL too, so a prefix is an index range (key >= p AND key < p~).
    key: Mapped[str] = mapped_column(
        String(80).with_variant(String(80, collation="C"), "postgresql"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
