"""Prometheus metrics (docs/deploy.md, "Health and metrics").

What an operator watches in September: request latency by route group, import jobs by state,
verifications by answer, SMS and e-mail sends by outcome. No label ever holds personal data, a
code, a path or a user: route groups are a fixed set named from the first segments of the path,
answers and outcomes are fixed words.

Under gunicorn each worker is its own process: with `PROMETHEUS_MULTIPROC_DIR` set (the gunicorn
configuration and the systemd units set it, deploy/), every process writes its samples to files
there and `/metrics` sums them, Celery workers' SMS and e-mail sends included. Without it (the
development server, the tests) the samples live in the process.

`/metrics` answers only addresses in `METRICS_NETWORKS` (loopback by default; Prometheus on the
private network is added there) and is 404 for everyone else, like nginx's `deny` in front.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.registry import Collector

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUEST_SECONDS = Histogram(
    "xuedang_http_request_duration_seconds",
    "Time to answer a request, by route group and status class",
    ["group", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
VERIFICATIONS = Counter(
    "xuedang_verifications_total",
    "Report verifications by channel (page, api) and answer (valid, expired, unknown, rate_limited …)",
    ["channel", "answer"],
)
MESSAGES = Counter(
    "xuedang_messages_total",
    "SMS and e-mail sends by outcome: delivered, written (file backend, not delivered), failed",
    ["channel", "outcome"],
)

# The first path segment names the group; under these, the second one too (/school/imports/ …).
GROUPS = frozenset(
    {"verify", "api", "school", "archive", "account", "admin", "login", "logout", "captcha", "static"}
    | {"healthz", "readyz", "metrics"}
)
SUBGROUPS = {
    "school": frozenset({"imports", "archive", "enrollments", "transfers"}),
    "api": frozenset({"v1"}),
}
API_GROUPS = frozenset({"verify", "school", "province", "docs", "openapi.json"})


def route_group(path: str) -> str:
    """A fixed word for the path: "verify", "school.imports", "api.verify", "other" … never the path."""
    parts = path.split("/", 4)
    first = parts[1] if len(parts) > 1 else ""
    if not first:
        return "home"
    if first not in GROUPS:
        return "other"
    if first == "api":
        third = parts[3] if len(parts) > 3 and parts[2] == "v1" else ""
        return f"api.{third}" if third in API_GROUPS else "api.other"
    second = parts[2] if len(parts) > 2 else ""
    if second in SUBGROUPS.get(first, ()):
        return f"{first}.{second}"
    return first


class RequestMetricsMiddleware:
    """Times every request into REQUEST_SECONDS (a few microseconds: one clock read each way and
    one histogram sample). `METRICS_ENABLED=false` removes it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_SECONDS.labels(route_group(request.path_info), f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


def verification_count(channel: str, answer: str) -> None:
    VERIFICATIONS.labels(channel, answer).inc()


def message_count(channel: str, outcome: str) -> None:
    MESSAGES.labels(channel, outcome).inc()


# Collectors read at scrape time from the database (import jobs by state), added by the apps above
# core (imports.metrics) so that core imports none of them (decision 0011).
SCRAPE_COLLECTORS: list[Collector] = []


def scrape_collector_add(collector: Collector) -> None:
    if all(type(existing) is not type(collector) for existing in SCRAPE_COLLECTORS):
        SCRAPE_COLLECTORS.append(collector)


def metrics_allowed(address: str, networks: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network.strip(), strict=False) for network in networks if network.strip())


def metrics_text() -> bytes:
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry: Any = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Everything())
    for collector in SCRAPE_COLLECTORS:
        registry.register(collector)
    return generate_latest(registry)


class _Everything(Collector):
    """The process's own registry, inside a scrape registry that also holds the database collectors."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()
