"""Doors for accounts pages: students' own pages, and the centre's appeal queue.

Appeals are reviewed by centre staff who manage users or approve (第二十四条 keeps registrars
out); anyone else gets the same 404 as for an appeal that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from xuedang.accounts.models import AppealState, IdentityAppeal
from xuedang.institutions.access import is_centre
from xuedang.institutions.models import Role

APPEAL_REVIEWERS = (Role.USER_ADMIN, Role.APPROVER)


def may_review_appeals(actor: Any) -> bool:
    return is_centre(actor, APPEAL_REVIEWERS)


def access_appeal(actor: Any, pk: int) -> IdentityAppeal:
    if not may_review_appeals(actor):
        raise Http404
    appeal = IdentityAppeal.objects.filter(pk=pk).exclude(state=AppealState.DRAFT).select_related("appellant").first()
    if appeal is None:
        raise Http404
    return appeal


def appeal_reviewer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_review_appeals(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def student_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for a student's own account; staff accounts are managed by the centre."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
