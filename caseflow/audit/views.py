"""Browsing the audit trail (managers: their office's part; admins: all of it)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from caseflow.accounts.models import User
from caseflow.audit import queries
from caseflow.audit.trail import ACTION_LABELS, Action, unsealed_changes
from caseflow.cases.models import Case
from caseflow.extensions import db
from caseflow.web import int_arg, permission_required

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/")
@permission_required(queries.can_browse_audit)
def index() -> str:
    filters = queries.AuditFilters(
        case_number=request.args.get("case", "")[:40],
        user_id=int_arg("user", default=0, minimum=0, maximum=2**31 - 1) or None,
        action=request.args.get("action", ""),
        date_from=_date("from"), date_to=_date("to"))
    page = db.paginate(queries.search(current_user, filters), page=int_arg("page"),
                       per_page=PER_PAGE, error_out=False)
    users = db.session.scalars(select(User).where(User.id.in_(
        select(User.id) if current_user.can_administer()
        else select(User.id).where(User.office_id == current_user.office_id)))
        .order_by(User.full_name)).all()
    changes = {entry.id: unsealed_changes(db.session, entry) for entry in page.items}
    case_numbers = dict(db.session.execute(select(Case.id, Case.number).where(
        Case.id.in_({entry.case_id for entry in page.items if entry.case_id}))).all())
    return render_template("audit/index.html", page=page, filters=filters, users=users,
                           actions=list(Action), action_labels=ACTION_LABELS,
                           changes=changes, case_numbers=case_numbers)
