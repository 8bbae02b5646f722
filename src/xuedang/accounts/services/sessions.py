"""Sign-in records and sessions: the login history a student reads, the sessions they can end, and
the per-address failure count that slows password guessing."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from xuedang.accounts.models import AccountSession, LoginEvent, User
from xuedang.core import crypto
from xuedang.core.addresses import address_group
from xuedang.core.audit import audit_log


def login_event_record(*, user: User, ip: str | None, user_agent: str, succeeded: bool, detail: str = "") -> None:
    LoginEvent.objects.create(user=user, ip=ip or None, user_agent=user_agent[:200], succeeded=succeeded, detail=detail)


def session_record(*, user: User, session_key: str, ip: str | None, user_agent: str) -> None:
    AccountSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "ip": ip or None, "user_agent": user_agent[:200], "ended_at": None},
    )


def session_ended(*, session_key: str) -> None:
    AccountSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(ended_at=timezone.now())


def _store() -> type[SessionBase]:
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


@transaction.atomic
def sessions_end_all(*, user: User) -> int:
    """退出所有设备: every session of the account stops working, recorded or not."""
    user.session_epoch += 1
    user.save(update_fields=["session_epoch"])
    ended = 0
    for session in user.account_sessions.filter(ended_at__isnull=True):
        _store()(session.session_key).delete()
        ended += 1
    user.account_sessions.filter(ended_at__isnull=True).update(ended_at=timezone.now())
    audit_log(actor=user, action="accounts.sessions.ended_all", target=user, after={"sessions": ended})
    return ended


@transaction.atomic
def session_end(*, user: User, session_id: int) -> None:
    session = user.account_sessions.filter(pk=session_id, ended_at__isnull=True).first()
    if session is None:
        return
    _store()(session.session_key).delete()
    session.ended_at = timezone.now()
    session.save(update_fields=["ended_at"])
    audit_log(actor=user, action="accounts.session.ended", target=user, after={"session": session.pk})


# --- Sign-in throttles (decision 0018) ----------------------------------------------------------
# Axes locks an (address, account) pair on its own; these two counters only ever ask for a
# captcha, so no stranger can keep anyone out: whoever passes the captcha can always try.


def _ip_failures_key(ip: str) -> str:
    hour = timezone.now().strftime("%Y%m%d%H")
    return f"xd:login-fail-ip:{crypto.digest(address_group(ip), purpose='client-ip')[:32]}:{hour}"


def _account_failures_key(account: str) -> str:
    """`account` is axes' name for it (`backends.lockout_username`: the username, or a digest of
    an unknown typed name), so every login name of one account shares the count."""
    day = timezone.now().strftime("%Y%m%d")
    return f"xd:login-fail-account:{crypto.digest(account, purpose='lockout')[:32]}:{day}"


def _incr(key: str, timeout: int) -> None:
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)


def login_captcha_required(*, ip: str, account: str | None = None) -> bool:
    """Whether a sign-in from `ip` (to `account`, when known) must come with a captcha: many
    failures from that address this hour (credential stuffing across accounts), or a few
    failures for that account today (guessing one password from many addresses)."""
    if cache.get(_ip_failures_key(ip), 0) >= settings.LOGIN_IP_HOURLY_FAILURES:
        return True
    if account is None:
        return False
    return cache.get(_account_failures_key(account), 0) >= settings.LOGIN_ACCOUNT_FAILURES_BEFORE_CAPTCHA


def login_failure_record(*, ip: str, account: str) -> None:
    _incr(_ip_failures_key(ip), 3600)
    _incr(_account_failures_key(account), 24 * 3600)


def login_success_record(*, account: str) -> None:
    """The person got in: the account's count starts again (an attacker's next failures count anew)."""
    cache.delete(_account_failures_key(account))


def login_limits_clear(*, user: User, ip: str) -> None:
    """A password reset proved the phone or email: the account's captcha count and the axes lock
    of this (address, account) pair go, so the lockout page's "reset your password" lets the
    person in now. Other addresses' locks stay (they are someone else's failures)."""
    login_success_record(account=user.get_username())
    AxesProxyHandler.reset_attempts(ip_address=address_group(ip), username=user.get_username())
