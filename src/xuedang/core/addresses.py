"""The unit every per-address limit counts: one IPv4 address, or one IPv6 /64.

An IPv6 subscriber (a home line, a phone, a rented server) gets a whole /64 and can pick any of
its 2**64 addresses per request, so a limit per exact IPv6 address is no limit at all. The
verification page's rate (django-ratelimit, `RATELIMIT_IPV6_MASK = 64`) always counted /64s;
this is the same grouping for every other per-address rule (SMS and email code caps, sign-in
failures, 零散查询, captcha misses): `xuedang.settings.RATELIMIT_IP_META_KEY` points
django-ratelimit here too, so all of them share one definition (docs/decisions/0018).

IPv4-mapped IPv6 (`::ffff:198.51.100.7`) counts as the IPv4 address; an unreadable value
counts as "-", one shared group, rather than escaping every limit.
"""

from __future__ import annotations

import functools
import ipaddress

from django.http import HttpRequest

IPV6_PREFIX = 64


@functools.lru_cache(maxsize=4096)
def address_group(address: str) -> str:
    """The group of `address`: 198.51.100.7 → 198.51.100.7, 2001:db8:1:2:aa::1 → 2001:db8:1:2::/64."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "-"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 4:
        return str(ip)
    return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))


def ratelimit_ip(request: HttpRequest) -> str:
    """django-ratelimit's `RATELIMIT_IP_META_KEY`: an address it masks to the same group (it
    masks IPv6 to /64 itself and needs an address, not a network)."""
    group = request_address_group(request)
    if group == "-":
        return "0.0.0.0"  # noqa: S104 — a counter's name, not a socket to bind
    return group.removesuffix(f"/{IPV6_PREFIX}")


def request_address_group(request: HttpRequest) -> str:
    """The group of the request's client (REMOTE_ADDR, which the client-address middleware has
    already set to the client behind trusted proxies)."""
    return address_group(request.META.get("REMOTE_ADDR", ""))
