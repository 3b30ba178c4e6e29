"""Build valid users and offices with sensible defaults; override what a test cares about."""

from __future__ import annotations

import itertools
from typing import Any

import pyotp
from sqlalchemy import update

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.accounts.passwords import hash_password
from caseflow.extensions import db

PASSWORD = "correct horse battery staple"
# Managers and admins need two-factor login: the factories enrol them with this secret, and
# log_in() types the code an authenticator app would show.
TOTP_SECRET = "CASEFLOWTESTSECRETBASE32AAAAAAAA"
_sequence = itertools.count(1)


def make_office(kind: OfficeKind = OfficeKind.sending, **fields: Any) -> Office:
    n = next(_sequence)
    defaults = {
        "name": f"{'Return desk' if kind is OfficeKind.sending else 'Partner'} {n}",
        "country": "BE" if kind is OfficeKind.sending else "AL",
        "city": "Brussels" if kind is OfficeKind.sending else "Tirana",
    }
    office = Office(kind=kind, **{**defaults, **fields})
    db.session.add(office)
    db.session.flush()
    return office


def make_user(role: Role = Role.caseworker, office: Office | None = None,
              password: str = PASSWORD, **fields: Any) -> User:
    n = next(_sequence)
    if office is None:
        kind = OfficeKind.partner if role is Role.reintegration_officer else OfficeKind.sending
        office = make_office(kind=kind)
    defaults: dict[str, Any] = {"email": f"user{n}@example.org", "full_name": f"Test User {n}"}
    if role in (Role.manager, Role.admin):
        defaults["totp_secret"] = TOTP_SECRET
    user = User(role=role, office=office, password_hash=hash_password(password),
                **{**defaults, **fields})
    db.session.add(user)
    db.session.flush()
    return user


def totp_code(secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).now()


def log_in(client: Any, user: User, password: str = PASSWORD) -> Any:
    """Log `client` in as `user` through the login form, with the two-factor step when the
    user has it; return the last response (a 302 to the next page when it worked)."""
    secret = user.totp_secret
    if secret is not None:
        # A code is accepted once: forget the last one, so a test can log the same user in
        # again within the same 30 seconds. Done before the requests: on SQLite this session
        # could not write after a request's write.
        db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
        db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": password})
    if response.status_code == 302 and response.location.startswith("/login/two-factor"):
        response = client.post("/login/two-factor", data={"code": totp_code(secret or "")})
    return response


def person_data(role: str = "principal", **fields: Any) -> Any:
    """A valid PersonData for the household of a new case."""
    from datetime import date

    from caseflow.cases.services import PersonData, TravelDocumentData
    from caseflow.people.models import DocumentKind, HouseholdRole, Sex

    n = next(_sequence)
    defaults: dict[str, Any] = {
        "role": HouseholdRole(role), "given_names": "Arben", "family_name": f"Hoxha{n}",
        "sex": Sex.male, "date_of_birth": date(1985, 3, 14), "nationality": "AL",
        "documents": [TravelDocumentData(DocumentKind.passport, f"BA{n:07d}", "AL",
                                         date(2035, 1, 1))],
    }
    if role == "child":
        defaults.update(given_names="Elira", sex=Sex.female, date_of_birth=date(2015, 6, 2))
    return PersonData(**{**defaults, **fields})


def make_case(office: Office | None = None, by: User | None = None,
              household: list[Any] | None = None, country: str = "AL", **details: Any) -> Any:
    """A registered case made through the registration service (duplicates accepted)."""
    from datetime import date

    from caseflow.cases.services import CaseDetails, Registration, register_case
    from caseflow.people.models import ConsentPurpose

    if by is None:
        by = make_user(role=Role.caseworker, office=office)
    registration = Registration(
        details=CaseDetails(country_of_return=country,
                            municipality=details.pop("municipality", "Shkodër")),
        household=household or [person_data()],
        consent_on=date.today(),
        consent_purposes=[ConsentPurpose.case_processing, ConsentPurpose.partner_sharing],
        duplicate_reason="test data")
    return register_case(registration, by=by)
