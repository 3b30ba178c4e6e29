"""Registering and editing cases. Stage changes are in workflow.py.

Services check permission and data, change objects and flush; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.cases.models import (
    RETURN_COUNTRIES,
    Case,
    CaseCounter,
    CaseEvent,
    CaseStatus,
    CounsellingSession,
    EventKind,
)
from caseflow.db import bump_year_counter, utcnow
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.people import names
from caseflow.people.models import (
    Beneficiary,
    BeneficiaryVulnerability,
    Consent,
    ConsentPurpose,
    DocumentKind,
    HouseholdRole,
    IdentityDocument,
    NameKey,
    ProcedureStatus,
    SchoolLevel,
    SchoolRecord,
    Sex,
    Vulnerability,
)

NUMBER_PREFIX = "BE"
MAX_HOUSEHOLD = 20


# -- input shapes (filled by forms and by the API) --------------------------------------
@dataclass
class TravelDocumentData:
    kind: DocumentKind
    number: str
    issuing_country: str
    expires_on: date | None = None


@dataclass
class PersonData:
    role: HouseholdRole
    given_names: str
    family_name: str
    sex: Sex
    date_of_birth: date
    nationality: str
    name_original: str | None = None
    place_of_birth: str | None = None
    languages: str | None = None
    phone: str | None = None
    oe_number: str | None = None
    reception_centre: str | None = None
    asylum_applied_on: date | None = None
    procedure_status: ProcedureStatus | None = None
    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    vulnerability_note: str | None = None
    documents: list[TravelDocumentData] = field(default_factory=list)


# The widths of the text columns, checked here so that no database refuses (or cuts) them.
TEXT_LIMITS = {"given_names": 120, "family_name": 120, "name_original": 240,
               "place_of_birth": 120, "languages": 200, "phone": 40, "oe_number": 20,
               "reception_centre": 160, "vulnerability_note": 2000}

PERSON_FIELDS = ("role", "given_names", "family_name", "sex", "date_of_birth", "nationality",
                 "name_original", "place_of_birth", "languages", "phone", "oe_number",
                 "reception_centre", "asylum_applied_on", "procedure_status",
                 "vulnerability_note")


@dataclass
class CaseDetails:
    country_of_return: str
    municipality: str
    assignee_id: int | None = None


@dataclass
class Registration:
    details: CaseDetails
    household: list[PersonData]
    consent_on: date
    consent_purposes: list[ConsentPurpose] = field(
        default_factory=lambda: [ConsentPurpose.case_processing])
    duplicate_reason: str | None = None


# -- validation --------------------------------------------------------------------------
def _check_person(person: PersonData, prefix: str, today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(f"{prefix}{name}", []).append(message)

    for name, limit in TEXT_LIMITS.items():
        value = getattr(person, name)
        if isinstance(value, str) and len(value.strip()) > limit:
            err(name, _("Use at most %(n)d characters.", n=limit))
    if not person.given_names.strip():
        err("given_names", _("Enter the given names."))
    if not person.family_name.strip():
        err("family_name", _("Enter the family name."))
    if person.date_of_birth > today:
        err("date_of_birth", _("The date of birth cannot be in the future."))
    elif person.date_of_birth.year < today.year - 120:
        err("date_of_birth", _("Check the date of birth: more than 120 years ago."))
    if len(person.nationality) != 2 or not person.nationality.isalpha() \
            or not person.nationality.isupper():
        err("nationality", _("Choose a nationality from the list."))
    if person.asylum_applied_on and person.asylum_applied_on > today:
        err("asylum_applied_on", _("This date cannot be in the future."))
    if person.asylum_applied_on and person.asylum_applied_on < person.date_of_birth:
        err("asylum_applied_on", _("The asylum application cannot be before the birth."))
    age = today.year - person.date_of_birth.year - (
        (today.month, today.day) < (person.date_of_birth.month, person.date_of_birth.day))
    if person.role is HouseholdRole.principal and age < 18 and \
            Vulnerability.unaccompanied_minor not in person.vulnerabilities:
        err("role", _("A principal applicant under 18 must be marked as an unaccompanied "
                      "minor."))
    for n, doc in enumerate(person.documents):
        if not doc.number.strip():
            err(f"documents.{n}.number", _("Enter the document number."))
        elif len(doc.number.strip()) > 40:
            err(f"documents.{n}.number", _("Use at most %(n)d characters.", n=40))
    return errors


def _check_household(household: list[PersonData], today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not household:
        return {"household": [_("Add at least the principal applicant.")]}
    if len(household) > MAX_HOUSEHOLD:
        return {"household": [_("A household has at most %(n)d people.", n=MAX_HOUSEHOLD)]}
    principals = [p for p in household if p.role is HouseholdRole.principal]
    if len(principals) != 1:
        errors["household"] = [_("A household has exactly one principal applicant.")]
    seen: set[tuple[DocumentKind, str, str]] = set()
    for n, person in enumerate(household):
        errors.update(_check_person(person, f"household.{n}.", today))
        errors.update(_check_documents(person, f"household.{n}.", seen))
    return errors


def _check_documents(person: PersonData, prefix: str,
                     seen: set[tuple[DocumentKind, str, str]]) -> dict[str, list[str]]:
    """A travel document is recorded once in caseflow (unique kind, number and country):
    say so for the field instead of failing on the database's unique constraint."""
    errors: dict[str, list[str]] = {}
    for n, doc in enumerate(person.documents):
        number = doc.number.strip().upper()
        if not number:
            continue
        key = (doc.kind, number, doc.issuing_country)
        if key in seen:
            errors[f"{prefix}documents.{n}.number"] = [_("This document is given twice.")]
        elif db.session.scalar(select(IdentityDocument.id).where(
                IdentityDocument.kind == doc.kind, IdentityDocument.number == number,
                IdentityDocument.issuing_country == doc.issuing_country)):
            errors[f"{prefix}documents.{n}.number"] = [
                _("This document is already recorded in caseflow.")]
        seen.add(key)
    return errors


