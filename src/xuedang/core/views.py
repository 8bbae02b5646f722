from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from captcha.views import captcha_audio as spoken_captcha
from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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
