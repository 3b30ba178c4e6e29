"""`flask users ...`: manage accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from caseflow.accounts import services, tokens
from caseflow.accounts.models import COUNTRIES, Office, OfficeKind, Role, User
from caseflow.errors import ValidationFailed
from caseflow.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--office", "office_name", required=True, help="Office name, exactly.")
@click.option("--language", type=click.Choice(["en", "fr", "nl"]), default=None)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of prompting.")
def create_user(email: str, full_name: str, role: str, office_name: str, language: str | None,
                password_stdin: bool) -> None:
    """Create a user account."""
    office = db.session.scalar(select(Office).where(Office.name == office_name))
    if office is None:
        raise click.BadParameter(f"no office named {office_name!r}", param_hint="--office")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = services.UserData(email=email, full_name=full_name, role=Role(role),
                             office_id=office.id, preferred_language=language)
    try:
        user = services.create_user(data, password, by=None)
    except ValidationFailed as error:
        db.session.rollback()
        _print_errors(error)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}, {office.name}).")


@users_cli.command("list")
def list_users() -> None:
    """List every account with its role, office and status."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    if not users:
        click.echo("No users yet. Create one with `flask users create`.")
        return
    width = max(len(u.email) for u in users)
    for user in users:
        status = "active" if user.is_active else "inactive"
        click.echo(f"{user.email:<{width}}  {user.role.value:<21}  {status:<8}  "
                   f"{user.office.name}")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. the script using it.")
def create_api_token(email: str, name: str) -> None:
    """Create a personal API token for EMAIL and print it (once: it is stored hashed)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.BadParameter(f"no user with the e-mail address {email!r}",
                                 param_hint="EMAIL")
    if not user.is_active:
        raise click.BadParameter(f"the account {user.email} is deactivated",
                                 param_hint="EMAIL")
    try:
        token, secret = tokens.create_token(user, name)
    except ValidationFailed as error:
        db.session.rollback()
        _print_errors(error)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Created API token {token.name!r} for {user.email}. Copy it now; it is not "
               "shown again:", err=True)
    click.echo(secret)


offices_cli = AppGroup("offices", help="Manage offices.")


@offices_cli.command("create")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice([k.value for k in OfficeKind]), required=True)
@click.option("--country", type=click.Choice(sorted(COUNTRIES)), required=True,
              help="ISO code: BE for a sending office, AL, MK, XK or RS for a partner.")
@click.option("--city", required=True)
def create_office(name: str, kind: str, country: str, city: str) -> None:
    """Create an office (the first one is needed before the first user)."""
    data = services.OfficeData(name=name, kind=OfficeKind(kind), country=country, city=city)
    try:
        office = services.create_office(data, by=None)
    except ValidationFailed as error:
        db.session.rollback()
        _print_errors(error)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Created office {office.name} ({office.kind.value}, {office.country}).")


@offices_cli.command("list")
def list_offices() -> None:
    """List every office."""
    offices = db.session.scalars(select(Office).order_by(Office.name)).all()
    if not offices:
        click.echo("No offices yet. Create one with `flask offices create`.")
    for office in offices:
        status = "active" if office.is_active else "inactive"
        click.echo(f"{office.name:<40}  {office.kind.value:<8}  {office.country}  {status}")


def _print_errors(error: ValidationFailed) -> None:
    for field, messages in error.errors.items():
        for message in messages:
            click.echo(f"error: {field or 'input'}: {message}", err=True)
