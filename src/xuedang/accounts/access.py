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

from xuedang.accounts.models import AppealState, IdentityAppeal, Invitation, User
from xuedang.institutions.access import administered_memberships, administers, is_centre, is_user_admin
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


# --- Staff pages (issue 13 item 2): user administrators see the people of the scopes they administer.


def staff_admin_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_user_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def access_staff_person(actor: Any, pk: int) -> User:
    """A staff member the actor administers (never the actor itself); 404 otherwise."""
    if pk == getattr(actor, "pk", None):
        raise Http404
    user = User.objects.filter(pk=pk, memberships__in=administered_memberships(actor)).distinct().first()
    if user is None:
        raise Http404
    return user


def access_invitation(actor: Any, pk: int) -> Invitation:
    """An open invitation the actor sent or could have sent; 404 otherwise."""
    invitation = Invitation.objects.filter(pk=pk, accepted_at__isnull=True, withdrawn_at__isnull=True).first()
    if invitation is None or not all(
        administers(
            actor,
            scope=invitation.scope,
            role=role,
            province_code=invitation.province_code,
            institution_id=invitation.institution_id,
        )
        for role in invitation.roles
    ):
        raise Http404
    return invitation
