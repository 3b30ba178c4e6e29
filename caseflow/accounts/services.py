"""Every change to users and offices goes through these functions.

They validate, change state and flush; the caller (a view or a CLI command) commits once.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from caseflow import audit, ratelimit
from caseflow.accounts import twofactor
from caseflow.accounts.models import COUNTRIES, Office, OfficeKind, Role, User
from caseflow.accounts.passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from caseflow.db import utcnow
from caseflow.errors import AccessDenied, LoginFailed, TooManyAttempts, ValidationFailed
from caseflow.extensions import db

LANGUAGES = ("en", "fr", "nl")


def normalise_email(email: str) -> str:
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from None
    return result.normalized.lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User:
    """Return the active user with this e-mail and password, or raise LoginFailed.

    Unknown address, wrong password and deactivated account all raise the same error after
    the same amount of hashing work.
    """
    user = find_user_by_email(email) if email else None
    if user is None:
        burn_verification_time()
        raise LoginFailed()
    if not verify_password(user.password_hash, password) or not user.is_active \
            or not user.office.is_active:
        raise LoginFailed()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def _failure_reason(user: User | None) -> str:
    if user is None:
        return "unknown account"
    if not user.is_active or not user.office.is_active:
        return "account deactivated"
    return "wrong password"


def attempt_login(email: str, password: str, address: str) -> User:
    """Check the password of a login attempt from `address`, within the failed-login limits
    (per account, unknown addresses included, and per address); count a failure.

    Raises TooManyAttempts before checking anything once a limit is reached, or LoginFailed.
    The caller still has to ask for the second factor when the user has one.
    """
    limiter = ratelimit.limiter()
    account = ratelimit.key(email)
    checks = [(ratelimit.LOGIN_PER_ACCOUNT, account), (ratelimit.LOGIN_PER_ADDRESS, address)]
    blocked = [(rule, key) for rule, key in checks if not limiter.allows(rule, key)]
    if blocked:
        audit.record(audit.Action.login_failed, user=find_user_by_email(email) if email else None,
                     details={"reason": "too many failed attempts"})
        raise TooManyAttempts(max(limiter.retry_after(rule, key) for rule, key in blocked))
    try:
        user = authenticate(email, password)
    except LoginFailed:
        for rule, key in checks:
            limiter.hit(rule, key)
        known = find_user_by_email(email) if email else None
        audit.record(audit.Action.login_failed, user=known,
                     details={"reason": _failure_reason(known)})
        raise
    limiter.clear(ratelimit.LOGIN_PER_ACCOUNT, account)
    return user


def check_second_factor(user: User, code: str) -> None:
    """Accept the second factor of a login (authenticator or recovery code), within the limit
    of wrong codes per account. Raises TooManyAttempts or LoginFailed."""
    limiter = ratelimit.limiter()
    rule, key = ratelimit.TWO_FACTOR_PER_ACCOUNT, str(user.id)
    if not limiter.allows(rule, key):
        audit.record(audit.Action.login_failed, user=user,
                     details={"reason": "too many wrong two-factor codes"})
        raise TooManyAttempts(limiter.retry_after(rule, key))
    used = twofactor.check_code(user, code)
    if used is None:
        limiter.hit(rule, key)
        audit.record(audit.Action.login_failed, user=user,
                     details={"reason": "wrong two-factor code"})
        raise LoginFailed(_("This code is not right, or it was already used. Enter the code "
                            "your authenticator app shows now, or a recovery code."))
    limiter.clear(rule, key)
    if used == "recovery":
        audit.record(audit.Action.security, user=user, target="user", target_id=user.id,
                     details={"event": "recovery code used",
                              "codes_left": twofactor.unused_recovery_codes(user)})


def end_sessions(user: User, *, by: User, reason: str) -> None:
    """End every session of `user` at once, on every device (the next request of each is
    logged out). `reason` is for the audit trail: logout, password changed, ..."""
    if not by.can_end_sessions(user):
        raise AccessDenied()
    user.session_generation += 1
    db.session.flush()
    if reason != "logout":
        audit.record(audit.Action.security, user=by, target="user", target_id=user.id,
                     details={"event": "sessions ended", "reason": reason})


@dataclass
class UserData:
    email: str
    full_name: str
    role: Role
    office_id: int
    preferred_language: str | None = None


def _check_user_data(data: UserData, user: User | None = None) -> tuple[str, Office]:
    errors: dict[str, list[str]] = {}
    try:
        email = normalise_email(data.email)
    except ValidationFailed as error:
        errors.update(error.errors)
        email = ""
    if email:
        clash = find_user_by_email(email)
        if clash is not None and clash is not user:
            errors["email"] = [_("Another account already uses this e-mail address.")]
    if not data.full_name.strip():
        errors["full_name"] = [_("Enter the person's full name.")]
    office = db.session.get(Office, data.office_id)
    if office is None:
        errors["office_id"] = [_("Choose an office.")]
    elif office.kind not in data.role.office_kinds:
        errors["office_id"] = [_("A %(role)s must belong to a %(kind)s.",
                                 role=data.role.label,
                                 kind=data.role.office_kinds[0].label)]
    elif not office.is_active and (user is None or user.office_id != office.id):
        errors["office_id"] = [_("This office is deactivated.")]
    if data.preferred_language not in (None, *LANGUAGES):
        errors["preferred_language"] = [_("Choose English, French or Dutch.")]
    if errors:
        raise ValidationFailed(errors)
    assert office is not None
    return email, office


def create_user(data: UserData, password: str, *, by: User | None) -> User:
    """Create an account. `by` is the admin doing it (None from the command line)."""
    if by is not None and not by.can_administer():
        raise AccessDenied()
    errors: dict[str, list[str]] = {}
    try:
        email, office = _check_user_data(data)
    except ValidationFailed as error:
        errors.update(error.errors)
    if problems := password_problems(password, (data.email, data.full_name)):
        errors["password"] = problems
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, full_name=data.full_name.strip(), role=data.role, office=office,
                preferred_language=data.preferred_language, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, data: UserData, *, by: User) -> User:
    """Change a user's details (not the password, not the active flag)."""
    if not by.can_edit_user(user):
        raise AccessDenied()
    if user.id == by.id and data.role is not Role.admin:
        raise ValidationFailed(_("You cannot take the administrator role away from yourself."),
                               field="role")
    email, office = _check_user_data(data, user)
    user.email = email
    user.full_name = data.full_name.strip()
    user.role = data.role
    user.office = office
    user.preferred_language = data.preferred_language
    db.session.flush()
    return user


