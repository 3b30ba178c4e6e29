"""Build valid users and offices with sensible defaults; override what a test cares about."""

from __future__ import annotations

import itertools
from typing import Any

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.accounts.passwords import hash_password
from caseflow.extensions import db

PASSWORD = "correct horse battery staple"
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
    defaults = {"email": f"user{n}@example.org", "full_name": f"Test User {n}"}
    user = User(role=role, office=office, password_hash=hash_password(password),
                **{**defaults, **fields})
    db.session.add(user)
    db.session.flush()
    return user
