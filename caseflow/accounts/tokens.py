"""Personal API tokens: shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.accounts.models import User
from caseflow.db import Base, utcnow
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db

TOKEN_PREFIX = "cf_"  # noqa: S105 - a prefix, not a secret
MAX_ACTIVE_TOKENS = 10


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    # A token is 32 random bytes: a plain SHA-256 is enough (no need for a slow hash).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; return the row and the secret (shown once, never stored)."""
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the token a name, e.g. the script that uses it."),
                               field="name")
    if len(name) > 80:
        raise ValidationFailed(_("Use at most %(n)d characters.", n=80), field="name")
    active = db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise ValidationFailed(_("You have %(n)d active tokens; revoke one first.",
                                 n=len(active)), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_digest(secret))
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_token(token: ApiToken, *, by: User) -> None:
    if token.user_id != by.id and not by.can_administer():
        raise AccessDenied()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def user_for_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = token.user
    if not user.is_active or not user.office.is_active:
        return None
    token.last_used_at = utcnow()
    return user
