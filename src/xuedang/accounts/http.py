"""Request type for views that only run behind login (django-stubs' documented pattern)."""

from __future__ import annotations

from django.http import HttpRequest

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