def _check_details(details: CaseDetails, office: Office) -> tuple[dict[str, list[str]],
                                                                   User | None]:
    errors: dict[str, list[str]] = {}
    if details.country_of_return not in RETURN_COUNTRIES:
        errors["country_of_return"] = [_("Choose a country of return from the list.")]
    if not details.municipality.strip():
        errors["municipality"] = [_("Enter the municipality of return.")]
    elif len(details.municipality.strip()) > 120:
        errors["municipality"] = [_("Use at most %(n)d characters.", n=120)]
    assignee = None
    if details.assignee_id is not None:
        assignee = db.session.get(User, details.assignee_id)
        if assignee is None or not assignee.is_active or assignee.office_id != office.id \
                or assignee.role not in (Role.caseworker, Role.manager):
            errors["assignee_id"] = [_("Choose an active caseworker or manager of the "
                                       "case's office.")]
    return errors, assignee


def can_register(user: User) -> bool:
    return user.is_active and user.role in (Role.caseworker, Role.manager) and \
        user.office.kind is OfficeKind.sending


# -- case numbers --------------------------------------------------------------------------
def next_case_number(year: int) -> str:
    """BE-2026-000123: per-year sequence, taken with an UPDATE that locks the counter row
    until the registering transaction ends, so two registrations never share a number."""
    bumped = bump_year_counter(db.session(), CaseCounter, year)
    return f"{NUMBER_PREFIX}-{year}-{bumped:06d}"


# -- registering ---------------------------------------------------------------------------
def register_case(data: Registration, *, by: User, today: date | None = None) -> Case:
    """Create a case with its household. Raises DuplicatesFound when look-alikes exist and
    no reason to go on was given; ValidationFailed for bad data."""
    from caseflow.cases.duplicates import DuplicatesFound, find_duplicates

    if not can_register(by):
        raise AccessDenied(_("Only caseworkers and managers of a sending office register "
                             "cases."))
    today = today or date.today()
    errors = _check_household(data.household, today)
    details_errors, assignee = _check_details(data.details, by.office)
    errors.update(details_errors)
    if data.consent_on > today:
        errors["consent_on"] = [_("The consent date cannot be in the future.")]
    if ConsentPurpose.case_processing not in data.consent_purposes:
        errors["consent_purposes"] = [_("Consent to the processing of personal data is "
                                        "needed to open a case.")]
    if errors:
        raise ValidationFailed(errors)

    reason = (data.duplicate_reason or "").strip()
    if not reason:
        matches = find_duplicates(data.household, viewer=by)
        if matches:
            raise DuplicatesFound(matches)

    case = Case(number=next_case_number(today.year), office=by.office,
                assignee=assignee if data.details.assignee_id else by,
                country_of_return=data.details.country_of_return,
                municipality=data.details.municipality.strip(),
                status=CaseStatus.registered, registered_by=by,
                duplicate_override_reason=reason or None)
    db.session.add(case)
    for position, person in enumerate(data.household):
        beneficiary = _new_beneficiary(case, person, position)
        if person.role is HouseholdRole.principal:
            for purpose in data.consent_purposes:
                beneficiary.consents.append(Consent(purpose=purpose, given_on=data.consent_on,
                                                    recorded_by_id=by.id))
    _refresh_summary(case)
    db.session.flush()
    _index_names(case)
    db.session.add(CaseEvent(case=case, kind=EventKind.created, by=by,
                             to_status=CaseStatus.registered, version=case.version,
                             note=reason or None,
                             data={"household_size": len(data.household)}))
    db.session.flush()
    return case


