"""Load the demo world, and generate many deterministic records for benchmarks."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import insert, select

from caseflow.accounts import services as accounts
from caseflow.accounts.models import Office, Role, User
from caseflow.accounts.passwords import hash_password
from caseflow.demo import data
from caseflow.demo.cases import load_demo_cases
from caseflow.extensions import db
from caseflow.reference import load_reference_data


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    office: str
    full_name: str


def load_demo(with_cases: bool = True) -> list[DemoLogin]:
    """Create the demo offices and users that are missing and, unless they are there, the
    demo cases (see caseflow/demo/cases.py); return every demo login.

    Idempotent: running it again creates nothing and changes nothing that exists. Creates the
    reference data that is missing first (the cases after the return need it).
    """
    load_reference_data()
    offices: dict[str, Office] = {}
    for name, kind, country, city, slug in data.OFFICES:
        office = db.session.scalar(select(Office).where(Office.name == name))
        if office is None:
            office = accounts.create_office(
                accounts.OfficeData(name=name, kind=kind, country=country, city=city), by=None)
        offices[slug] = office

    logins = []
    for slug, people in data.USERS.items():
        office = offices[slug]
        for role, full_name in people:
            email = data.demo_email(role, slug)
            user = accounts.find_user_by_email(email)
            if user is None:
                user = accounts.create_user(
                    accounts.UserData(email=email, full_name=full_name, role=role,
                                      office_id=office.id),
                    data.DEMO_PASSWORD, by=None)
            if user.requires_two_factor and not user.has_two_factor:
                user.totp_secret = data.DEMO_TOTP_SECRET
            logins.append(DemoLogin(email, role, office.name, full_name))
    if with_cases:
        db.session.flush()
        load_demo_cases()
    return logins


def _ascii_slug(text: str) -> str:
    text = text.replace("Đ", "Dj").replace("đ", "dj")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def generated_users(count: int, seed: int, offices: list[Office]) -> Iterator[dict[str, object]]:
    """`count` realistic user rows, the same for the same seed and offices."""
    rng = random.Random(seed)
    for n in range(count):
        office = rng.choice(offices)
        country = office.country
        given = rng.choice(data.GIVEN_NAMES[country])
        family = rng.choice(data.FAMILY_NAMES[country])
        role = rng.choice([r for r in Role if office.kind in r.office_kinds
                           and r is not Role.admin])
        yield {
            "email": f"{_ascii_slug(given)}.{_ascii_slug(family)}.{seed}.{n}@generated.example.org",
            "full_name": f"{given} {family}",
            "role": role,
            "office_id": office.id,
            "preferred_language": rng.choice([None, "en", "fr", "nl"]),
        }


def already_generated(seed: int) -> bool:
    return db.session.scalar(select(User.id).where(
        User.email.like(f"%.{seed}.0@generated.example.org")).limit(1)) is not None


def generate_users(count: int, seed: int, batch: int = 5000) -> int:
    """Bulk-insert `count` generated users (inactive, sharing one unusable-in-practice hash)."""
    offices = list(db.session.scalars(select(Office).where(Office.is_active).order_by(Office.id)))
    if not offices:
        raise RuntimeError("no offices: run `flask demo load` first")
    # One hash for all: argon2 costs ~50 ms each, and nobody logs in as a generated user.
    shared_hash = hash_password(f"generated-{seed}")
    rows: list[dict[str, object]] = []
    made = 0
    for row in generated_users(count, seed, offices):
        rows.append({**row, "password_hash": shared_hash, "is_active": False})
        if len(rows) >= batch:
            db.session.execute(insert(User), rows)
            made += len(rows)
            rows = []
    if rows:
        db.session.execute(insert(User), rows)
        made += len(rows)
    return made
