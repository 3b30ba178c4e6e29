"""Where the real services the tests need come from, and what to do when one is missing.

Outside CI a missing PostgreSQL, Redis or Chromium skips the tests that need it, with the
reason printed; under CI=true a missing service fails them, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CASEFLOW_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def require(service: str, available: bool, why: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{service} is required under CI=true but is not available: {why}",
                    pytrace=False)
    pytest.skip(f"{service} not available: {why}")


def require_chromium() -> None:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    require("Chromium", bool(path), f"no browser at {CHROMIUM} (apt-get install chromium)")
