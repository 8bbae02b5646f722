from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from xuedang.core.codetables import code_choices
from xuedang.institutions.access import is_staff_member
from xuedang.registry import selectors
from xuedang.registry.access import access_enrollment
from xuedang.registry.models import EnrollmentState, Level

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> selectors.EnrollmentFilters:
    year = request.GET.get("entry_year", "")
    return selectors.EnrollmentFilters(
        q=request.GET.get("q", "").strip()[:100],
        major_code=request.GET.get("major_code", "").strip()[:10],
        entry_year=int(year) if year.isdigit() and len(year) == 4 else None,
        state=request.GET.get("state", "") if request.GET.get("state") in EnrollmentState.values else "",
        level=request.GET.get("level", "") if request.GET.get("level") in Level.values else "",
    )


@login_required
def enrollment_list(request: HttpRequest) -> HttpResponse:
    if not is_staff_member(request.user):
        raise Http404
    filters = _filters(request)
    params = request.GET.copy()
    params.pop("page", None)
    page = Paginator(selectors.enrollment_list(actor=request.user, filters=filters), PAGE_SIZE)
    return render(request, "registry/enrollment_list.html", {
        "page": page.get_page(request.GET.get("page")), "filters": filters,
        "states": EnrollmentState.choices, "levels": Level.choices,
        "query": params.urlencode(),
    })


@login_required
def enrollment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = access_enrollment(request.user, pk)
    return render(request, "registry/enrollment_detail.html", {
        "enrollment": enrollment,
        "timeline": selectors.enrollment_timeline(enrollment=enrollment),
        "ethnicity": dict(code_choices("ethnicity")).get(enrollment.ethnicity, enrollment.ethnicity),
    })
