from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask


@pytest.fixture
def static_folder(app: Flask) -> Path:
    return Path(app.static_folder or "")
