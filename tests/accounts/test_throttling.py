"""Failed logins are limited per account and per address, shared through Redis when there is
one, per process when Redis is absent or down; unknown accounts get the same answer."""

import json
import logging
import os
import statistics
import time

import pytest
from flask import request
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from caseflow import ratelimit
from caseflow.accounts.models import Role
from caseflow.audit.models import AuditEntry
from caseflow.extensions import db
from tests import factories
from tests.services import require

REDIS_URL = os.environ.get("CASEFLOW_TEST_RATELIMIT_REDIS_URL", "redis://127.0.0.1:6379/13")
REFUSED = "Too many failed attempts."
WRONG = "Wrong e-mail address or password."


WRONG_PASSWORD = "not the password at all"


def post_login(client, email, password=WRONG_PASSWORD, address="192.0.2.10"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_five_failures_lock_the_account_for_a_while(client):
    user = factories.make_user()
    db.session.commit()
    for _ in range(5):
        assert WRONG in post_login(client, user.email).text
    refused = post_login(client, user.email, factories.PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert REFUSED in refused.text and "Try again in 15 minutes." in refused.text
    assert 800 < int(refused.headers["Retry-After"]) <= 901
    assert client.get("/").status_code == 302  # not logged in
    # From another address too: the limit is the account's.
    assert post_login(client, user.email, factories.PASSWORD,
                      address="198.51.100.7").status_code == 429


def test_the_lock_of_one_account_does_not_touch_another(client):
    locked, other = factories.make_user(), factories.make_user()
    db.session.commit()
    for _ in range(5):
        post_login(client, locked.email)
    assert post_login(client, other.email, factories.PASSWORD).status_code == 302


def test_unknown_accounts_are_throttled_with_the_same_answers(client):
    known = factories.make_user(email="known@example.org")
    db.session.commit()
    answers = {}
    for email in (known.email, "nobody@example.org"):
        first = [post_login(client, email, address="192.0.2.20") for _ in range(5)]
        sixth = post_login(client, email, address="192.0.2.20")
        answers[email] = ([(r.status_code, WRONG in r.text) for r in first],
                          sixth.status_code, REFUSED in sixth.text)
    assert answers[known.email] == answers["nobody@example.org"]
    assert answers[known.email][1] == 429


def test_a_successful_login_clears_the_accounts_failures(client):
    user = factories.make_user()
    db.session.commit()
    for _ in range(4):
        post_login(client, user.email)
    assert post_login(client, user.email, factories.PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert post_login(client, user.email).status_code == 200
    assert post_login(client, user.email, factories.PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_stopped(client):
    """Password spraying: one guess per account, many accounts, from one address."""
    users = [factories.make_user() for _ in range(21)]
    db.session.commit()
    for user in users[:20]:
        assert post_login(client, user.email, address="203.0.113.9").status_code == 200
    spray = post_login(client, users[20].email, factories.PASSWORD, address="203.0.113.9")
    assert spray.status_code == 429
    assert post_login(client, users[20].email, factories.PASSWORD,
                      address="203.0.113.10").status_code == 302


def test_failed_logins_are_audited_without_the_typed_address(client):
    user = factories.make_user()
    db.session.commit()
    post_login(client, user.email)
    post_login(client, "typed-by-someone@example.org")
    rows = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "login_failed").order_by(AuditEntry.seq.desc()).limit(2)).all()
    unknown, known = rows
    assert known.user_id == user.id and json.loads(known.details)["reason"] == "wrong password"
    assert unknown.user_id is None
    assert json.loads(unknown.details)["reason"] == "unknown account"
    assert all("typed-by-someone" not in row.details for row in rows)
    assert unknown.address == "192.0.2.10"


def test_a_throttled_attempt_is_audited(client):
    user = factories.make_user()
    db.session.commit()
    for _ in range(6):
        post_login(client, user.email)
    last = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "login_failed").order_by(AuditEntry.seq.desc())).first()
    assert json.loads(last.details)["reason"] == "too many failed attempts"


def test_unknown_accounts_take_as_long_as_known_ones(app, client):
    """The hashing work is done for an unknown address too (with a real argon2 cost here,
    the hashing dominates; the medians must be close)."""
    saved = {k: app.config[k] for k in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST")}
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=32768)
    try:
        user = factories.make_user()  # hashed with these parameters
        db.session.commit()
        timings = {}
        for email in (user.email, "nobody@example.org"):
            runs = []
            for n in range(4):
                started = time.perf_counter()
                post_login(client, email, address=f"192.0.2.{100 + n}")
                runs.append(time.perf_counter() - started)
            timings[email] = statistics.median(runs)
    finally:
        app.config.update(saved)
    known, unknown = timings[user.email], timings["nobody@example.org"]
    assert 0.6 < unknown / known < 1.6, timings


# -- the store: Redis, or per process ---------------------------------------------------
def redis_available():
    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except RedisError:
        return False


