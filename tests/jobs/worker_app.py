"""The app a worker process builds in the Redis tests: `flask --app
tests.jobs.worker_app:build jobs worker --burst`, configured through the environment like
production, with the test job kinds loaded."""

from __future__ import annotations

from flask import Flask

import tests.jobs.kinds  # noqa: F401 - the worker must know the test job kinds
from caseflow import create_app
from config import load_config
from tests.conftest import FAST_HASHING


def build() -> Flask:
    config = load_config()
    config.update(FAST_HASHING)
    return create_app(config)
