"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask command (FLASK_APP=wsgi)."""

import sys

from caseflow import create_app
from config import ConfigError, load_config

try:
    app = create_app(load_config())
except ConfigError as error:
    print(f"caseflow: configuration error: {error}", file=sys.stderr)
    raise SystemExit(2) from None
