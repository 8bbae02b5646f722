"""Rate limits and the captcha gate of the public pages, counted in the Django cache.

Codes cannot be enumerated (DESIGN.md §6): 80-bit codes, a per-IP rate on every verification,
and after a few misses (codes that name no report, lookups that find nothing) a captcha on
every further attempt from that network (/24 or /48) for the rest of the hour.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django_ratelimit.core import (
    ALL,
    EXPIRATION_FUDGE,
    _get_ip,
    _get_window,
    _make_cache_key,
    _split_rate,
    is_ratelimited,
)
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

from xuedang.core.middleware import coarse_origin

VERIFY, LOOKUP, MISSES, API = "reports.verify", "reports.lookup", "reports.misses", "reports.api"

# --- Redis down (docs/decisions/0013-redis-outage.md) ------------------------------------------------
# Public verification keeps answering: each limit below falls back to counters in this process's
# memory (per gunicorn worker: with W workers a client gets at most W times its rate) until Redis
# answers again. Sign-in does not fall back: its lockout counts must be shared, so it fails closed
# (core.views.server_error answers 503).
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
_local = LocMemCache("xuedang-reports-limits-fallback", {"TIMEOUT": 3600 + 60, "OPTIONS": {"MAX_ENTRIES": 100_000}})
log = logging.getLogger(__name__)


def _or_in_memory(fallback: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except REDIS_DOWN as error:
                log.warning(
                    "Redis unavailable (%s): %s counted in this process", type(error).__name__, function.__name__
                )
                return fallback(*args, **kwargs)

        return call

    return wrap


def _local_count(key: str, lifetime: int) -> int:
    if _local.add(key, 1, timeout=lifetime):
        return 1
    try:
        return _local.incr(key)
    except ValueError:  # expired between add and incr
        _local.add(key, 1, timeout=lifetime)
        return 1


def _local_over(request: HttpRequest, group: str, rate: str, value: str | None = None) -> bool:
    limit, period = _rate(rate)
    value = value or _get_ip(request)
    return _local_count(f"{group}:{value}:{int(time.time()) // period}", period + EXPIRATION_FUDGE) > limit


def _local_captcha_required(request: HttpRequest) -> bool:
    return (_local.get(_misses_key(request)) or 0) >= settings.REPORTS_MISSES_BEFORE_CAPTCHA


def _local_miss_record(request: HttpRequest) -> None:
    _local_count(_misses_key(request), 3600 + 60)


def _local_verify_gate(request: HttpRequest) -> tuple[bool, bool]:
    if _local_captcha_required(request):
        return True, False
    return False, _local_over(request, VERIFY, settings.REPORTS_VERIFY_RATE)


def over_rate(request: HttpRequest, group: str, rate: str) -> bool:
    """Count one attempt from this address; True once it is over `rate`."""
    return is_ratelimited(request, group=group, key="ip", rate=rate, increment=True)


@_or_in_memory(lambda request: _local_over(request, VERIFY, settings.REPORTS_VERIFY_RATE))
def verify_limited(request: HttpRequest) -> bool:
    return over_rate(request, VERIFY, settings.REPORTS_VERIFY_RATE)


@_or_in_memory(lambda request: _local_over(request, LOOKUP, settings.REPORTS_LOOKUP_RATE))
def lookup_limited(request: HttpRequest) -> bool:
    return over_rate(request, LOOKUP, settings.REPORTS_LOOKUP_RATE)


def _misses_key(request: HttpRequest) -> str:
    # One counter per network (/24, /48) and clock hour; read with a single GET on every verification.
    return f"{MISSES}:{coarse_origin(request)}:{int(time.time()) // 3600}"


@_or_in_memory(_local_captcha_required)
def captcha_required(request: HttpRequest) -> bool:
    """Whether this network has missed often enough this hour to be asked for a captcha."""
    return (cache.get(_misses_key(request)) or 0) >= settings.REPORTS_MISSES_BEFORE_CAPTCHA


@_or_in_memory(_local_miss_record)
def miss_record(request: HttpRequest) -> None:
    key = _misses_key(request)
    if not cache.add(key, 1, timeout=3600 + 60):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=3600 + 60)


# The captcha gate and the per-IP count of the verification page in one Redis round trip: the
# network's misses are read first, and only an attempt that gets past the captcha is counted
# (as captcha_required() then verify_limited() do with two or three round trips).
_GATE = """
local misses = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if misses >= tonumber(ARGV[1]) then return {1, 0} end
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return {0, count}
"""
_GATE_SHA = hashlib.sha1(_GATE.encode()).hexdigest()  # noqa: S324 — Redis names scripts by SHA-1


@functools.lru_cache(maxsize=64)
def _rate(rate: str) -> tuple[int, int]:
    return _split_rate(rate)


@functools.lru_cache(maxsize=4096)
def _rate_cache_key(value: str, window: int, rate: str) -> str:
    return _make_cache_key(VERIFY, window, rate, value, ALL)


def _verify_rate_key(request: HttpRequest) -> tuple[str, int, int]:
    """django-ratelimit's own cache key, limit and lifetime for this address (the same counter)."""
    rate = settings.REPORTS_VERIFY_RATE
    limit, period = _rate(rate)
    value = _get_ip(request)
    return _rate_cache_key(value, _get_window(value, period), rate), limit, period + EXPIRATION_FUDGE


