"""Two-step sign-in with a time-based code (TOTP, RFC 6238)."""

from __future__ import annotations

import pyotp
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.accounts.models import User
from xuedang.core.audit import audit_log

TOTP_ISSUER = "学档 xuedang"
TOTP_MAX_TRIES = 5


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def totp_verify(*, secret: str, code: str) -> bool:
    return bool(secret) and pyotp.TOTP(secret).verify((code or "").strip(), valid_window=1)


@transaction.atomic
def totp_enable(*, user: User, secret: str, code: str) -> None:
    if not totp_verify(secret=secret, code=code):
        raise ValidationError(
            {
                "code": [
                    "动态口令不正确，请核对手机时间后重试 / the code is wrong; check your phone's clock and try again"
                ]
            }
        )
    user.totp_secret, user.totp_enabled_at = secret, timezone.now()
    user.save(update_fields=["totp_secret", "totp_enabled_at"])
    audit_log(actor=user, action="accounts.totp.enabled", target=user)


@transaction.atomic
def totp_disable(*, user: User, password: str, code: str) -> None:
    if not user.check_password(password):
        raise ValidationError({"password": ["密码不正确 / the password is wrong"]})
    if not totp_verify(secret=user.totp_secret, code=code):
        raise ValidationError({"code": ["动态口令不正确 / the code is wrong"]})
    user.totp_secret, user.totp_enabled_at = "", None
    user.save(update_fields=["totp_secret", "totp_enabled_at"])
    audit_log(actor=user, action="accounts.totp.disabled", target=user)


def totp_login_check(*, user: User, code: str) -> bool:
    """The second step of signing in; at most 5 wrong codes per 10 minutes per account."""
    key = f"xd:totp-tries:{user.pk}"
    cache.add(key, 0, timeout=600)
    if cache.incr(key) > TOTP_MAX_TRIES:
        return False
    if totp_verify(secret=user.totp_secret, code=code):
        cache.delete(key)
        return True
    return False
