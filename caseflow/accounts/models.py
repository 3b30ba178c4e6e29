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

    users: Mapped[list[User]] = relationship(back_populates="office")

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

    office: Mapped[Office] = relationship(back_populates="users", lazy="joined")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    # Flask-Login reads is_active to refuse deactivated accounts.

    # -- permissions -------------------------------------------------------------
    def can_administer(self) -> bool:
        """Users, offices and reference data."""
        return self.is_active and self.role is Role.admin

    def can_edit_user(self, other: User) -> bool:
        return self.can_administer()

    def can_deactivate_user(self, other: User) -> bool:
        # An admin who locks themself out leaves nobody to undo it.
        return self.can_administer() and other.id != self.id and other.is_active
