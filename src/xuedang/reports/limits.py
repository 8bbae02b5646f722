"""Rate limits and the captcha gate of the public pages, counted in the Django cache.

Codes cannot be enumerated (DESIGN.md §6): 80-bit codes, a per-IP rate on every verification,
and after a few misses (codes that name no report, lookups that find nothing) a captcha on
every further attempt from that network (/24 or /48) for the rest of the hour.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

VERIFY, LOOKUP, MISSES, API = "reports.verify", "reports.lookup", "reports.misses", "reports.api"


def over_rate(request: HttpRequest, group: str, rate: str) -> bool:
    """Count one attempt from this address; True once it is over `rate`."""
    return is_ratelimited(request, group=group, key="ip", rate=rate, increment=True)


def verify_limited(request: HttpRequest) -> bool:
    return over_rate(request, VERIFY, settings.REPORTS_VERIFY_RATE)


def lookup_limited(request: HttpRequest) -> bool:
    return over_rate(request, LOOKUP, settings.REPORTS_LOOKUP_RATE)


def _misses_key(request: HttpRequest) -> str:
    # One counter per network (/24, /48) and clock hour; read with a single GET on every verification.
    return f"{MISSES}:{coarse_origin(request)}:{int(time.time()) // 3600}"


def captcha_required(request: HttpRequest) -> bool:
    """Whether this network has missed often enough this hour to be asked for a captcha."""
    return (cache.get(_misses_key(request)) or 0) >= settings.REPORTS_MISSES_BEFORE_CAPTCHA


def miss_record(request: HttpRequest) -> None:
    key = _misses_key(request)
    if not cache.add(key, 1, timeout=3600 + 60):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=3600 + 60)


def api_key_limited(request: HttpRequest, key: Any) -> bool:
    """One call of the verification API by `key`; True once the key is over its rate."""
    return is_ratelimited(request, group=API, key=lambda _group, _request: key.prefix,
                          rate=settings.REPORTS_API_RATE, increment=True)


def coarse_origin(request: HttpRequest) -> str:
    """Roughly where a verifier was (shown to the student): the /24 or /48 network, not the address."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
