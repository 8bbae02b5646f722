"""Request helpers for the views: the type of a signed-in request (django-stubs' documented pattern)
and where to go after signing in."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from xuedang.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """An HttpRequest whose user has logged in: `login_required` (or a door built on it) has
    already turned AnonymousUser away, so views annotate `request` with this instead of
    narrowing `request.user` in every function. Only a type: Django never builds one."""

    user: User


class AuthenticatedApiRequest(AuthenticatedHttpRequest):
    """A ninja request let through by `django_auth`: ninja also puts the signed-in user on
    `request.auth`."""

    auth: User


def safe_next(request: HttpRequest) -> str:
    """The `next` address of a sign-in or check, if it stays on this site; otherwise the landing
    that fits the person (settings.LOGIN_REDIRECT_URL: a student's archive, staff's work queue)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)
