"""Rate limits and the captcha gate of the public pages, counted in the Django cache.

Codes cannot be enumerated (DESIGN.md §6): 80-bit codes, a per-IP rate on every verification,
and after a few misses (codes that name no report, lookups that find nothing) a captcha on
every further attempt from that address for the rest of the hour.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
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


def _misses_rate() -> str:
    return f"{settings.REPORTS_MISSES_BEFORE_CAPTCHA}/h"


def captcha_required(request: HttpRequest) -> bool:
    """Whether this address has missed often enough to be asked for a captcha (counts nothing)."""
    return is_ratelimited(request, group=MISSES, key="ip", rate=_misses_rate(), increment=False)


def miss_record(request: HttpRequest) -> None:
    is_ratelimited(request, group=MISSES, key="ip", rate=_misses_rate(), increment=True)


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
