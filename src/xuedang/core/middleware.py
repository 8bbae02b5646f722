"""The client's address behind reverse proxies (docs/decisions/0010-client-address.md).

Every per-address rule reads `REMOTE_ADDR`: the verification and 零散查询 rate limits, the
captcha after repeated misses, the SMS and login caps per network, the rough origin shown on a
student's access page. Behind a load balancer or nginx, `REMOTE_ADDR` is the proxy's, so all
users would share one counter and the first busy minute would lock everyone out.

With `TRUSTED_PROXIES` set (addresses or networks of the proxies in front of the service), this
middleware runs first and rewrites `REMOTE_ADDR` to the client: it walks `X-Forwarded-For` from
the right, through the trusted proxies, and stops at the first address that is not one of them.
Entries a client wrote itself sit further left and are never reached, so a forged header does
not move a client out of its own limit. From a peer that is not a trusted proxy the forwarding
headers are dropped, so `X-Forwarded-Proto` (`SECURE_PROXY_SSL_HEADER`) is believed only from
the proxies. Without `TRUSTED_PROXIES` the middleware removes itself: direct connections pay
nothing, and forwarding headers are ignored as before.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse, JsonResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)
PEER_KEY = "xuedang.proxy_peer"  # request.META: the proxy the request came through
MAX_HOPS = 16  # entries read from the right of X-Forwarded-For; a longer header is not walked further


def trusted_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES parsed: "10.0.0.0/8", "192.0.2.7", "2001:db8::/32" …"""
    networks = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES 中的“{value}”不是 IP 地址或网段 / {value!r} in TRUSTED_PROXIES is not an IP "
                "address or network"
            ) from error
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """One X-Forwarded-For entry: "198.51.100.7", "2001:db8::1", "[2001:db8::1]:443", "198.51.100.7:80"."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client behind `peer`: the rightmost X-Forwarded-For entry that is not a trusted proxy
    (the peer itself when it is not one, or when the header is missing or unreadable there)."""
    current = _address(peer)
    if not _is_trusted(current, networks):
        return peer
    hops = forwarded_for.split(",")[-MAX_HOPS:] if forwarded_for else []
    for entry in reversed(hops):
        previous = _address(entry)
        if previous is None:  # not written by our proxies: stop at the last hop we can vouch for
            break
        current = previous
        if not _is_trusted(current, networks):
            break
    return str(current)


class ClientAddressMiddleware:
    """First in MIDDLEWARE: `REMOTE_ADDR` becomes the client's address when the request came
    through a trusted proxy; forwarding headers from anyone else are dropped."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.networks = trusted_networks(settings.TRUSTED_PROXIES)
        if not self.networks:
            raise MiddlewareNotUsed  # no proxy in front: nothing to rewrite, nothing to pay

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        if _is_trusted(_address(peer), self.networks):
            meta[PEER_KEY] = peer
            meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR", ""), self.networks)
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)


def coarse_origin(request: HttpRequest) -> str:
    """Roughly where a caller was (shown to the student on the access page): the /24 or /48 network,
    not the address."""
    return _network(request.META.get("REMOTE_ADDR", ""))


@functools.lru_cache(maxsize=4096)
def _network(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


class ContentSecurityPolicyMiddleware:
    """Sends `CONTENT_SECURITY_POLICY` with every response that has none of its own.

    The policy is one string read once at start, so the public verification page pays for a dict
    assignment, not for building a header. The templates carry no inline script or style (a test
    walks them), so the policy needs no 'unsafe-inline' and an injected `<script>` does not run.
    An empty `CONTENT_SECURITY_POLICY` removes the middleware (and `check --deploy` warns)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = " ".join(settings.CONTENT_SECURITY_POLICY.split())
        if not self.policy:
            raise MiddlewareNotUsed

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = self.policy
        return response


class RequestBodyLimitMiddleware:
    """Refuses (413) a request whose declared body is larger than its route may take, before
    anything reads it: Django would otherwise spool a 1 GB upload to disk before any form or
    service looked at its size. Import routes (LARGE_BODY_PATHS) may send MAX_REQUEST_BODY_BYTES,
    every other route MAX_FORM_BODY_BYTES. A body without Content-Length (chunked) is not read by
    Django at all, and nginx caps it first in production (docs/deploy.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        large = request.path_info.startswith(tuple(settings.LARGE_BODY_PATHS))
        limit = settings.MAX_REQUEST_BODY_BYTES if large else settings.MAX_FORM_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return _refusal(request, 400, "请求长度（Content-Length）无效 / the Content-Length header is not valid")
        if length > limit:
            mb = f"{limit / 1024 / 1024:g}"
            return _refusal(
                request,
                413,
                f"请求内容超过 {mb} MB 上限，未保存任何内容 / the request is larger than the limit of {mb} MB; "
                "nothing was saved",
            )
        return self.get_response(request)


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
