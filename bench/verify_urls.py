"""The project's routes plus a constant-response view, for bench/verify.py only (never deployed)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone

from xuedang.reports import services
from xuedang.reports.models import Report
from xuedang.urls import urlpatterns as project_patterns


def constant(request: HttpRequest) -> JsonResponse:
    """The same middleware and server as verification, and no work of its own."""
    return JsonResponse({"ok": True})


def lookup(request: HttpRequest, code: str) -> JsonResponse:
    """MEASURED.md's "one indexed ORM lookup" on the same server: what a single database read costs,
    for reading the verification figures against (the machine's ceiling for any page that reads)."""
    return JsonResponse({"id": Report.objects.filter(code=code).values_list("id", flat=True).first()})


def floor(request: HttpRequest, code: str) -> JsonResponse:
    """The one statement a verification cannot do without, and nothing around it: the prepared
    lookup of the report that also writes its access-log row (services._verify_and_log, exactly
    as the page runs it), answered with a constant JSON body: no gate, no comparison, no page.
    The ceiling of the verification page on this machine, as the constant view is of any view."""
    found = services._verify_and_log(code, viewer_label="bench", origin="127.0.0.0/24", today=timezone.localdate())
    return JsonResponse({"ok": found is not None})


urlpatterns = [
    path("bench/constant", constant),
    path("bench/lookup/<str:code>", lookup),
    path("bench/floor/<str:code>", floor),
    *project_patterns,
]
