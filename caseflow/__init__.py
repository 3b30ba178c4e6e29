"""caseflow: case tracking for Assisted Voluntary Return and Reintegration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from caseflow import error_pages, headers, inputs
from caseflow import extensions as ext
from caseflow.audit import requests as audit_requests
from caseflow.db import configure_engine
from caseflow.i18n import select_locale

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> str:
    """templates/ or migrations/: beside the package in a checkout, inside it once installed
    from a wheel (pyproject.toml copies them there)."""
    checkout = PACKAGE_DIR.parent / name
    return str(checkout if checkout.is_dir() else PACKAGE_DIR / name)


def create_app(config: dict[str, Any]) -> Flask:
    """Build the app from a config mapping (see config.load_config)."""
    app = Flask(__name__, template_folder=_resource_dir("templates"),
                instance_path=config.get("INSTANCE_PATH"), instance_relative_config=False)
    app.config.update(config)

    import caseflow.models  # noqa: F401 - every table in the metadata, for Alembic too

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=_resource_dir("migrations"),
                     render_as_batch=True, compare_type=True)
    ext.csrf.init_app(app)
    ext.babel.init_app(app, locale_selector=select_locale)
    _init_login(app)
    with app.app_context():
        configure_engine(ext.db.engine)

    _register_blueprints(app)
    headers.init_app(app)
    inputs.init_app(app)
    audit_requests.init_app(app)
    _register_cli(app)
    error_pages.init_app(app)
    _register_template_helpers(app)
    return app


def _init_login(app: Flask) -> None:
    from caseflow import ratelimit
    from caseflow.accounts import sessions

    ext.login_manager.init_app(app)
    ext.login_manager.login_view = "accounts.login"
    ext.login_manager.login_message = _l("Please log in to see this page.")
    ext.login_manager.login_message_category = "info"
    # Sessions end through the user's session generation (see caseflow/accounts/sessions.py).
    ext.login_manager.user_loader(sessions.load_user)
    sessions.init_app(app)
    ratelimit.init_app(app)
    if proxies := app.config.get("TRUSTED_PROXIES", 0):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind a proxy every request comes from the proxy: the client's address, which
        # login throttling and the audit trail use, is the one the proxy forwards.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def _register_blueprints(app: Flask) -> None:
    from caseflow.accounts.admin import bp as admin_bp
    from caseflow.accounts.views import bp as accounts_bp
    from caseflow.api.views import bp as api_bp
    from caseflow.assistance.views import bp as assistance_bp
    from caseflow.audit.views import bp as audit_bp
    from caseflow.cases.views import bp as cases_bp
    from caseflow.dashboard.views import bp as dashboard_bp
    from caseflow.documents.views import bp as documents_bp
    from caseflow.followups.views import bp as followups_bp
    from caseflow.jobs.views import bp as jobs_bp
    from caseflow.printing.views import bp as printing_bp
    from caseflow.privacy.views import bp as privacy_bp
    from caseflow.programme.views import bp as programme_bp
    from caseflow.reintegration.views import bp as reintegration_bp
    from caseflow.reports.views import bp as reports_bp

    for blueprint in (accounts_bp, admin_bp, api_bp, assistance_bp, audit_bp, cases_bp,
                      dashboard_bp, documents_bp, followups_bp, jobs_bp, printing_bp,
                      privacy_bp, programme_bp, reintegration_bp, reports_bp):
        app.register_blueprint(blueprint)
    # The API authenticates with bearer tokens, not cookies: CSRF does not apply to it.
    ext.csrf.exempt(api_bp)


def _register_cli(app: Flask) -> None:
    from caseflow.accounts.cli import offices_cli, users_cli
    from caseflow.audit.cli import audit_cli
    from caseflow.backup.cli import backup_cli
    from caseflow.cases.cli import cases_cli
    from caseflow.demo.cli import demo_cli
    from caseflow.jobs.cli import jobs_cli
    from caseflow.privacy.cli import retention_cli
    from caseflow.reference import reference_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(offices_cli)
    app.cli.add_command(cases_cli)
    app.cli.add_command(reference_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_cli)


def country_name(code: str | None) -> str:
    """A country code in words, in the user's language (Kosovo with its asterisk)."""
    from babel import Locale

    from caseflow.accounts.models import COUNTRIES

    if not code:
        return ""
    if code in COUNTRIES:
        return str(COUNTRIES[code])
    return Locale.parse(str(get_locale())).territories.get(code, code)


def _register_template_helpers(app: Flask) -> None:
    from caseflow.accounts.forms import LanguageForm
    from caseflow.accounts.models import Role
    from caseflow.audit.queries import can_browse_audit, readers_of_case
    from caseflow.cases.services import can_register
    from caseflow.programme.report import can_view_programme_report

    # Day-month-year with a localised month name reads the same way in every office
    # (Babel's "short" English format would be the American 11/27/26).
    app.jinja_env.filters["when"] = lambda value: format_datetime(value, "d MMM y, HH:mm")
    app.jinja_env.filters["day"] = lambda value: format_date(value, "d MMM y")
    app.jinja_env.filters["country"] = country_name

    @app.context_processor
    def shell_context() -> dict[str, Any]:
        return {"Role": Role, "language_form": LanguageForm, "get_locale": get_locale,
                "can_register_cases": can_register,
                "can_view_programme_report": can_view_programme_report,
                "can_browse_audit": can_browse_audit,
                "case_readers": lambda case: readers_of_case(ext.db.session, case.id)}
