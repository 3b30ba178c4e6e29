"""One dashboard per role. Until cases exist they say so plainly."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from caseflow.accounts.models import Office, Role, User
from caseflow.extensions import db

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@login_required
def index() -> str:
    role: Role = current_user.role
    context: dict[str, object] = {}
    if role is Role.admin:
        context["user_counts"] = dict(db.session.execute(
            select(User.role, func.count()).where(User.is_active).group_by(User.role)).all())
        context["office_count"] = db.session.scalar(
            select(func.count()).select_from(Office).where(Office.is_active))
    return render_template(f"dashboard/{role.value}.html", **context)