@pytest.fixture
def redis_url():
    require("Redis", redis_available(), f"nothing answers at {REDIS_URL} "
            "(apt-get install redis-server, or set CASEFLOW_TEST_RATELIMIT_REDIS_URL)")
    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()  # database 13 is the rate-limit tests' own
    yield REDIS_URL
    connection.flushdb()


def test_two_workers_share_the_counts_through_redis(redis_url):
    first, second = ratelimit.RateLimiter(redis_url), ratelimit.RateLimiter(redis_url)
    rule = ratelimit.LOGIN_PER_ACCOUNT
    for _ in range(3):
        assert first.hit(rule, "account-a")
    for _ in range(2):
        assert second.hit(rule, "account-a")
    assert first.is_shared and second.is_shared
    assert not first.allows(rule, "account-a")
    assert not second.hit(rule, "account-a")
    assert second.allows(rule, "account-b")
    assert Redis.from_url(redis_url).keys("caseflow-limits*")


def test_logins_through_an_app_on_redis_are_limited_across_workers(app, client, redis_url):
    user = factories.make_user()
    db.session.commit()
    saved = app.extensions[ratelimit.EXTENSION]
    workers = [ratelimit.RateLimiter(redis_url), ratelimit.RateLimiter(redis_url)]
    try:
        for n in range(5):
            # Each request lands on another "worker" (another process's limiter).
            app.extensions[ratelimit.EXTENSION] = workers[n % 2]
            post_login(client, user.email)
        app.extensions[ratelimit.EXTENSION] = workers[1]
        assert post_login(client, user.email, factories.PASSWORD).status_code == 429
    finally:
        app.extensions[ratelimit.EXTENSION] = saved


def test_redis_down_falls_back_to_per_process_counts_and_warns_once(caplog):
    down = ratelimit.RateLimiter("redis://127.0.0.1:1/0")  # nothing listens on port 1
    rule = ratelimit.LOGIN_PER_ACCOUNT
    with caplog.at_level(logging.WARNING, logger="caseflow.ratelimit"):
        results = [down.hit(rule, "someone") for _ in range(6)]
    assert results == [True] * 5 + [False]  # still limited, in this process
    assert not down.is_shared
    warnings = [r for r in caplog.records if "not answering" in r.getMessage()]
    assert len(warnings) == 1


def test_a_login_works_while_redis_is_down(app, client):
    user = factories.make_user()
    db.session.commit()
    saved = app.extensions[ratelimit.EXTENSION]
    app.extensions[ratelimit.EXTENSION] = ratelimit.RateLimiter("redis://127.0.0.1:1/0")
    try:
        started = time.perf_counter()
        assert post_login(client, user.email, factories.PASSWORD).status_code == 302
        assert time.perf_counter() - started < 5
    finally:
        app.extensions[ratelimit.EXTENSION] = saved


def test_redis_is_used_again_once_it_answers(redis_url, monkeypatch):
    limiter = ratelimit.RateLimiter(redis_url)
    rule = ratelimit.LOGIN_PER_ACCOUNT
    # As if Redis had failed a minute ago: past the retry delay, Redis is asked again.
    limiter._redis_failed_at = time.monotonic() - ratelimit.REDIS_RETRY_SECONDS - 1
    assert limiter.hit(rule, "back")
    assert limiter.is_shared
    assert Redis.from_url(redis_url).keys("caseflow-limits*")


def test_the_limits_of_the_login_form(db_session):
    assert ratelimit.LOGIN_PER_ACCOUNT.item.amount == 5
    assert ratelimit.LOGIN_PER_ADDRESS.item.amount == 20
    assert ratelimit.LOGIN_PER_ACCOUNT.item.get_expiry() == 15 * 60


@pytest.mark.parametrize("role", [Role.caseworker])
def test_the_refusal_is_shown_on_the_login_form(client, role):
    user = factories.make_user(role=role)
    db.session.commit()
    for _ in range(5):
        post_login(client, user.email)
    page = post_login(client, user.email)
    assert page.status_code == 429
    assert 'name="email"' in page.text and REFUSED in page.text


def test_behind_a_trusted_proxy_the_forwarded_address_counts(databases, tmp_path):
    from tests.conftest import make_app

    proxied = make_app(databases.new("proxied"), tmp_path, TRUSTED_PROXIES=1)
    direct = make_app(databases.new("direct"), tmp_path / "direct")
    for app in (proxied, direct):
        app.add_url_rule("/_address", "address", lambda: request.remote_addr or "")
    headers = {"X-Forwarded-For": "198.51.100.23"}
    env = {"REMOTE_ADDR": "127.0.0.1"}
    try:
        assert proxied.test_client().get("/_address", headers=headers,
                                         environ_base=env).text == "198.51.100.23"
        # Without a trusted proxy, a client cannot choose its address with a header.
        assert direct.test_client().get("/_address", headers=headers,
                                        environ_base=env).text == "127.0.0.1"
    finally:
        for app in (proxied, direct):
            with app.app_context():
                db.engine.dispose()
