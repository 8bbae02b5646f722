"""The project's routes plus a constant-response view, for bench/verify.py only (never deployed)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from xuedang.reports.models import Report
from xuedang.urls import urlpatterns as project_patterns


def constant(request: HttpRequest) -> JsonResponse:
    """The same middleware and server as verification, and no work of its own."""
    return JsonResponse({"ok": True})


def lookup(request: HttpRequest, code: str) -> JsonResponse:
    """MEASURED.md's "one indexed ORM lookup" on the same server: what a single database read costs,
    for reading the verification figures against (the machine's ceiling for any page that reads)."""
    return JsonResponse({"id": Report.objects.filter(code=code).values_list("id", flat=True).first()})


urlpatterns = [path("bench/constant", constant), path("bench/lookup/<str:code>", lookup), *project_patterns]
