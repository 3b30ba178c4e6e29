"""Settings for caseflow, read from the environment.

Every setting caseflow knows is listed in SETTINGS. `load_config()` reads them, checks each one
and returns a dict for `create_app()`. A setting that is malformed, or an environment variable
that starts with CASEFLOW_ but is not one we know (usually a typo), stops the start with a
message naming it: a mistyped setting silently ignored is worse than a refused start.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

BASE_DIR = Path(__file__).resolve().parent
ENVIRONMENTS = ("development", "production", "testing")
LANGUAGES = ("en", "fr", "nl")
DATABASE_CONNECT_TIMEOUT = 5  # seconds

# name -> help text (shown in README's configuration table and in error messages)
SETTINGS: dict[str, str] = {
    "CASEFLOW_ENV": "development, production or testing (default production)",
    "DATABASE_URL": "SQLAlchemy URL; SQLite or PostgreSQL (default SQLite under instance/)",
    "REDIS_URL": "redis:// URL for the job queue and shared rate limits (optional)",
    "SECRET_KEY": "signs sessions; required outside development and testing",
    "CASEFLOW_TIMEZONE": "IANA time zone dates are shown in (default Europe/Brussels)",
    "CASEFLOW_INSTANCE_PATH": "folder for the SQLite file, secret key, uploads (default instance/)",
    "CASEFLOW_DEFAULT_LANGUAGE": "en, fr or nl when neither user nor browser says (default en)",
    "CASEFLOW_PUBLIC_URL": "address certificates' QR codes point to, e.g. https://caseflow.example",
    "CASEFLOW_SESSION_IDLE_MINUTES": "minutes without activity before a session ends (default 30)",
    "CASEFLOW_SESSION_MAX_HOURS": "hours after login a session ends, active or not (default 12)",
    "CASEFLOW_TRUSTED_PROXIES": "proxies in front that forward the client's address (default 0)",
    "CASEFLOW_RETENTION_MONTHS": "months after closure before `flask retention run` anonymises "
                                 "a case (default 60)",
}


class ConfigError(RuntimeError):
    """A setting is missing or malformed. `setting` names it."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Read and check every setting; return the Flask config mapping."""
    env = dict(os.environ if environ is None else environ)

    unknown = sorted(k for k in env if k.startswith("CASEFLOW_") and k not in SETTINGS)
    if unknown:
        raise ConfigError(unknown[0], "unknown setting (known: " + ", ".join(
            k for k in SETTINGS if k.startswith("CASEFLOW_")) + ")")

    environment = env.get("CASEFLOW_ENV", "production").strip() or "production"
    if environment not in ENVIRONMENTS:
        raise ConfigError("CASEFLOW_ENV", f"must be one of {', '.join(ENVIRONMENTS)}, "
                                          f"not {environment!r}")

    instance = Path(env.get("CASEFLOW_INSTANCE_PATH") or BASE_DIR / "instance").resolve()
    database_url = _database_url(env.get("DATABASE_URL"), instance)
    redis_url = _redis_url(env.get("REDIS_URL"))
    timezone = _timezone(env.get("CASEFLOW_TIMEZONE", "Europe/Brussels"))

    language = env.get("CASEFLOW_DEFAULT_LANGUAGE", "en")
    if language not in LANGUAGES:
        raise ConfigError("CASEFLOW_DEFAULT_LANGUAGE",
                          f"must be one of {', '.join(LANGUAGES)}, not {language!r}")

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if environment == "production":
            raise ConfigError("SECRET_KEY", "is required in production; set a long random "
                              "value, or CASEFLOW_ENV=development for local use")
        secret_key = _development_secret(instance)
    elif len(secret_key) < 32 and environment == "production":
        raise ConfigError("SECRET_KEY", "must be at least 32 characters long")

    public_url = env.get("CASEFLOW_PUBLIC_URL", "").rstrip("/") or None
    if public_url and not public_url.startswith(("https://", "http://")):
        raise ConfigError("CASEFLOW_PUBLIC_URL", "must start with https:// (or http://)")

    idle_minutes = _positive_int(env, "CASEFLOW_SESSION_IDLE_MINUTES", 30, maximum=24 * 60)
    max_hours = _positive_int(env, "CASEFLOW_SESSION_MAX_HOURS", 12, maximum=7 * 24)
    proxies = env.get("CASEFLOW_TRUSTED_PROXIES", "0").strip() or "0"
    if not proxies.isdigit() or int(proxies) > 5:
        raise ConfigError("CASEFLOW_TRUSTED_PROXIES", f"must be a number from 0 to 5, "
                          f"not {proxies!r}")
    retention_months = _positive_int(env, "CASEFLOW_RETENTION_MONTHS", 60, maximum=1200)

    is_dev = environment == "development"
    return {
        "CASEFLOW_ENV": environment,
        "TESTING": environment == "testing",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": redis_url,
        "PUBLIC_BASE_URL": public_url,
        "CASEFLOW_TIMEZONE": timezone,
        "BABEL_DEFAULT_TIMEZONE": timezone,
        "BABEL_DEFAULT_LOCALE": language,
        "LANGUAGES": LANGUAGES,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not is_dev and environment != "testing",
        "REMEMBER_COOKIE_SECURE": not is_dev and environment != "testing",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        # argon2id cost; tests lower it through create_app overrides to stay fast.
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        "ARGON2_PARALLELISM": 4,
        "SESSION_IDLE_MINUTES": idle_minutes,
        "SESSION_MAX_HOURS": max_hours,
        "TRUSTED_PROXIES": int(proxies),
        "RETENTION_MONTHS": retention_months,
    }


def _database_url(value: str | None, instance: Path) -> str:
    if not value:
        return f"sqlite:///{instance / 'caseflow.db'}"
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError("DATABASE_URL", "is not a database URL; expected e.g. "
                          "postgresql://user@host:5432/caseflow or sqlite:///path/to/file.db"
                          ) from None
    backend = url.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise ConfigError("DATABASE_URL", "SQLite needs a file path (an in-memory "
                              "database is not shared between connections)")
        return url.render_as_string(hide_password=False)
    if backend == "postgresql":
        if not url.database:
            raise ConfigError("DATABASE_URL", "names no database")
        # psycopg 3 is the driver we ship; accept plain postgres:// URLs as hosts print them.
        url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    raise ConfigError("DATABASE_URL", f"unsupported database {backend!r}; "
                      "use sqlite or postgresql")


def _engine_options(database_url: str) -> dict[str, object]:
    """Connection pool settings. A PostgreSQL server that restarted or a network that dropped
    leaves dead connections in each worker's pool: pre-ping tests one before use and replaces
    it, so the site recovers by itself. A server that does not answer at all must not hold a
    request for minutes: connecting gives up after a few seconds (the page then says 503)."""
    if not database_url.startswith("postgresql"):
        return {}
    return {"pool_pre_ping": True,
            "connect_args": {"connect_timeout": DATABASE_CONNECT_TIMEOUT}}


def _positive_int(env: Mapping[str, str], setting: str, default: int, maximum: int) -> int:
    value = env.get(setting, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise ConfigError(setting, f"must be a whole number from 1 to {maximum}, not {value!r}")
    return int(value)


def _redis_url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL", "must start with redis://, rediss:// or unix://")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("CASEFLOW_TIMEZONE",
                          f"{value!r} is not an IANA time zone such as Europe/Brussels") from None
    return value


def _development_secret(instance: Path) -> str:
    """One random key per checkout, kept so sessions survive a restart of `make run`."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
