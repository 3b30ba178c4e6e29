"""Retention: cases closed longer than the retention period are anonymised.

What goes: names (replaced by ANONYMISED), the name in original script, phone, languages,
Immigration Office number, place of birth, reception centre, the day and month of birth and
of the asylum application (kept as 1 January of the year), identity documents, uploaded
scans (rows and files), the stored PDFs of certificates (number, dates and revocation stay,
so a certificate still verifies as issued), the name search keys, and the free text of every
record of the case: notes of vulnerabilities, counselling sessions (and the interpreter's
name), follow-up visits, stage changes and edits, the plan's summary and lines, service
outcomes, rejection and duplicate reasons, revocation reasons, school names and towns.

What stays, for the programme's figures: sex, nationality, year of birth, household roles,
vulnerability categories, consents (purpose and dates), stages with their dates and
durations, amounts, services by type and outcome status, visit dates and survey scores,
counts of everything. The audit trail keeps its entries; `audit.shred` then forgets the key
the case's recorded values were encrypted with (see `unshredded_cases` for when).

Files are deleted only after the case's transaction commits (`delete_files`), so a failed
case keeps its files as well as its rows.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from caseflow import audit
from caseflow.audit.models import AuditKey
from caseflow.cases.models import Case, CaseStatus, EventKind
from caseflow.cases.workflow import FIELDS
from caseflow.db import utcnow
from caseflow.documents import storage
from caseflow.documents.models import Document
from caseflow.documents.services import upload_folder
from caseflow.errors import ValidationFailed
from caseflow.extensions import db
from caseflow.people.models import Beneficiary, IdentityDocument, NameKey
from caseflow.printing.models import Certificate
from caseflow.printing.services import certificate_folder

ANONYMISED = "Anonymised"
# Stage data logged with a transition that is not free text (dates, the partner, the
# closure reason, yes/no answers); everything else in it is cleared.
KEPT_STAGE_KINDS = ("date", "partner", "closure_reason", "bool")
KEPT_STAGE_KEYS = frozenset({"partner"} | {name for name, spec in FIELDS.items()
                                           if spec.kind in KEPT_STAGE_KINDS})
CERTIFICATE_EVENTS = (EventKind.certificate_issued, EventKind.certificate_revoked)


def months_before(moment: datetime, months: int) -> datetime:
    """`moment` minus whole calendar months (31 March minus one month is 28/29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class DueCase:
    """A case the retention run anonymises, with what it will delete."""

    id: int
    number: str
    closed_at: datetime
    documents: int
    identity_documents: int
    certificate_files: int


def _counts(model: Any, column: Any, case_ids: list[int],
            join: Any = None) -> dict[int, int]:
    query = select(column, func.count()).select_from(model)
    if join is not None:
        query = query.join(*join)
    return dict(db.session.execute(query.where(column.in_(case_ids)).group_by(column)).all())


def cases_due(months: int, now: datetime | None = None) -> list[DueCase]:
    """Closed, not yet anonymised cases whose closure is more than `months` before `now`,
    oldest closure first."""
    if months < 1:
        raise ValidationFailed(_("The retention period must be at least one month."),
                               field="months")
    cutoff = months_before(now or utcnow(), months)
    rows = db.session.execute(
        select(Case.id, Case.number, Case.closed_at)
        .where(Case.status == CaseStatus.closed, Case.anonymised_at.is_(None),
               Case.closed_at < cutoff)
        .order_by(Case.closed_at, Case.id)).all()
    ids = [row.id for row in rows]
    documents = _counts(Document, Document.case_id, ids)
    identity = _counts(IdentityDocument, Beneficiary.case_id, ids,
                       join=(Beneficiary, Beneficiary.id == IdentityDocument.beneficiary_id))
    certificates = _counts(Certificate, Certificate.case_id, ids)
    return [DueCase(id=row.id, number=row.number, closed_at=row.closed_at,
                    documents=documents.get(row.id, 0),
                    identity_documents=identity.get(row.id, 0),
                    certificate_files=certificates.get(row.id, 0)) for row in rows]


@dataclass
class Anonymisation:
    """What anonymising one case did; `files` are deleted once its transaction commits."""

    number: str
    people: int = 0
    documents: int = 0
    identity_documents: int = 0
    certificate_files: int = 0
    files: list[Path] = field(default_factory=list)


def _year_only(day: date | None) -> date | None:
    return None if day is None else date(day.year, 1, 1)


def _scrub(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, ANONYMISED)
    return text


def _stored_path(folder: Path, storage_name: str) -> Path:
    """The file a row names, checked now (inside the transaction): a name store() cannot
    have produced stops this case instead of deleting something else later."""
    try:
        return storage.open_stored(folder, storage_name)
    except FileNotFoundError:
        return folder / storage_name  # already gone: nothing to delete, nothing wrong


def _anonymise_people(case: Case, result: Anonymisation) -> None:
    for person in case.beneficiaries:
        result.people += 1
        result.identity_documents += len(person.identity_documents)
        person.identity_documents.clear()
        person.given_names = person.family_name = ANONYMISED
        person.name_original = person.place_of_birth = person.languages = None
        person.phone = person.oe_number = person.reception_centre = None
        person.vulnerability_note = None
        person.date_of_birth = date(person.date_of_birth.year, 1, 1)
        person.asylum_applied_on = _year_only(person.asylum_applied_on)
        for record in person.school_records:
            record.school = record.town = ""
            record.grade = None
    db.session.execute(delete(NameKey).where(NameKey.case_id == case.id))


def _anonymise_events(case: Case, names: list[str]) -> None:
    for event in case.events:
        event.note = None
        data = dict(event.data or {})
        if event.kind is EventKind.transition:
            data = {key: value if key in KEPT_STAGE_KEYS else None
                    for key, value in data.items()}
        elif event.kind is EventKind.edited:
            # The keys name what changed, e.g. "<person's name>: document".
            data = {_scrub(key, names): [None, None] for key in data}
        elif event.kind is EventKind.document_added:
            data = {}
        elif event.kind in CERTIFICATE_EVENTS:
            data.pop("person", None)
        event.data = data


def _anonymise_records(case: Case) -> None:
    case.principal_name = ANONYMISED
    case.duplicate_override_reason = case.rejection_reason = None
    case.flight_number = None
    for session in case.sessions:
        session.notes = ""
        session.interpreter = None
    for visit in case.visits:
        visit.notes = visit.next_steps = None
    if case.plan is not None:
        case.plan.summary = case.plan.over_budget_reason = None
        for line in case.plan.lines:
            line.description = ANONYMISED
            line.supplier = None
    for service in case.services:
        service.outcome = None


def anonymise_case(case: Case, *, now: datetime | None = None) -> Anonymisation:
    """Anonymise one closed case (see the module's docstring for what goes and what stays)
    and record it in the audit trail. Flushes; the caller commits, then calls
    `shred_audit_values` and commits again, then `delete_files`. ValidationFailed for an open
    or already anonymised case; ValueError for a stored file name caseflow cannot have
    written."""
    if case.status is not CaseStatus.closed:
        raise ValidationFailed(_("Only closed cases are anonymised."))
    if case.anonymised_at is not None:
        raise ValidationFailed(_("This case is already anonymised."))
    result = Anonymisation(number=case.number)
    names = sorted({text for person in case.beneficiaries
                    for text in (person.full_name, person.name_original, person.given_names,
                                 person.family_name) if text}, key=len, reverse=True)

    uploads = upload_folder()
    for document in list(case.documents):
        result.files.append(_stored_path(uploads, document.storage_name))
        result.documents += 1
    case.documents.clear()
    certificates = db.session.scalars(select(Certificate).where(
        Certificate.case_id == case.id)).all()
    folder = certificate_folder() if certificates else Path(current_app.instance_path)
    for cert in certificates:
        result.files.append(_stored_path(folder, cert.storage_name))
        result.certificate_files += 1
        if cert.revoke_reason is not None:
            cert.revoke_reason = ANONYMISED

    _anonymise_people(case, result)
    _anonymise_events(case, names)
    _anonymise_records(case)
    case.anonymised_at = now or utcnow()
    db.session.flush()
    audit.record(audit.Action.update, case_id=case.id, target="case", target_id=case.id,
                 details={"retention": True, "people": result.people,
                          "documents": result.documents,
                          "identity_documents": result.identity_documents,
                          "certificate_files": result.certificate_files})
    return result


def unshredded_cases() -> list[int]:
    """Anonymised cases whose audit key still exists.

    The trail seals the old values of this very anonymisation when its transaction commits,
    with the case's key (a new one if it was deleted before): the key can only be shredded
    after that commit, in a transaction of its own. A run that stopped in between leaves
    the key; the next run finds it here."""
    return list(db.session.scalars(
        select(AuditKey.case_id).join(Case, Case.id == AuditKey.case_id)
        .where(Case.anonymised_at.is_not(None)).order_by(AuditKey.case_id)))


def shred_audit_values(case_id: int) -> None:
    """Forget the key of an anonymised case's recorded values (after its anonymisation
    committed). The caller commits."""
    audit.shred(case_id)


def delete_files(result: Anonymisation) -> list[Path]:
    """Remove the files of a committed anonymisation; returns those that could not be
    removed (the run reports them: the rows are gone, the bytes must go by hand)."""
    left: list[Path] = []
    for path in result.files:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            left.append(path)
    return left
