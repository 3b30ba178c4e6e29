"""Rate limits shared by every worker: failed logins, two-factor codes, the public verify page.

The counters live in Redis when REDIS_URL is set, so a limit holds across gunicorn workers and
servers. When Redis is absent or stops answering, each process counts on its own (in memory)
and logs a warning once: a login must never fail because the rate limiter's store is down.
Redis is tried again a little later, so the shared limits come back by themselves.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

EXTENSION = "caseflow.ratelimit"
# How long to stay on the in-process counters before asking Redis again.
REDIS_RETRY_SECONDS = 30.0
# Short timeouts: a Redis that hangs must not hold a login for long.
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class Rule:
    """A named limit, e.g. Rule("login-account", "5 per 15 minutes")."""

    name: str
    limit: str

    @property
    def item(self) -> RateLimitItem:
        return parse(self.limit)


# Failed logins: a slow online guess of one account's password, and one address trying many
# accounts (password spraying). Unknown e-mail addresses are counted like known ones.
LOGIN_PER_ACCOUNT = Rule("login-account", "5 per 15 minutes")
LOGIN_PER_ADDRESS = Rule("login-address", "20 per 15 minutes")
# Wrong two-factor codes after a correct password: a 6-digit code must not be guessable.
TWO_FACTOR_PER_ACCOUNT = Rule("two-factor-account", "5 per 15 minutes")
# The public certificate verification page; the count can be changed in VERIFY_RATE_LIMIT.
VERIFY_PER_ADDRESS = Rule("verify-address", "30 per minute")


def key(value: str) -> str:
    """A counter key that does not keep e-mail addresses in clear in Redis."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


class RateLimiter:
    """Counts hits per (rule, key) in Redis, or per process when Redis is unavailable."""

    def __init__(self, redis_url: str | None, prefix: str = "caseflow") -> None:
        self.redis_url = redis_url
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._memory_storage: Storage = self._memory.storage
        self._redis: MovingWindowRateLimiter | None = None
        self._redis_failed_at: float | None = None
        self._warned = False
        self._lock = threading.Lock()
        if redis_url:
            self._redis = MovingWindowRateLimiter(RedisStorage(
                redis_url, key_prefix=f"{prefix}-limits", wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS))

    @property
    def is_shared(self) -> bool:
        """True while counting in Redis (shared between workers)."""
        return self._redis is not None and self._redis_failed_at is None

    def _strategy(self) -> MovingWindowRateLimiter:
        if self._redis is None:
            return self._memory
        with self._lock:
            failed_at = self._redis_failed_at
            if failed_at is not None and time.monotonic() - failed_at < REDIS_RETRY_SECONDS:
                return self._memory
        return self._redis

    def _run(self, action: str, rule: Rule, key: str, *extra: int) -> object:
        strategy = self._strategy()
        try:
            result = getattr(strategy, action)(rule.item, rule.name, key, *extra)
        except StorageError as error:
            with self._lock:
                self._redis_failed_at = time.monotonic()
                if not self._warned:
                    log.warning("Redis at REDIS_URL is not answering (%s); rate limits are "
                                "counted per process until it is back", error)
                    self._warned = True
            return getattr(self._memory, action)(rule.item, rule.name, key, *extra)
        if strategy is self._redis and self._redis_failed_at is not None:
            with self._lock:
                self._redis_failed_at = None
                self._warned = False
                log.info("Redis is answering again; rate limits are shared again")
        return result

    def allows(self, rule: Rule, key: str) -> bool:
        """True if one more hit would still be within the limit (nothing is counted)."""
        return bool(self._run("test", rule, key))

    def hit(self, rule: Rule, key: str) -> bool:
        """Count one hit; False if it went over the limit."""
        return bool(self._run("hit", rule, key))

    def clear(self, rule: Rule, key: str) -> None:
        self._run("clear", rule, key)

    def retry_after(self, rule: Rule, key: str) -> int:
        """Seconds until the oldest hit in the window expires (at least 1)."""
        stats = self._run("get_window_stats", rule, key)
        reset_at = getattr(stats, "reset_time", time.time())
        return max(1, int(reset_at - time.time()) + 1)

    def reset(self) -> None:
        """Forget every counter of this process (and of Redis's caseflow keys). For tests."""
        self._memory_storage.reset()
        if self._redis is not None:
            with contextlib.suppress(StorageError):
                self._redis.storage.reset()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = RateLimiter(app.config.get("REDIS_URL"))


def limiter() -> RateLimiter:
    """The current app's rate limiter."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]