def _new_beneficiary(case: Case, person: PersonData, position: int) -> Beneficiary:
    beneficiary = Beneficiary(position=position)
    _set_person_fields(beneficiary, person)
    for code in dict.fromkeys(person.vulnerabilities):
        beneficiary.vulnerabilities.append(BeneficiaryVulnerability(code=code, case=case))
    for doc in person.documents:
        beneficiary.identity_documents.append(IdentityDocument(
            kind=doc.kind, number=doc.number.strip().upper(),
            issuing_country=doc.issuing_country, expires_on=doc.expires_on))
    case.beneficiaries.append(beneficiary)
    return beneficiary


def _set_person_fields(beneficiary: Beneficiary, person: PersonData) -> dict[str, list[Any]]:
    """Copy a person's fields; return {field: [old, new]} of what changed."""
    changes: dict[str, list[Any]] = {}
    for name in PERSON_FIELDS:
        value = getattr(person, name)
        if isinstance(value, str) and not isinstance(value, Enum):
            value = value.strip() or None
            if name in ("given_names", "family_name"):
                value = value or ""
            if name == "oe_number" and value:
                value = value.upper()
        old = getattr(beneficiary, name, None)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(beneficiary, name, value)
    return changes


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def _refresh_summary(case: Case) -> None:
    principal = case.principal
    case.principal_name = principal.full_name if principal else ""
    case.household_size = len(case.beneficiaries)


def _index_names(case: Case) -> None:
    """Rewrite the name search keys of every person of the case."""
    ids = [b.id for b in case.beneficiaries]
    if ids:
        db.session.execute(NameKey.__table__.delete().where(
            NameKey.beneficiary_id.in_(ids)))
    # Truncate to the column's width first, then de-duplicate: two long words may share
    # their first 80 characters.
    rows = [{"beneficiary_id": b.id, "case_id": case.id, "key": key}
            for b in case.beneficiaries
            for key in {k[:80] for k in names.name_keys(b.full_name, b.name_original)}]
    if rows:
        db.session.execute(insert(NameKey), rows)


# -- editing -----------------------------------------------------------------------------
def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is None or expected_version == case.version:
        return
    events = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.version > expected_version)
        .order_by(CaseEvent.id)).all()
    changes: list[dict[str, object]] = []
    for event in events:
        who = event.by.full_name if event.by else "?"
        if event.kind is EventKind.edited:
            for name, (old, new) in event.data.items():
                changes.append({"at": event.at.isoformat(), "by": who, "field": name,
                                "old": old, "new": new})
        else:
            changes.append({"at": event.at.isoformat(), "by": who, "field": event.kind.value,
                            "old": event.from_status.value if event.from_status else None,
                            "new": event.to_status.value if event.to_status else event.note})
    raise StaleEdit(_("Someone else saved this case after you opened it. Nothing of yours "
                      "was saved; look at their changes below, then make yours again."),
                    case.version, changes)


def check_case_version(case: Case, expected_version: int | None) -> None:
    """Refuse (StaleEdit, listing the changes since) a save of something the case's version
    covers (its people, plan lines) from a form loaded at an older version."""
    _check_version(case, expected_version)


def _record_edit(case: Case, by: User, changes: dict[str, list[Any]]) -> CaseEvent | None:
    if not changes:
        return None
    case.updated_at = utcnow()  # an UPDATE of the case row, so its version moves on
    db.session.flush()
    event = CaseEvent(case=case, kind=EventKind.edited, by=by, version=case.version,
                      data=changes)
    db.session.add(event)
    db.session.flush()
    return event


def update_case_details(case: Case, details: CaseDetails, *, by: User,
                        expected_version: int | None) -> CaseEvent | None:
    """Change country, municipality or assignee. Refused if the case changed meanwhile."""
    if not case.can_edit(by):
        raise AccessDenied()
    _check_version(case, expected_version)
    errors, assignee = _check_details(details, case.office)
    if details.country_of_return != case.country_of_return and case.partner_id:
        errors["country_of_return"] = [_("The case is referred to a partner in this country; "
                                         "the country can no longer change.")]
    if errors:
        raise ValidationFailed(errors)
    changes: dict[str, list[Any]] = {}
    new_values = {"country_of_return": details.country_of_return,
                  "municipality": details.municipality.strip(),
                  "assignee_id": assignee.id if assignee else None}
    for name, value in new_values.items():
        if getattr(case, name) != value:
            changes[name] = [getattr(case, name), value]
            setattr(case, name, value)
    case.assignee = assignee  # the relationship too, or it keeps the old user (or none)
    return _record_edit(case, by, changes)