def deactivate_user(user: User, *, by: User) -> None:
    """Stop a user from logging in. Their records stay, attributed to them."""
    if not by.can_deactivate_user(user):
        if user.id == by.id:
            raise ValidationFailed(_("You cannot deactivate your own account."))
        raise AccessDenied()
    user.is_active = False
    # Reactivation must not bring back the sessions open now.
    end_sessions(user, by=by, reason="account deactivated")


def reactivate_user(user: User, *, by: User) -> None:
    if not by.can_administer():
        raise AccessDenied()
    if not user.office.is_active:
        raise ValidationFailed(_("Reactivate the office %(office)s first.",
                                 office=user.office.name))
    user.is_active = True
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """A user changes their own password; they must know the current one."""
    errors: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = [_("This is not your current password.")]
    if problems := password_problems(new, (user.email, user.full_name)):
        errors["new_password"] = problems
    elif new == current:
        errors["new_password"] = [_("Choose a password different from the current one.")]
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(new)
    audit.record(audit.Action.security, user=user, target="user", target_id=user.id,
                 details={"event": "password changed"})
    # Whoever else is logged in as this user (perhaps who learnt the old password) is out.
    end_sessions(user, by=user, reason="password changed")


def set_preferred_language(user: User, language: str | None) -> None:
    if language not in (None, *LANGUAGES):
        raise ValidationFailed(_("Choose English, French or Dutch."), field="language")
    user.preferred_language = language
    db.session.flush()


@dataclass
class OfficeData:
    name: str
    kind: OfficeKind
    country: str
    city: str
    language: str | None = None  # of printed follow-up documents; None: from the city


OFFICE_LANGUAGES = ("fr", "nl", "en")


def _check_office_data(data: OfficeData, office: Office | None = None) -> None:
    errors: dict[str, list[str]] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = [_("Enter the office's name.")]
    else:
        clash = db.session.scalar(select(Office).where(func.lower(Office.name) == name.lower()))
        if clash is not None and clash is not office:
            errors["name"] = [_("Another office already has this name.")]
    if data.country not in COUNTRIES:
        errors["country"] = [_("Choose a country from the list.")]
    elif data.kind is OfficeKind.sending and data.country != "BE":
        errors["country"] = [_("A sending office is in Belgium.")]
    elif data.kind is OfficeKind.partner and data.country == "BE":
        errors["country"] = [_("A partner organisation is in a country of return, "
                               "not in Belgium.")]
    if not data.city.strip():
        errors["city"] = [_("Enter the city.")]
    if data.language and data.language not in OFFICE_LANGUAGES:
        errors["language"] = [_("Choose French, Dutch or English, or leave it to the city.")]
    if office is not None and office.kind is not data.kind and any(
            data.kind not in u.role.office_kinds for u in office.users):
        errors["kind"] = [_("Users of this office have roles that need the current kind.")]
    if errors:
        raise ValidationFailed(errors)


def create_office(data: OfficeData, *, by: User | None) -> Office:
    if by is not None and not by.can_administer():
        raise AccessDenied()
    _check_office_data(data)
    office = Office(name=data.name.strip(), kind=data.kind, country=data.country,
                    city=data.city.strip(), language=data.language or None)
    db.session.add(office)
    db.session.flush()
    return office


def update_office(office: Office, data: OfficeData, *, by: User) -> Office:
    if not by.can_administer():
        raise AccessDenied()
    _check_office_data(data, office)
    office.name = data.name.strip()
    office.kind = data.kind
    office.country = data.country
    office.city = data.city.strip()
    office.language = data.language or None
    db.session.flush()
    return office


def active_user_count(office: Office) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.office_id == office.id, User.is_active)) or 0


def deactivate_office(office: Office, *, by: User) -> None:
    """Retire an office. Refused while it has active users: deactivate or move them first."""
    if not by.can_administer():
        raise AccessDenied()
    if count := active_user_count(office):
        raise ValidationFailed(ngettext(
            "%(num)d active user still belongs to this office; deactivate or move them first.",
            "%(num)d active users still belong to this office; deactivate or move them first.",
            count))
    office.is_active = False
    db.session.flush()


def reactivate_office(office: Office, *, by: User) -> None:
    if not by.can_administer():
        raise AccessDenied()
    office.is_active = True
    db.session.flush()
