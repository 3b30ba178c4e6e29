"""argon2id password hashing, with the cost taken from the app's config."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=8)
def _decoy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                          parallelism=parallelism, type=Type.ID).hash("timing-equaliser")


def burn_verification_time() -> None:
    """Spend what a real check costs, so an unknown e-mail answers as slowly as a known one:
    one verification against a hash made once with the current parameters (hashing anew
    each time would cost twice a real check, and tell unknown addresses apart)."""
    config = current_app.config
    decoy = _decoy_hash(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"],
                        config["ARGON2_PARALLELISM"])
    verify_password(decoy, "not-the-password")


# zxcvbn's score from 0 to 4; 3 means "safely unguessable" against an offline attack on a
# slow hash. Below that, the password is a common one (zxcvbn's dictionaries hold the most
# used passwords of public breaches), a variation of one, a keyboard walk, a repetition, or
# built from the person's own name or address.
MIN_STRENGTH = 3


def password_problems(password: str, personal: Sequence[str] = ()) -> list[str]:
    """What is wrong with a new password, as messages for the form. `personal`: the person's
    e-mail address and name, which a password must not be built from."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    if password and not password.strip():
        problems.append(_("The password cannot be only spaces."))
    # zxcvbn matches the personal inputs as whole words: give it the names and the parts of
    # the address one by one.
    words = [w for text in personal for w in re.split(r"[^\w]+", text.casefold()) if w]
    if not problems and zxcvbn(password, user_inputs=words, max_length=MAX_LENGTH)[
            "score"] < MIN_STRENGTH:
        problems.append(_("This password is too common or too easy to guess. A few unrelated "
                          "words make a strong one."))
    return problems
