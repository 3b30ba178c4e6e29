"""Backup tests build their own apps on fresh databases and instance folders, and commit for
real: the shared per-test rollback of tests/conftest.py (which rebinds `db.session` to the main
test database) must stay out of their way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def db_session() -> Iterator[Any]:
    yield None