def update_person(case: Case, beneficiary: Beneficiary, person: PersonData, *, by: User,
                  expected_version: int | None, today: date | None = None) -> CaseEvent | None:
    """Change one person's identity, asylum and vulnerability data."""
    if not case.can_edit(by) or beneficiary.case_id != case.id:
        raise AccessDenied()
    _check_version(case, expected_version)
    today = today or date.today()
    errors = _check_person(person, "", today)
    others = [b for b in case.beneficiaries if b is not beneficiary]
    if person.role is HouseholdRole.principal and any(
            b.role is HouseholdRole.principal for b in others):
        errors["role"] = [_("The household already has a principal applicant.")]
    if beneficiary.role is HouseholdRole.principal and person.role is not \
            HouseholdRole.principal:
        errors["role"] = [_("Make another person the principal applicant first.")]
    if errors:
        raise ValidationFailed(errors)
    changes = {f"{beneficiary.full_name}: {k}": v
               for k, v in _set_person_fields(beneficiary, person).items()}
    wanted = set(person.vulnerabilities)
    current = {v.code for v in beneficiary.vulnerabilities}
    if wanted != current:
        changes[f"{beneficiary.full_name}: vulnerabilities"] = [
            sorted(c.value for c in current), sorted(c.value for c in wanted)]
        for link in list(beneficiary.vulnerabilities):
            if link.code not in wanted:
                beneficiary.vulnerabilities.remove(link)
        for code in wanted - current:
            beneficiary.vulnerabilities.append(BeneficiaryVulnerability(code=code, case=case))
    _refresh_summary(case)
    db.session.flush()
    _index_names(case)
    return _record_edit(case, by, changes)


def add_person(case: Case, person: PersonData, *, by: User, expected_version: int | None,
               today: date | None = None) -> Beneficiary:
    if not case.can_edit(by):
        raise AccessDenied()
    _check_version(case, expected_version)
    today = today or date.today()
    errors = _check_person(person, "", today)
    errors.update(_check_documents(person, "", set()))
    if person.role is HouseholdRole.principal:
        errors["role"] = [_("The household already has a principal applicant.")]
    if len(case.beneficiaries) >= MAX_HOUSEHOLD:
        errors[""] = [_("A household has at most %(n)d people.", n=MAX_HOUSEHOLD)]
    if errors:
        raise ValidationFailed(errors)
    beneficiary = _new_beneficiary(case, person, len(case.beneficiaries))
    _refresh_summary(case)
    db.session.flush()
    _index_names(case)
    _record_edit(case, by, {"household": [None, beneficiary.full_name]})
    return beneficiary


def remove_person(case: Case, beneficiary: Beneficiary, *, by: User,
                  expected_version: int | None) -> None:
    if not case.can_edit(by) or beneficiary.case_id != case.id:
        raise AccessDenied()
    _check_version(case, expected_version)
    if beneficiary.role is HouseholdRole.principal:
        raise ValidationFailed(_("The principal applicant cannot be removed."))
    # An issued certificate names this person and must stay verifiable: it keeps them.
    from caseflow.printing.models import Certificate

    if db.session.scalar(select(Certificate.id).where(
            Certificate.beneficiary_id == beneficiary.id).limit(1)):
        raise ValidationFailed(_("%(name)s holds an issued certificate and cannot be removed.",
                                 name=beneficiary.full_name))
    name = beneficiary.full_name
    case.beneficiaries.remove(beneficiary)
    _refresh_summary(case)
    db.session.flush()
    _record_edit(case, by, {"household": [name, None]})


def _touch(case: Case, by: User, what: str, value: Any) -> None:
    _record_edit(case, by, {what: [None, value]})


