"""Small helpers every blueprint's views share."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

from flask import abort, request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from caseflow.errors import ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])


def permission_required(check: Callable[[Any], bool]) -> Callable[[F], F]:
    """Allow the view only when `check(current_user)` is true (e.g. User.can_administer)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def show_errors(form: FlaskForm, error: ValidationFailed) -> None:
    """Put a service's validation errors next to the fields they concern."""
    for name, messages in error.errors.items():
        field = form._fields.get(name) if name else None
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)


def safe_next_url(target: str | None) -> str | None:
    """`target` when it stays on this site, else None (no open redirects)."""
    if not target:
        return None
    # Backslashes and control characters are read as slashes by some browsers.
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    joined = urlsplit(urljoin(request.host_url, target))
    host = urlsplit(request.host_url)
    if joined.scheme not in ("http", "https") or joined.netloc != host.netloc:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target


def int_arg(name: str, default: int = 1, minimum: int = 1, maximum: int = 10_000) -> int:
    """An integer query argument, clamped; nonsense falls back to the default."""
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    return max(minimum, min(maximum, value))


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs; labels may be lazy translations."""
    return [SelectChoice(value, label) for value, label in pairs]