_gate_local = threading.local()


def _gate_connection(backend: RedisCache) -> Connection:
    """One Redis connection per thread for the gate, taken from the cache's own pool settings and
    used directly (send, read): the client's pool, retry and instrumentation layers cost more CPU
    than the round trip itself (docs/BENCHMARKS.md)."""
    connection = getattr(_gate_local, "connection", None)
    if connection is None or getattr(_gate_local, "backend", None) is not backend:
        pool = backend._cache._get_connection_pool(write=True)  # type: ignore[attr-defined]  # Django's own pool
        connection = pool.make_connection()
        _gate_local.connection, _gate_local.backend = connection, backend
    return connection


def _gate_call(backend: RedisCache, args: list[Any]) -> Any:
    connection = _gate_connection(backend)
    for attempt in (1, 2):
        try:
            try:
                connection.send_command("EVALSHA", _GATE_SHA, 2, *args)
                return connection.read_response()
            except NoScriptError:  # first use on this Redis server (or after SCRIPT FLUSH)
                connection.send_command("EVAL", _GATE, 2, *args)
                return connection.read_response()
        except (RedisConnectionError, RedisTimeoutError):
            connection.disconnect()  # a restarted server: reconnect once, then let the error through
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@_or_in_memory(_local_verify_gate)
def verify_gate(request: HttpRequest) -> tuple[bool, bool]:
    """(captcha required, over the rate) for a verification by code: the captcha is asked first,
    and only an attempt past it is counted, exactly as captcha_required() then verify_limited()."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):  # local memory (development, tests): the cache API
        if captcha_required(request):
            return True, False
        return False, verify_limited(request)
    rate_key, limit, lifetime = _verify_rate_key(request)
    keys = [backend.make_key(_misses_key(request)), backend.make_key(rate_key)]  # our own keys: nothing to validate
    captcha, count = _gate_call(backend, [*keys, settings.REPORTS_MISSES_BEFORE_CAPTCHA, lifetime])
    return bool(captcha), (not captcha and count > limit)


@_or_in_memory(lambda request, key: _local_over(request, API, settings.REPORTS_API_RATE, key.prefix))
def api_key_limited(request: HttpRequest, key: Any) -> bool:
    """One call of the verification API by `key`; True once the key is over its rate."""
    return is_ratelimited(
        request, group=API, key=lambda _group, _request: key.prefix, rate=settings.REPORTS_API_RATE, increment=True
    )