def add_identity_document(case: Case, beneficiary: Beneficiary, doc: TravelDocumentData, *,
                          by: User) -> IdentityDocument:
    if not case.can_edit(by) or beneficiary.case_id != case.id:
        raise AccessDenied()
    errors: dict[str, list[str]] = {}
    number = doc.number.strip().upper()
    if not number:
        errors["number"] = [_("Enter the document number.")]
    elif len(number) > 40:
        errors["number"] = [_("Use at most %(n)d characters.", n=40)]
    elif db.session.scalar(select(IdentityDocument.id).where(
            IdentityDocument.kind == doc.kind, IdentityDocument.number == number,
            IdentityDocument.issuing_country == doc.issuing_country)):
        errors["number"] = [_("This document is already recorded in caseflow.")]
    if doc.expires_on and doc.expires_on < beneficiary.date_of_birth:
        errors["expires_on"] = [_("The expiry date cannot be before the birth.")]
    if errors:
        raise ValidationFailed(errors)
    record = IdentityDocument(kind=doc.kind, number=number,
                              issuing_country=doc.issuing_country, expires_on=doc.expires_on)
    beneficiary.identity_documents.append(record)
    db.session.flush()
    _touch(case, by, f"{beneficiary.full_name}: document", f"{doc.kind.value} {number}")
    return record


@dataclass
class SchoolData:
    school: str
    town: str
    year_from: int
    year_to: int
    level: SchoolLevel
    grade: str | None = None


def add_school_record(case: Case, child: Beneficiary, data: SchoolData, *, by: User,
                      today: date | None = None) -> SchoolRecord:
    """A child's school years in Belgium, printed later for recognition after return."""
    if not case.can_edit(by) or child.case_id != case.id:
        raise AccessDenied()
    today = today or date.today()
    errors: dict[str, list[str]] = {}
    if child.role is not HouseholdRole.child:
        errors[""] = [_("School history is recorded for the children of the household.")]
    if not data.school.strip():
        errors["school"] = [_("Enter the school's name.")]
    if not data.town.strip():
        errors["town"] = [_("Enter the town.")]
    for name, limit in (("school", 160), ("town", 120), ("grade", 80)):
        if len((getattr(data, name) or "").strip()) > limit:
            errors[name] = [_("Use at most %(n)d characters.", n=limit)]
    if data.year_to < data.year_from:
        errors["year_to"] = [_("The last school year cannot be before the first.")]
    if data.year_from < child.date_of_birth.year or data.year_to > today.year:
        errors["year_from"] = [_("The school years must lie between the child's birth and "
                                 "this year.")]
    if errors:
        raise ValidationFailed(errors)
    record = SchoolRecord(school=data.school.strip(), town=data.town.strip(),
                          year_from=data.year_from, year_to=data.year_to, level=data.level,
                          grade=(data.grade or "").strip() or None)
    child.school_records.append(record)
    db.session.flush()
    _touch(case, by, f"{child.full_name}: school", record.school)
    return record


def record_consent(case: Case, beneficiary: Beneficiary, purpose: ConsentPurpose,
                   given_on: date, *, by: User) -> Consent:
    if not case.can_edit(by) or beneficiary.case_id != case.id:
        raise AccessDenied()
    if given_on > date.today():
        raise ValidationFailed(_("The consent date cannot be in the future."), field="given_on")
    if beneficiary.consent_for(purpose) is not None:
        raise ValidationFailed(_("This consent is already recorded."), field="purpose")
    consent = Consent(purpose=purpose, given_on=given_on, recorded_by_id=by.id)
    beneficiary.consents.append(consent)
    db.session.flush()
    _touch(case, by, f"{beneficiary.full_name}: consent", purpose.value)
    return consent


@dataclass
class SessionData:
    held_on: date
    language: str
    interpreter: str | None = None
    notes: str = ""


def log_counselling_session(case: Case, data: SessionData, *, by: User,
                            today: date | None = None) -> CounsellingSession:
    """A return counselling session: date, counsellor (the user), language, interpreter."""
    if not case.can_edit(by) or by.role not in (Role.caseworker, Role.manager):
        raise AccessDenied()
    today = today or date.today()
    errors: dict[str, list[str]] = {}
    if data.held_on > today:
        errors["held_on"] = [_("A session cannot be logged before it takes place.")]
    if data.held_on < case.registered_at.date():
        errors["held_on"] = [_("The session cannot be before the case was registered.")]
    if not data.language.strip():
        errors["language"] = [_("Enter the language of the session.")]
    for name, limit in (("language", 40), ("interpreter", 120)):
        if len((getattr(data, name) or "").strip()) > limit:
            errors[name] = [_("Use at most %(n)d characters.", n=limit)]
    if errors:
        raise ValidationFailed(errors)
    session = CounsellingSession(case=case, held_on=data.held_on, counsellor=by,
                                 language=data.language.strip(),
                                 interpreter=(data.interpreter or "").strip() or None,
                                 notes=data.notes.strip())
    db.session.add(session)
    db.session.flush()
    db.session.add(CaseEvent(case=case, kind=EventKind.session_logged, by=by,
                             version=case.version, data={"held_on": data.held_on.isoformat(),
                                                         "language": session.language}))
    db.session.flush()
    return session
