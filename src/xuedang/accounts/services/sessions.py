"""Sign-in records and sessions: the login history a student reads, the sessions they can end, and
the per-address failure count that slows password guessing."""

from __future__ import annotations

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


def _ip_failures_key(ip: str) -> str:
    hour = timezone.now().strftime("%Y%m%d%H")
    return f"xd:login-fail-ip:{crypto.digest(address_group(ip), purpose='client-ip')[:32]}:{hour}"


def login_ip_blocked(*, ip: str) -> bool:
    """Many failures from one network within the hour (credential stuffing across accounts):
    further sign-ins from it wait for the next hour. Per-account lockout is axes' job."""
    return cache.get(_ip_failures_key(ip), 0) >= settings.LOGIN_IP_HOURLY_FAILURES


def login_ip_failure(*, ip: str) -> None:
    key = _ip_failures_key(ip)
    cache.add(key, 0, timeout=3600)
    cache.incr(key)
