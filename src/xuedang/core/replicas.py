"""Reads from a streaming standby (docs/decisions/0012-read-replicas.md, docs/deploy.md).

With `DATABASE_REPLICA_URL` set, the read queries of the views named in `REPLICA_VIEWS` (public
verification and 零散查询, the employer API, staff lists, the student's archive pages) go to the
standby; everything else reads from the primary, and every write goes to the primary.

Three rules keep a reader from seeing the past:

- a request that wrote anything reads from the primary from then on (the router flips);
- a person who has just written (any POST, PUT, PATCH or DELETE answered below 400) carries a short
  cookie, `xd_rw`, for `REPLICA_STICKY_S` seconds, and reads from the primary while it lasts: the
  page after "saved" shows what was saved;
- the standby is asked, at most every `REPLICA_CHECK_S` seconds per process, how far behind it is
  (no lag when everything it received is replayed; otherwise, or when its replay is paused, the
  age of the last replayed transaction). Unreachable, or more than `REPLICA_MAX_LAG_S` behind: every read goes to the
  primary until a later check finds it well again.

Without a replica the router is not installed and the middleware removes itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

REPLICA = "replica"
STICKY_COOKIE = "xd_rw"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# This request's reads: REPLICA, or None for the primary.
_reads: ContextVar[str | None] = ContextVar("xuedang_replica_reads", default=None)
# A look-up POST (REPLICA_LOOKUP_POSTS): its writes are log rows, nobody reads them back.
_lookup: ContextVar[bool] = ContextVar("xuedang_replica_lookup", default=False)

LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN NULL
  WHEN pg_is_wal_replay_paused() THEN EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


class _Health:
    """The standby's last known state, per process: (checked at, usable)."""

    checked_at = -1e9
    usable = False


def replica_lag_s() -> float | None:
    """Seconds the standby is behind (0 when it has replayed all it received); None if it is not a
    standby at all. Raises DatabaseError when it cannot be reached."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        row = cursor.fetchone()
    return None if row is None or row[0] is None else float(row[0])


def replica_usable() -> bool:
    now = time.monotonic()
    if now - _Health.checked_at < settings.REPLICA_CHECK_S:
        return _Health.usable
    _Health.checked_at = now
    try:
        lag = replica_lag_s()
    except DatabaseError as error:
        if _Health.usable:
            log.warning("read replica unreachable, reading from the primary: %s", type(error).__name__)
        connections[REPLICA].close()
        _Health.usable = False
        return False
    usable = lag is not None and lag <= settings.REPLICA_MAX_LAG_S
    if _Health.usable and not usable:
        log.warning("read replica %s s behind (or not a standby), reading from the primary", lag)
    _Health.usable = usable
    return usable


def replica_health_forget() -> None:
    """Ask the standby again at the next request (tests; after a failover)."""
    _Health.checked_at = -1e9


class ReplicaRouter:
    """Reads of replica-eligible requests to the standby; all else to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return _reads.get()

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        if _reads.get() is not None and not _lookup.get():
            _reads.set(None)  # this request wrote: its later reads must see the write
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"


def _eligible(view_name: str) -> bool:
    names = settings.REPLICA_VIEWS
    return view_name in names or f"{view_name.split(':', 1)[0]}:*" in names


class ReplicaMiddleware:
    """Chooses where the request reads, and marks a writer with the read-your-writes cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if REPLICA not in settings.DATABASES:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token, lookup_token = _reads.set(None), _lookup.set(False)
        try:
            response = self.get_response(request)
            lookup = _lookup.get()
        finally:
            _reads.reset(token)
            _lookup.reset(lookup_token)
        if request.method not in SAFE_METHODS and response.status_code < 400 and not lookup:
            response.set_cookie(
                STICKY_COOKIE,
                "1",
                max_age=settings.REPLICA_STICKY_S,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        match = request.resolver_match
        if match is None or STICKY_COOKIE in request.COOKIES:
            return
        if request.method in SAFE_METHODS:
            eligible = _eligible(match.view_name)
        else:
            eligible = match.view_name in settings.REPLICA_LOOKUP_POSTS
            _lookup.set(eligible)
        if eligible and replica_usable():
            _reads.set(REPLICA)
