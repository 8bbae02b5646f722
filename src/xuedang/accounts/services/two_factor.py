"""Two-step sign-in with a time-based code (TOTP, RFC 6238), and recovery codes.

Students choose it; every staff account must have it, and no staff page or staff API answers
in a session that has not passed it (issue 13 item 3; `accounts.middleware`).
"""

from __future__ import annotations

import secrets
from typing import Any

import pyotp
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from xuedang.accounts.models import RecoveryCode, User
from xuedang.accounts.services.sessions import sessions_end_all
from xuedang.core.audit import audit_log
from xuedang.institutions.access import administers_user

TOTP_ISSUER = "学档 xuedang"
TOTP_MAX_TRIES = 5
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)


def two_factor_required(user: Any) -> bool:
    """Staff accounts must sign in with two factors; students may."""
    return bool(getattr(user, "is_staff", False))


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def totp_verify(*, secret: str, code: str) -> bool:
    return bool(secret) and pyotp.TOTP(secret).verify((code or "").strip(), valid_window=1)


def _wrong_code() -> ValidationError:
    return ValidationError(
        {"code": ["动态口令不正确，请核对手机时间后重试 / the code is wrong; check your phone's clock and try again"]}
    )


@transaction.atomic
def totp_enable(*, user: User, secret: str, code: str) -> None:
    if not totp_verify(secret=secret, code=code):
        raise _wrong_code()
    user.totp_secret, user.totp_enabled_at = secret, timezone.now()
    user.save(update_fields=["totp_secret", "totp_enabled_at"])
    audit_log(actor=user, action="accounts.totp.enabled", target=user)


@transaction.atomic
def totp_disable(*, user: User, password: str, code: str) -> None:
    if two_factor_required(user):
        raise ValidationError({"code": ["工作人员账号必须启用两步验证 / staff accounts must keep two-step sign-in"]})
    if not user.check_password(password):
        raise ValidationError({"password": ["密码不正确 / the password is wrong"]})
    if not totp_verify(secret=user.totp_secret, code=code):
        raise ValidationError({"code": ["动态口令不正确 / the code is wrong"]})
    user.totp_secret, user.totp_enabled_at = "", None
    user.save(update_fields=["totp_secret", "totp_enabled_at"])
    audit_log(actor=user, action="accounts.totp.disabled", target=user)


def _recovery_hash(code: str) -> str:
    normalised = code.strip().lower().replace("-", "").replace(" ", "")
    return salted_hmac("xuedang.accounts.recovery", normalised, algorithm="sha256").hexdigest()


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """Ten fresh single-use codes (the old ones stop working); returned once, stored hashed."""
    user.recovery_codes.all().delete()
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    codes = [f"{c[:5]}-{c[5:]}" for c in codes]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_recovery_hash(c)) for c in codes)
    audit_log(actor=user, action="accounts.recovery_codes.issued", target=user, after={"count": len(codes)})
    return codes


@transaction.atomic
def _recovery_code_use(*, user: User, code: str) -> bool:
    row = (
        RecoveryCode.objects.select_for_update()
        .filter(user=user, code_hash=_recovery_hash(code), used_at__isnull=True)
        .first()
    )
    if row is None:
        return False
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    audit_log(actor=user, action="accounts.recovery_code.used", target=user)
    return True


def totp_login_check(*, user: User, code: str) -> bool:
    """The second step of signing in: the authenticator's code, or one unused recovery code;
    at most 5 wrong answers per 10 minutes per account."""
    key = f"xd:totp-tries:{user.pk}"
    cache.add(key, 0, timeout=600)
    if cache.incr(key) > TOTP_MAX_TRIES:
        return False
    code = (code or "").strip()
    if totp_verify(secret=user.totp_secret, code=code) or (len(code) > 6 and _recovery_code_use(user=user, code=code)):
        cache.delete(key)
        return True
    return False


@transaction.atomic
def two_factor_reset(*, actor: Any, user: User, reason: str) -> None:
    """A staff member lost their authenticator: a user administrator of their scope (never they
    themselves) clears it; every session of theirs ends and the next sign-in enrols anew."""
    if getattr(actor, "pk", None) == user.pk or not administers_user(actor, user):
        raise ValidationError(
            {"user": ["只有其所在范围的另一位用户管理员可以重置 / only a user administrator of their scope resets it"]}
        )
    if not reason.strip():
        raise ValidationError({"reason": ["请填写重置原因 / give the reason"]})
    user.totp_secret, user.totp_enabled_at = "", None
    user.save(update_fields=["totp_secret", "totp_enabled_at"])
    user.recovery_codes.all().delete()
    audit_log(actor=actor, action="accounts.totp.reset", target=user, reason=reason.strip())
    sessions_end_all(user=user)


def recovery_codes_regenerate(*, user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), confirmed with the authenticator's code."""
    if not totp_verify(secret=user.totp_secret, code=code):
        raise _wrong_code()
    return recovery_codes_issue(user=user)


def recovery_codes_left(*, user: User) -> int:
    return user.recovery_codes.filter(used_at__isnull=True).count()
