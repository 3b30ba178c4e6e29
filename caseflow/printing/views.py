"""Certificate pages: issue and revoke (managers), download (who may see the case) and the
public verification page (no login, rate-limited, minimal data)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from caseflow import ratelimit
from caseflow.cases.models import Case
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.printing import services
from caseflow.printing.models import KIND_LABELS, Certificate, CertificateKind, kind_label
from caseflow.printing.pdf import PdfRenderTimeout
from caseflow.web import choices, show_errors

bp = Blueprint("printing", __name__)

MAX_VERIFY_UPLOAD = 10 * 1024 * 1024
# The address word of each kind: /cases/<number>/certificates/<slug>.
SLUGS = {
    "departure": CertificateKind.voluntary_departure,
    "assistance": CertificateKind.administrative_assistance,
    "school": CertificateKind.school_attendance,
    "reintegration": CertificateKind.reintegration_completed,
}
SLUG_OF = {kind: slug for slug, kind in SLUGS.items()}


# -- forms ---------------------------------------------------------------------------------
class IssueForm(FlaskForm):
    language = SelectField(_l("Language of the certificate"), choices=choices([
        ("fr", _l("French")), ("nl", _l("Dutch")), ("en", _l("English"))]))
    script = SelectField(_l("Serbian script"), choices=choices([
        ("", _l("Not applicable")), ("cyrl", _l("Cyrillic")), ("latn", _l("Latin"))]),
        default="")
    # The child, for a school certificate; checked against the household by the service.
    beneficiary_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class VerifyUploadForm(FlaskForm):
    file = FileField(_l("Certificate (PDF)"), validators=[FileRequired()])


# -- rate limit ----------------------------------------------------------------------------
def _rate_limited() -> Response | None:
    """At most VERIFY_RATE_LIMIT requests a minute per address, counted across workers
    (caseflow/ratelimit.py)."""
    limit = int(current_app.config.get("VERIFY_RATE_LIMIT", 30))
    rule = ratelimit.Rule(ratelimit.VERIFY_PER_ADDRESS.name, f"{limit} per minute")
    address = request.remote_addr or "unknown"
    limiter = ratelimit.limiter()
    if limiter.hit(rule, address):
        return None
    response = make_response(render_template("printing/rate_limited.html"), 429)
    response.headers["Retry-After"] = str(limiter.retry_after(rule, address))
    return response


# -- helpers -------------------------------------------------------------------------------
def _load_case(number: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.number == number))
    if case is None or not case.can_view(current_user):
        abort(404)
    return case


def _load_certificate(certificate_id: int) -> Certificate:
    """The certificate if the user may see its case from the sending side; 404 otherwise.

    The partner organisation sees the case after referral but not the certificates: they are
    documents of the sending office (the returnee holds the original)."""
    cert = db.session.get(Certificate, certificate_id)
    if cert is None or not services.can_download(cert, current_user):
        abort(404)
    return cert


@bp.app_template_global()
def printing_section(case: Case, user: Any) -> dict[str, Any]:
    """What templates/printing/_case_section.html shows for `case` to `user`: nothing to a
    partner (`can_see` false); the kinds offered, or why not, to the managers who issue."""
    can_see = user.is_authenticated and services.can_see_certificates(case, user)
    may_issue = can_see and services.can_issue(case, user)
    return {
        "can_see": can_see,
        "certificates": services.certificates_of(case) if can_see else [],
        "offers": services.offers(case) if may_issue else [],
        "can_issue": may_issue,
        "can_revoke": may_issue,
        "needs_script": case.country_of_return == "RS",
        "issue_form": IssueForm(formdata=None),
        "revoke_form": RevokeForm(formdata=None),
        "kind_labels": KIND_LABELS,
        "slug_of": SLUG_OF,
    }


# The case timeline names certificates by kind.
bp.add_app_template_global(kind_label, "certificate_kind_label")


# -- pages ---------------------------------------------------------------------------------
@bp.post("/cases/<number>/certificates/<slug>")
@login_required
def issue(number: str, slug: str) -> Response:
    kind = SLUGS.get(slug)
    if kind is None:
        abort(404)
    case = _load_case(number)
    if not services.can_issue(case, current_user):
        raise AccessDenied()
    back = redirect(url_for("cases.show", number=case.number))
    form = IssueForm()
    if not form.validate_on_submit():
        flash(_("Choose a child of this household.") if form.beneficiary_id.errors else
              _("The certificate could not be issued: check the language."), "error")
        return back
    child = next((b for b in case.beneficiaries if b.id == form.beneficiary_id.data), None)
    try:
        cert = services.issue_certificate(case, kind, by=current_user,
                                          language=form.language.data,
                                          script=form.script.data or None, beneficiary=child)
    except ValidationFailed as error:
        db.session.rollback()
        flash(error.message, "error")
        return back
    except PdfRenderTimeout:
        db.session.rollback()
        flash(_("The certificate took too long to produce. Please try again later."), "error")
        return back
    db.session.commit()
    flash(_("Certificate %(number)s issued.", number=cert.number), "success")
    return back


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def download(certificate_id: int) -> Response:
    cert = _load_certificate(certificate_id)
    try:
        data = services.stored_bytes(cert)
    except FileNotFoundError:
        # Retention deleted the PDF of an anonymised case; the number still verifies.
        abort(410)
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/certificates/<int:certificate_id>/revoke")
@login_required
def revoke(certificate_id: int) -> Response | str:
    cert = _load_certificate(certificate_id)
    if not services.can_issue(cert.case, current_user):
        raise AccessDenied()
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(cert, by=current_user, reason=form.reason.data)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Certificate %(number)s revoked.", number=cert.number), "success")
            return redirect(url_for("cases.show", number=cert.case.number))
    return render_template("printing/revoke.html", cert=cert, form=form), 400


def _principal_summary(cert: Certificate) -> dict[str, Any]:
    # A school certificate is held by the child it is about.
    principal = cert.beneficiary or cert.case.principal
    if principal is None:
        return {"initials": "", "birth_year": None}
    initials = "".join(part[0].upper() + "." for part in
                       (*principal.given_names.split()[:1], *principal.family_name.split()[:1]))
    return {"initials": initials, "birth_year": principal.date_of_birth.year}


@bp.route("/verify/<code>", methods=["GET", "POST"])
def verify(code: str) -> Response | str | tuple[str, int]:
    limited = _rate_limited()
    if limited is not None:
        return limited
    cert = services.find_by_code(code)
    if cert is None:
        abort(404)
    form = VerifyUploadForm()
    matches: bool | None = None
    if request.method == "POST" and form.validate_on_submit():
        data = form.file.data.read(MAX_VERIFY_UPLOAD + 1)
        matches = len(data) <= MAX_VERIFY_UPLOAD and services.verify_upload(code, data)
    response = make_response(render_template(
        "printing/verify.html", cert=cert, kind_label=KIND_LABELS[cert.kind],
        principal=_principal_summary(cert), form=form, matches=matches))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
