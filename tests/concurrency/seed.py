"""Prepare a fresh database for a live server: run as `python -m tests.concurrency.seed` with
the server's environment (DATABASE_URL, CASEFLOW_*). Migrates it as `flask db upgrade` does,
loads the reference data and creates one sending office with four caseworkers and a manager,
all with the test password; the manager has two-factor login set up. Prints "label e-mail"
per user, and "manager-recovery <code>": a recovery code, good for one login without the
authenticator app."""

from __future__ import annotations

import flask_migrate
import pyotp

from caseflow import create_app
from caseflow.accounts import twofactor
from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.accounts.passwords import hash_password
from caseflow.extensions import db
from caseflow.reference import load_reference_data
from config import load_config
from tests.factories import PASSWORD

USERS = {"cw1": Role.caseworker, "cw2": Role.caseworker, "cw3": Role.caseworker,
         "cw4": Role.caseworker, "manager": Role.manager}


def main() -> None:
    app = create_app(load_config())
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        office = Office(kind=OfficeKind.sending, name="Return desk Brussels", country="BE",
                        city="Brussels")
        db.session.add(office)
        password_hash = hash_password(PASSWORD)
        for label, role in USERS.items():
            email = f"{label}@live.example.org"
            user = User(email=email, full_name=f"Live {label}", role=role, office=office,
                        password_hash=password_hash)
            db.session.add(user)
            print(label, email)
            if user.requires_two_factor:
                db.session.flush()
                secret = twofactor.new_secret()
                codes = twofactor.enrol(user, secret, pyotp.TOTP(secret).now())
                print(f"{label}-recovery", codes[0])
        db.session.commit()


if __name__ == "__main__":
    main()
