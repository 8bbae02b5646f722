import sys

from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from captcha.views import captcha_audio as spoken_captcha
from django.conf import settings
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import get_template
from django.views import defaults
from django_ratelimit.core import is_ratelimited
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from xuedang.core import health
from xuedang.core import metrics as metrics_module

# What a request cannot do without for a moment: the database (a restart, a failover) or Redis.
UNAVAILABLE = (DatabaseInterfaceError, DatabaseOperationalError, RedisConnectionError, RedisTimeoutError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. When the error is a database or Redis outage, a 503 page asking to retry soon
    (rendered without the request: no session or user lookups, which would fail the same way);
    any other error, Django's own 500 page. Django's handler already logged the error."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        page = get_template("core/unavailable.html").render({})
        return HttpResponse(page, status=503, headers={"Retry-After": "5", "Cache-Control": "no-store"})
    return defaults.server_error(request)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else (core/health.py)."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, replica, Redis and broker answer; 503 naming the failing parts."""
    asked = [name.strip() for name in request.GET.get("parts", "").split(",") if name.strip()]
    answers, unknown = health.readiness(asked)
    if unknown:
        return JsonResponse(
            {"status": "unknown parts", "unknown": unknown, "parts": sorted(health.readiness_parts())}, status=400
        )
    failing = [name for name, answer in answers.items() if answer != "ok"]
    body = {"status": "unavailable" if failing else "ok", "failing": failing, "parts": answers}
    return JsonResponse(body, status=503 if failing else 200)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format for METRICS_NETWORKS only; the missing-page 404 for anyone else."""
    if not settings.METRICS_ENABLED or not metrics_module.metrics_allowed(
        request.META.get("REMOTE_ADDR", ""), settings.METRICS_NETWORKS
    ):
        raise Http404
    return HttpResponse(metrics_module.metrics_text(), content_type=CONTENT_TYPE_LATEST)


def captcha_audio(request: HttpRequest, key: str) -> HttpResponse:
    """The captcha read aloud (django-simple-captcha runs flite), at most CAPTCHA_AUDIO_RATE per
    address: each one starts a process, so it must not become a way to load the servers."""
    if not captcha_settings.CAPTCHA_FLITE_PATH:  # read by django-simple-captcha once, at import
        raise Http404
    if not CaptchaStore.objects.filter(hashkey=key).exists():
        return HttpResponse(status=410)  # gone, as captcha's own view says (and no process started)
    if is_ratelimited(request, group="captcha.audio", key="ip", rate=settings.CAPTCHA_AUDIO_RATE, increment=True):
        response = HttpResponse(
            "请稍后再试 / Too many requests; please wait a minute.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "60"
        return response
    response = spoken_captcha(request, key)
    response["Cache-Control"] = "no-store"
    return response
