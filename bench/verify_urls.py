"""The project's routes plus a constant-response view, for bench/verify.py only (never deployed)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from xuedang.urls import urlpatterns as project_patterns


def constant(request: HttpRequest) -> JsonResponse:
    """The same middleware and server as verification, and no work of its own."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/constant", constant), *project_patterns]
