"""Job kinds that exist only in the tests: one that echoes, one that fails with a message
for the user, one that crashes, and one that waits for a signal file so a test can watch its
progress from outside."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask_babel import get_locale

from caseflow.accounts.models import User
from caseflow.errors import ValidationFailed
from caseflow.jobs.registry import JobResult, Progress, register

SECRET_DETAIL = "connection to 10.0.0.7 failed in /srv/caseflow/internal.py"


@register("test_echo", title="Echo (test)")
def echo(params: dict[str, Any], *, user: User, progress: Progress) -> JobResult:
    steps = int(params.get("steps", 3))
    for step in range(1, steps + 1):
        progress(step, steps, f"step {step}")
    return JobResult(f"{params['text']} for {user.email}".encode(), "echo result.txt",
                     "text/plain")


@register("test_refused", title="Refused (test)")
def refused(params: dict[str, Any], *, user: User, progress: Progress) -> JobResult:
    progress(0, 4, "checking")
    raise ValidationFailed("Nothing matches this selection.")


@register("test_crash", title="Crash (test)")
def crash(params: dict[str, Any], *, user: User, progress: Progress) -> JobResult:
    raise RuntimeError(SECRET_DETAIL)


@register("test_managers_only", title="Managers only (test)",
          can_submit=lambda user: user.role.value == "manager")
def managers_only(params: dict[str, Any], *, user: User, progress: Progress) -> JobResult:
    return JobResult(b"ok", "ok.txt", "text/plain")


@register("test_wait", title="Wait (test)")
def wait(params: dict[str, Any], *, user: User, progress: Progress) -> JobResult:
    progress(1, 2, "half way")
    flag = Path(params["flag"])
    deadline = time.monotonic() + 30
    while not flag.exists():
        if time.monotonic() > deadline:
            raise ValidationFailed("The test never said go.")
        time.sleep(0.05)
    progress(2, 2, "finished")
    return JobResult(b"waited", "waited.txt", "text/plain")


@register("test_locale", title="Locale (test)")
def locale(params: dict[str, Any], *, user: User, progress: Progress) -> JobResult:
    return JobResult(str(get_locale()).encode(), "locale.txt", "text/plain")
