"""Verification codes (验证码) sent by SMS or email, and the limits on sending and trying them.

A code is 6 random digits, kept only as a keyed hash, for 10 minutes, and it survives at most
5 tries. A phone or email address gets at most 1 code a minute and 10 a day; one client address
(an IPv4 address or an IPv6 /64: `core.addresses`) at most `CODE_IP_DAILY_LIMIT` a day.
Everything lives in the Django cache (Redis in production), keyed by digests, so no phone
number or address is ever a cache key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from xuedang.core import crypto
from xuedang.core.addresses import address_group

CODE_TTL = 10 * 60
MAX_TRIES = 5
PER_TARGET_PER_MINUTE = 1
PER_TARGET_PER_DAY = 10
DAY = 24 * 3600


class CodeRefused(Exception):
    """A code was not sent or not accepted; `message` is the bilingual reason for the user."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """Where a code goes: a phone (sms) or an email address; `value` never leaves this module
    except to the message backend."""

    channel: str  # "sms" | "email"
    value: str

    @property
    def digest(self) -> str:
        if self.channel == "sms":
            return crypto.digest(self.value, purpose="phone")  # same digest as User.phone_digest
        return crypto.digest(self.value.lower(), purpose="email")


def _today() -> str:
    return timezone.localdate().isoformat()


def _code_key(purpose: str, target: Target) -> str:
    return f"xd:code:{purpose}:{target.channel}:{target.digest}"


def _hash(purpose: str, target: Target, code: str) -> str:
    return crypto.digest(f"{purpose}:{target.channel}:{target.digest}:{code}", purpose="verification-code")


def _count(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    return cache.incr(key)


def send_allowance_take(target: Target, ip: str) -> None:
    """Take one send from the per-minute, per-day and per-IP allowances, or refuse."""
    if not cache.add(f"xd:code-minute:{target.channel}:{target.digest}", 1, timeout=60):
        raise CodeRefused(
            "验证码发送过于频繁，请 1 分钟后再试 / a code was sent less than a minute ago; wait a minute",
            reason="minute",
        )
    if _count(f"xd:code-day:{target.channel}:{target.digest}:{_today()}", DAY) > PER_TARGET_PER_DAY:
        zh, en = ("手机号", "number") if target.channel == "sms" else ("邮箱", "address")
        raise CodeRefused(
            f"该{zh}今天的验证码已达 {PER_TARGET_PER_DAY} 条上限，请明天再试 / this {en} has had "
            f"{PER_TARGET_PER_DAY} codes today; try tomorrow",
            reason="day",
        )
    ip_key = crypto.digest(address_group(ip), purpose="client-ip")[:32]
    if _count(f"xd:code-ip:{ip_key}:{_today()}", DAY) > settings.CODE_IP_DAILY_LIMIT:
        raise CodeRefused(
            "此网络今天获取验证码次数过多，请明天再试 / too many codes were requested from "
            "this network today; try tomorrow",
            reason="ip",
        )


def code_issue(*, purpose: str, target: Target, ip: str) -> str:
    """Reserve a send and store a fresh code (replacing any earlier one); returns the code
    for the caller to deliver."""
    send_allowance_take(target, ip)
    code = f"{secrets.randbelow(10**6):06d}"
    key = _code_key(purpose, target)
    cache.set(key, _hash(purpose, target, code), timeout=CODE_TTL)
    cache.delete(key + ":tries")
    return code


def code_check(*, purpose: str, target: Target, code: str, consume: bool = True) -> None:
    """Accept the code or raise CodeRefused. The 6th try of any code is refused, right or not."""
    key = _code_key(purpose, target)
    stored = cache.get(key)
    if stored is None:
        raise CodeRefused(
            "验证码已过期或未获取，请重新获取 / the code has expired or was never sent; request a new one",
            reason="missing",
        )
    if _count(key + ":tries", CODE_TTL) > MAX_TRIES:
        cache.delete(key)
        raise CodeRefused(
            "验证码错误次数过多，已失效，请重新获取 / too many wrong tries; this code no longer "
            "works, request a new one",
            reason="tries",
        )
    if not secrets.compare_digest(stored, _hash(purpose, target, (code or "").strip())):
        raise CodeRefused("验证码不正确 / the verification code is wrong", reason="wrong")
    if consume:
        cache.delete_many([key, key + ":tries"])
