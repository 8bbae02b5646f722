"""Liveness and readiness (docs/deploy.md, "Health and metrics").

`/healthz`: the process answers (nothing else is touched: a database outage must not make the
load balancer's liveness probe restart every node). `/readyz`: each part the service needs answers
within about a second — the database, each further database (the read replica), Redis (cache and
rate limits), the Celery broker; 503 naming the failing parts otherwise. `?parts=database,redis`
asks about those parts only (a verification-only node need not wait for the broker).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connections

TIMEOUT_S = 1  # second


def _database(alias: str) -> Callable[[], None]:
    def probe() -> None:
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    return probe


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)
    try:
        client.ping()
    finally:
        client.close()


def _broker() -> None:
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=TIMEOUT_S) as connection:
        connection.ensure_connection(max_retries=0, timeout=TIMEOUT_S)


def readiness_parts() -> dict[str, Callable[[], None]]:
    """The parts of this deployment: what is configured is probed, nothing else."""
    parts = {("database" if alias == "default" else alias): _database(alias) for alias in settings.DATABASES}
    if settings.REDIS_URL:
        parts["redis"] = _redis
    if not settings.CELERY_BROKER_URL.startswith("memory://"):
        parts["broker"] = _broker
    return parts


def readiness(asked: list[str] | None = None) -> tuple[dict[str, str], list[str]]:
    """(each part → "ok" or the error's class name, the parts asked for that do not exist)."""
    parts = readiness_parts()
    names = asked if asked else list(parts)
    unknown = [name for name in names if name not in parts]
    answers = {}
    for name in names:
        if name in parts:
            try:
                parts[name]()
            except Exception as error:
                answers[name] = type(error).__name__
            else:
                answers[name] = "ok"
    return answers, unknown
