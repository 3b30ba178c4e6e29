"""Attaching scans to cases and handing them back to the people allowed to see them."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _

from caseflow.accounts.models import User
from caseflow.cases.models import Case, CaseEvent, EventKind
from caseflow.documents import storage
from caseflow.documents.models import Document
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.people.models import Beneficiary

REFUSALS = {
    "empty": lambda: _("The file is empty."),
    "too_large": lambda: _("The file is larger than %(mb)d MB.",
                           mb=storage.MAX_BYTES // (1024 * 1024)),
    "unsupported_type": lambda: _("Only PDF, JPEG and PNG files can be attached."),
    "corrupt": lambda: _("The file is damaged or not what its type says."),
}


def upload_folder() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / "uploads"


def attach_document(case: Case, stream: BinaryIO, *, filename: str, title: str, by: User,
                    beneficiary: Beneficiary | None = None) -> Document:
    """Store an uploaded scan (type checked from its content) and attach it to the case."""
    if not case.can_attach_documents(by):
        raise AccessDenied()
    if beneficiary is not None and beneficiary.case_id != case.id:
        raise ValidationFailed(_("Choose a person of this household."), field="beneficiary_id")
    title = title.strip()
    if not title:
        raise ValidationFailed(_("Give the document a title."), field="title")
    try:
        stored = storage.store(upload_folder(), stream)
    except storage.UploadRefused as refused:
        raise ValidationFailed(REFUSALS[refused.reason](), field="file") from None
    document = Document(case=case, beneficiary=beneficiary, title=title[:160],
                        original_filename=Path(filename or "scan").name[:255] or "scan",
                        storage_name=stored.storage_name, content_type=stored.content_type,
                        size=stored.size, sha256=stored.sha256, uploaded_by=by)
    db.session.add(document)
    db.session.flush()
    db.session.add(CaseEvent(case=case, kind=EventKind.document_added, by=by,
                             version=case.version, data={"title": document.title}))
    db.session.flush()
    return document


def document_path(document: Document, *, by: User) -> Path:
    """The stored file, for a user who may see the case; AccessDenied otherwise."""
    if not document.case.can_view(by):
        raise AccessDenied()
    return storage.open_stored(upload_folder(), document.storage_name)
