"""Two-factor login: a TOTP authenticator app (RFC 6238) and ten single-use recovery codes.

Required for managers and admins (User.requires_two_factor), open to anyone else. A code is
accepted one 30-second step either side of the server's clock, and never twice: the last
accepted step is kept on the user. Recovery codes are shown once and stored as SHA-256
hashes; they are 80 random bits, so a fast hash is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime
from typing import Literal

import pyotp
import segno
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from caseflow.accounts.models import User
from caseflow.db import Base, utcnow
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db

ISSUER = "caseflow"
RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30
# One step either side: a phone's clock a little off, or a code typed as it changed.
VALID_WINDOW = 1
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l, o, 0, 1 to misread


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code(user: User, secret: str) -> str:
    """The authenticator set-up QR code as an SVG data: URI, for an <img> (no inline SVG
    or script, which the Content-Security-Policy would refuse)."""
    return segno.make(provisioning_uri(user, secret), error="m").svg_data_uri(scale=5, border=2)


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _digest(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step `code` belongs to, within the accepted window, or None."""
    code = _clean(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int((time.time() if at is None else at) // STEP_SECONDS)
    found = None
    # Every step is compared, so the time taken does not say which one matched.
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _accept_totp(user: User, code: str) -> bool:
    assert user.totp_secret is not None
    step = matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _use_recovery_code(user: User, code: str) -> bool:
    row = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def check_code(user: User, code: str) -> Literal["totp", "recovery"] | None:
    """Accept an authenticator code or an unused recovery code (then spent); None if neither.
    Flushes what it spends."""
    if user.totp_secret is None:
        return None
    if _accept_totp(user, code):
        db.session.flush()
        return "totp"
    if len(_clean(code)) == 16 and _use_recovery_code(user, code):
        db.session.flush()
        return "recovery"
    return None


def unused_recovery_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _i in range(16))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    return codes


def _wrong_code() -> ValidationFailed:
    return ValidationFailed(_("This code is not right. Enter the 6 digits your authenticator "
                              "app shows now."), field="code")


def enrol(user: User, secret: str, code: str) -> list[str]:
    """Turn two-factor login on with `secret`, once the user proves their app has it by
    typing a current code. Returns the recovery codes, to be shown once."""
    if user.has_two_factor:
        raise ValidationFailed(_("Two-factor login is already set up."), field="code")
    step = matching_step(secret, code)
    if step is None:
        raise _wrong_code()
    user.totp_secret = secret
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    db.session.flush()
    return codes


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current authenticator code."""
    if not user.has_two_factor:
        raise AccessDenied()
    if not _accept_totp(user, code):
        raise _wrong_code()
    codes = _new_recovery_codes(user)
    db.session.flush()
    return codes


def turn_off(user: User, code: str) -> None:
    """The user turns their own two-factor login off (not allowed for managers and admins)."""
    if not user.can_turn_off_two_factor():
        raise AccessDenied(_("Your role requires two-factor login."))
    if not _accept_totp(user, code):
        raise _wrong_code()
    _clear(user)


def reset(user: User, *, by: User) -> None:
    """An admin resets someone's two-factor login (lost phone): they set it up again at their
    next login if their role requires it. Their sessions end."""
    if not by.can_reset_two_factor(user):
        raise AccessDenied()
    _clear(user)
    user.session_generation += 1
    db.session.flush()


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
