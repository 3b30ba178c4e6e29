"""The kinds of background job caseflow knows, and the contract a job function keeps.

A domain package registers its job functions here (programme reports, batch printing); the
jobs package runs them, on the Redis queue when REDIS_URL is set, inline otherwise, and
stores what they return. A job function gets the JSON parameters it was submitted with, the
user who asked (access is checked again inside the job: rights may have changed since), and a
`progress` callable; it returns the file to hand back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from caseflow.accounts.models import User


class JobResult(NamedTuple):
    data: bytes
    filename: str
    mimetype: str


class Progress(Protocol):
    def __call__(self, done: int, total: int, note: str = "") -> None: ...


JobFunction = Callable[..., JobResult]  # (params, *, user: User, progress: Progress)


def _anyone(user: User) -> bool:
    return bool(user.is_active)


@dataclass(frozen=True)
class JobKind:
    name: str
    title: Any  # a lazy gettext string: the page shows it in the user's language
    run: JobFunction
    # Who may start this kind; asked by jobs.services.submit before anything is queued.
    can_submit: Callable[[User], bool] = _anyone


_KINDS: dict[str, JobKind] = {}


def register(name: str, *, title: Any, can_submit: Callable[[User], bool] | None = None
             ) -> Callable[[JobFunction], JobFunction]:
    """Decorator: `@register("programme_report", title=_l("Programme report"))`.

    `can_submit(user)` says who may start the kind (default: any active user); the job
    function checks access again when it runs."""

    def decorate(function: JobFunction) -> JobFunction:
        if name in _KINDS and _KINDS[name].run is not function:
            raise ValueError(f"job kind {name!r} is registered twice")
        _KINDS[name] = JobKind(name=name, title=title, run=function,
                               can_submit=can_submit or _anyone)
        return function

    return decorate


def get(name: str) -> JobKind:
    """The registered kind; KeyError for an unknown one."""
    return _KINDS[name]


def kinds() -> dict[str, JobKind]:
    return dict(_KINDS)


__all__ = ["JobFunction", "JobKind", "JobResult", "Progress", "User", "get", "kinds",
           "register"]
