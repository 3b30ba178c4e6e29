"""Settings are read from the environment and checked before the app starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"CASEFLOW_ENV": "development", "CASEFLOW_INSTANCE_PATH": str(tmp_path), **values}


@pytest.mark.parametrize("url, fragment", [
    ("not a url", "is not a database URL"),
    ("mysql://root@localhost/caseflow", "unsupported database 'mysql'"),
    ("sqlite://", "needs a file path"),
    ("postgresql://postgres@127.0.0.1:5432", "names no database"),
])
def test_bad_database_url_names_the_setting(tmp_path, url, fragment):
    with pytest.raises(ConfigError) as raised:
        load_config(env(tmp_path, DATABASE_URL=url))
    assert raised.value.setting == "DATABASE_URL"
    assert str(raised.value).startswith("DATABASE_URL: ")
    assert fragment in str(raised.value)


def test_postgres_urls_use_psycopg3(tmp_path):
    config = load_config(env(tmp_path, DATABASE_URL="postgres://u:p@db:5432/caseflow"))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/caseflow"


def test_default_database_is_sqlite_under_instance(tmp_path):
    config = load_config(env(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'caseflow.db'}"
    assert config["CASEFLOW_TIMEZONE"] == "Europe/Brussels"
    assert config["REDIS_URL"] is None


def test_unknown_caseflow_setting_is_refused(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_config(env(tmp_path, CASEFLOW_TIMEZON="Europe/Brussels"))
    assert raised.value.setting == "CASEFLOW_TIMEZON"


@pytest.mark.parametrize("setting, value", [
    ("CASEFLOW_TIMEZONE", "Mars/Olympus"),
    ("CASEFLOW_ENV", "staging"),
    ("REDIS_URL", "localhost:6379"),
    ("CASEFLOW_DEFAULT_LANGUAGE", "de"),
])
def test_malformed_settings_are_named(tmp_path, setting, value):
    with pytest.raises(ConfigError) as raised:
        load_config(env(tmp_path, **{setting: value}))
    assert raised.value.setting == setting


def test_production_requires_a_long_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY: is required"):
        load_config(env(tmp_path, CASEFLOW_ENV="production"))
    with pytest.raises(ConfigError, match="at least 32"):
        load_config(env(tmp_path, CASEFLOW_ENV="production", SECRET_KEY="short"))
    config = load_config(env(tmp_path, CASEFLOW_ENV="production", SECRET_KEY="k" * 40))
    assert config["SESSION_COOKIE_SECURE"] is True


def test_development_secret_is_generated_once_and_kept(tmp_path):
    first = load_config(env(tmp_path))["SECRET_KEY"]
    second = load_config(env(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_bad_database_url_stops_the_start_with_a_clear_message(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CASEFLOW_")}
    environ.update(env(tmp_path, DATABASE_URL="oracle://scott@tiger/db"))
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=environ,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "configuration error: DATABASE_URL: unsupported database 'oracle'" in result.stderr
    assert "Traceback" not in result.stderr
