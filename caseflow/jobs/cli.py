"""`flask jobs worker` and `flask jobs purge`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError
from rq import Worker

from caseflow.extensions import db
from caseflow.jobs import services

jobs_cli = AppGroup("jobs", help="Background jobs (reports, batch printing).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (for tests and cron).")
def worker(burst: bool) -> None:
    """Run jobs from the Redis queue "caseflow" until stopped."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run inline in the web request and no "
            "worker is needed. Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to use workers.")
    connection = services.redis_connection(for_worker=True)
    try:
        connection.ping()
    except RedisError as error:
        raise click.ClickException(f"Redis at REDIS_URL cannot be reached: {error}") from None
    # Each job runs in a forked child; it must open its own database connections, not
    # share pooled ones inherited from this process.
    db.engine.dispose()
    click.echo(f"caseflow worker on queue {services.QUEUE_NAME!r}"
               f"{' (burst)' if burst else ''}")
    Worker([services.QUEUE_NAME], connection=connection).work(burst=burst)


@jobs_cli.command("purge")
def purge() -> None:
    """Delete expired result files and fail jobs whose worker disappeared."""
    report = services.purge_expired()
    db.session.commit()
    click.echo(f"{report.expired} result(s) expired, {report.stale} stale job(s) failed.")
