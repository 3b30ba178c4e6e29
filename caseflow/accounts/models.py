"""Offices and the people who use caseflow."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.db import Base, LabelledEnum, labelled, utcnow


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by value as text with a CHECK constraint (portable across backends)."""
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True, length=32,
                values_callable=lambda members: [m.value for m in members],
                validate_strings=True)


class OfficeKind(LabelledEnum):
    sending = "sending"
    partner = "partner"


OFFICE_KIND_LABELS = labelled(OfficeKind, {
    OfficeKind.sending: _l("Sending office (Belgium)"),
    OfficeKind.partner: _l("Partner organisation (country of return)"),
})


class Role(LabelledEnum):
    caseworker = "caseworker"
    reintegration_officer = "reintegration_officer"
    manager = "manager"
    admin = "admin"


    @property
    def office_kinds(self) -> tuple[OfficeKind, ...]:
        """The kinds of office a user with this role can belong to."""
        if self is Role.reintegration_officer:
            return (OfficeKind.partner,)
        if self is Role.caseworker:
            return (OfficeKind.sending,)
        return (OfficeKind.sending, OfficeKind.partner)


ROLE_LABELS = labelled(Role, {
    Role.caseworker: _l("Caseworker"),
    Role.reintegration_officer: _l("Reintegration officer"),
    Role.manager: _l("Manager"),
    Role.admin: _l("Administrator"),
})

# Countries caseflow works with: Belgium and the first countries of return.
COUNTRIES = {
    "BE": _l("Belgium"),
    "AL": _l("Albania"),
    "MK": _l("North Macedonia"),
    "XK": _l("Kosovo*"),
    "RS": _l("Serbia"),
}


class Office(Base):
    __tablename__ = "offices"
    __table_args__ = (
        # A sending office is in Belgium; a partner organisation is abroad.
        CheckConstraint("kind <> 'sending' OR country = 'BE'", name="sending_in_belgium"),
        CheckConstraint("kind <> 'partner' OR country <> 'BE'", name="partner_abroad"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        CheckConstraint("language IS NULL OR language IN ('fr', 'nl', 'en')",
                        name="known_language"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[OfficeKind] = mapped_column(enum_column(OfficeKind, "office_kind"))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str] = mapped_column(String(120))
    # The language the office prints follow-up documents in; None: from its city's region.
    language: Mapped[str | None] = mapped_column(String(2))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An admin's save from an older version is refused (caseflow/versions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    users: Mapped[list[User]] = relationship(back_populates="office")

    __mapper_args__ = {"version_id_col": version}

    @property
    def country_name(self) -> str:
        return str(COUNTRIES.get(self.country, self.country))

    def __repr__(self) -> str:
        return f"<Office {self.id} {self.name!r}>"


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # Uniqueness ignores case because every address is stored lower-cased.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("preferred_language IN ('en', 'fr', 'nl')", name="known_language"),
        CheckConstraint("length(trim(full_name)) > 0", name="full_name_not_blank"),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("session_generation >= 0", name="session_generation_positive"),
        CheckConstraint("totp_last_step IS NULL OR totp_secret IS NOT NULL",
                        name="totp_step_needs_secret"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(160))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    preferred_language: Mapped[str | None] = mapped_column(String(5))
    password_hash: Mapped[str] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session's login id: raising it ends all of the user's sessions at once
    # (session cookies are signed, not stored, so they cannot be deleted server-side).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Base32 TOTP secret once two-factor login is set up; None before.
    totp_secret: Mapped[str | None] = mapped_column(String(32))
    # The last accepted 30-second time step: a code is refused a second time.
    totp_last_step: Mapped[int | None]

    # Moved on by the admin's edits only (version_id_generator False): a login or a password
    # rehash also UPDATEs the row, and must neither make an open admin form stale nor fail
    # against it. The versioned UPDATE still refuses a write from an older version.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    office: Mapped[Office] = relationship(back_populates="users", lazy="joined")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    # Flask-Login reads is_active to refuse deactivated accounts.

    def get_id(self) -> str:
        """The login id kept in the session: "<id>:<generation>" (see session_generation)."""
        return f"{self.id}:{self.session_generation}"

    # -- two-factor login ---------------------------------------------------------------
    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def requires_two_factor(self) -> bool:
        """Managers and admins see and change the most: two-factor login is not optional."""
        return self.role in (Role.manager, Role.admin)

    def can_turn_off_two_factor(self) -> bool:
        return self.has_two_factor and not self.requires_two_factor

    def can_reset_two_factor(self, other: User) -> bool:
        return self.can_administer() and other.has_two_factor

    def can_end_sessions(self, other: User) -> bool:
        return self.can_administer() or self.id == other.id

    # -- permissions -------------------------------------------------------------
    def can_administer(self) -> bool:
        """Users, offices and reference data."""
        return self.is_active and self.role is Role.admin

    def can_edit_user(self, other: User) -> bool:
        return self.can_administer()

    def can_deactivate_user(self, other: User) -> bool:
        # An admin who locks themself out leaves nobody to undo it.
        return self.can_administer() and other.id != self.id and other.is_active
