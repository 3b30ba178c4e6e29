"""Uploading scans to a case and downloading them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from caseflow.cases.forms import DocumentUploadForm, choices
from caseflow.cases.views import load_case
from caseflow.documents import services
from caseflow.documents.models import Document
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.web import show_errors

bp = Blueprint("documents", __name__)


@bp.route("/cases/<number>/documents/new", methods=["GET", "POST"])
@login_required
def upload(number: str) -> str | Response:
    case = load_case(number, full=True)
    if not case.can_attach_documents(current_user):
        raise AccessDenied()
    form = DocumentUploadForm()
    form.beneficiary_id.choices = choices(
        [(0, _("The whole household")), *((b.id, b.full_name) for b in case.beneficiaries)])
    if form.validate_on_submit():
        upload = form.file.data
        person = next((b for b in case.beneficiaries if b.id == form.beneficiary_id.data), None)
        try:
            if upload is None or not upload.filename:
                raise ValidationFailed(_("Choose a file to upload."), field="file")
            services.attach_document(case, upload.stream, filename=upload.filename,
                                     title=form.title.data or "", by=current_user,
                                     beneficiary=person)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Document attached."), "success")
            return redirect(url_for("cases.show", number=case.number, _anchor="documents"))
    return render_template("documents/upload.html", case=case, form=form)


@bp.route("/documents/<int:document_id>/download")
@login_required
def download(document_id: int) -> Response:
    document = db.session.get(Document, document_id)
    if document is None or not document.case.can_view(current_user):
        abort(404)
    try:
        path = services.document_path(document, by=current_user)
    except FileNotFoundError:
        abort(404)
    response = send_file(path, mimetype=document.content_type, as_attachment=True,
                         download_name=document.original_filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
