"""Sign-in: one account found by any of its login names, watched by django-axes.

A student signs in with a username, a mobile number, an activated email or an ID number.
Axes counts failures per *account* (whatever name was typed), in the cache, so switching
from the phone to the ID number does not buy more guesses; unknown names are counted under
a keyed digest so that no phone or ID number reaches the cache keys or axes' log lines.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest

from xuedang.accounts import selectors
from xuedang.core import crypto

BASE_COOL_OFF = timedelta(minutes=15)
MAX_COOL_OFF = timedelta(hours=24)


class AxesRequestBackend(AxesStandaloneBackend):
    """Axes' lockout check for every sign-in that comes with a request.

    Django's test client (`Client.login`) authenticates without a request; such calls never
    come from a browser, so they skip the lockout check instead of failing.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AccountBackend(ModelBackend):
    """Password check for the account a login name points to; inactive accounts never pass."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if not username or password is None:
            return None
        user = selectors.user_by_login_name(username)
        if user is None:
            # Same work as a real check, so timing does not tell which names exist.
            from django.contrib.auth import get_user_model

            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def lockout_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The name axes counts failures under: the account's username, or a digest."""
    typed = (credentials or {}).get("username") or ""
    if not typed and request is not None:
        typed = request.POST.get("username", "")
    memo = getattr(request, "_xd_lockout_names", None) if request is not None else None
    if memo is not None and typed in memo:
        return memo[typed]  # axes asks several times per sign-in; look the account up once
    user = selectors.user_by_login_name(typed) if typed else None
    name = (
        user.get_username()
        if user is not None
        else "unknown:" + crypto.digest(typed.strip().upper(), purpose="login-name")[:24]
    )
    if request is not None:
        if memo is None:
            memo = {}
            request._xd_lockout_names = memo  # type: ignore[attr-defined]  # per-request memo, read back by getattr
        memo[typed] = name
    return name


def _lockouts_key(username: str) -> str:
    return f"xd:lockouts:{crypto.digest(username, purpose='lockout')[:32]}"


def lockouts_today(username: str) -> int:
    return cache.get(_lockouts_key(username), 0)


def lockout_recorded(username: str) -> None:
    """Count a lockout of `username` today; the next cool-off is twice as long."""
    key = _lockouts_key(username)
    cache.add(key, 0, timeout=86400)
    cache.incr(key)


def cool_off_after(lockouts: int) -> timedelta:
    """15 minutes for the first lockout of a day, doubling with each one after, up to 24 h."""
    return min(BASE_COOL_OFF * (2 ** max(lockouts, 0)), MAX_COOL_OFF)


def lockout_cool_off(request: HttpRequest | None) -> timedelta:
    """Axes asks this when it (re)sets how long the failure count lives."""
    if request is None:
        return BASE_COOL_OFF
    credentials = getattr(request, "axes_credentials", None)
    return cool_off_after(lockouts_today(lockout_username(request, credentials)))
