"""Signing in and keeping an account safe: login records, sessions, passwords, recovery,
phone and email changes, two-factor codes and cancellation (注销)."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.module_loading import import_string

from xuedang.accounts import codes, notify, selectors
from xuedang.accounts.models import AccountSession, LoginEvent, User
from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log
from xuedang.core.masking import mask_phone

TOTP_ISSUER = "学档 xuedang"
TOTP_MAX_TRIES = 5


# --- Login history and sessions --------------------------------------------------------------


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
    return f"xd:login-fail-ip:{crypto.digest(ip or '-', purpose='client-ip')[:32]}:{hour}"


def login_ip_blocked(*, ip: str) -> bool:
    """Many failures from one network within the hour (credential stuffing across accounts):
    further sign-ins from it wait for the next hour. Per-account lockout is axes' job."""
    return cache.get(_ip_failures_key(ip), 0) >= settings.LOGIN_IP_HOURLY_FAILURES


def login_ip_failure(*, ip: str) -> None:
    key = _ip_failures_key(ip)
    cache.add(key, 0, timeout=3600)
    cache.incr(key)


# --- Passwords ----------------------------------------------------------------------------------


def _new_password(user: User, password: str, confirm: str) -> None:
    if password != confirm:
        raise ValidationError({"new_password2": ["两次输入的新密码不一致 / the two new passwords differ"]})
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"new_password1": error.messages}) from error


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, confirm: str) -> None:
    """修改密码: the old one, then the new one twice. Other sessions end (Django signs
    sessions with the password hash)."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["原密码不正确 / the current password is wrong"]})
    _new_password(user, new_password, confirm)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_log(actor=user, action="accounts.password.changed", target=user)


def password_reset_code_send(*, phone: str, ip: str) -> bool:
    """找回密码 by SMS. The answer is the same whether or not an account has the number; a
    code goes out only when one does, and the limits count either way."""
    number = validators.normalize_mobile(phone)
    target = codes.Target("sms", number)
    owner = selectors.phone_owner(number)
    if owner is None or not owner.is_active:
        codes.send_allowance_take(target, ip)  # the limits count for unknown numbers too
        return False
    return notify.code_send(purpose="reset", target=target, ip=ip)


@transaction.atomic
def password_reset_by_code(*, phone: str, code: str, new_password: str, confirm: str) -> User:
    number = validators.normalize_mobile(phone)
    try:
        codes.code_check(purpose="reset", target=codes.Target("sms", number), code=code)
    except codes.CodeRefused as refused:
        raise ValidationError({"code": [refused.message]}) from refused
    user = selectors.phone_owner(number)
    if user is None or not user.is_active:  # unreachable: no code is ever sent for such numbers
        raise ValidationError({"code": ["验证码不正确 / the verification code is wrong"]})
    _new_password(user, new_password, confirm)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_log(actor=user, action="accounts.password.reset", target=user, after={"by": "sms"})
    return user


def password_reset_email_send(*, email: str, ip: str) -> bool:
    """找回密码 by email: a one-time link to the account's activated address, if there is one."""
    address = validators.normalize_email(email)
    target = codes.Target("email", address)
    codes.send_allowance_take(target, ip)
    user = selectors.email_owner(address)
    if user is None or not user.is_active:
        return False
    link = settings.SITE_URL.rstrip("/") + reverse(
        "accounts:password_reset_link",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )
    body = (
        f"请在 3 天内打开以下链接设置新密码：\n{link}\n\nOpen this link within 3 days to set a new password:\n"
        f"{link}\n\n如非本人操作，请忽略本邮件，您的密码不会改变。/ If this was not you, ignore this email.\n"
    )
    try:
        return notify.email_send(to=user.email, subject="重置密码 / reset your password", body=body)
    except (smtplib.SMTPException, OSError) as error:
        raise notify.DeliveryFailed(notify.DELIVERY_FAILED) from error


def password_reset_link_user(*, uidb64: str, token: str) -> User | None:
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def password_reset_by_link(*, user: User, new_password: str, confirm: str) -> None:
    _new_password(user, new_password, confirm)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_log(actor=user, action="accounts.password.reset", target=user, after={"by": "email"})


# --- 找回用户名 -----------------------------------------------------------------------------------


def mask_username(username: str) -> str:
    if len(username) <= 4:
        return username[0] + "*" * (len(username) - 1)
    return username[:2] + "*" * (len(username) - 4) + username[-2:]


def usernames_recover(*, document_type: str, document_number: str, real_name: str, ip: str) -> list[str]:
    """Masked usernames of the accounts under this ID and name (captcha checked by the form)."""
    key = f"xd:recover-ip:{crypto.digest(ip or '-', purpose='client-ip')[:32]}:{timezone.localdate()}"
    cache.add(key, 0, timeout=86400)
    if cache.incr(key) > settings.CODE_IP_DAILY_LIMIT:
        raise ValidationError("此网络今天查询次数过多，请明天再试 / too many look-ups from this network today")
    errors: dict[str, list[str]] = {}
    try:
        number = validators.normalize_document(document_type, document_number)
    except ValidationError as error:
        errors["document_number"] = error.messages
    try:
        name = validators.normalize_name(real_name)
    except ValidationError as error:
        errors["real_name"] = error.messages
    if errors:
        raise ValidationError(errors)
    found = selectors.usernames_for_identity(document_type=document_type, document_number=number, real_name=name)
    return [mask_username(u) for u in found]


# --- Phone and email ----------------------------------------------------------------------------


def phone_code_send(*, user: User, which: str, new_phone: str = "", ip: str) -> bool:
    """Codes for changing the phone: to the current number ("old") or to the new one ("new")."""
    if which == "old":
        return notify.code_send(purpose="phone_old", target=codes.Target("sms", user.phone), ip=ip)
    number = validators.normalize_mobile(new_phone)
    return notify.code_send(purpose="phone_new", target=codes.Target("sms", number), ip=ip)


@transaction.atomic
def phone_change(*, user: User, new_phone: str, new_code: str, old_code: str = "", password: str = "") -> User:
    """更换手机号: proven by the current number's code or the password, plus the new number's code."""
    try:
        number = validators.normalize_mobile(new_phone)
    except ValidationError as error:
        raise ValidationError({"new_phone": error.messages}) from error
    if number == user.phone:
        raise ValidationError({"new_phone": ["新号码与当前号码相同 / the new number is the current one"]})
    if old_code:
        try:
            codes.code_check(purpose="phone_old", target=codes.Target("sms", user.phone), code=old_code)
        except codes.CodeRefused as refused:
            raise ValidationError({"old_code": [refused.message]}) from refused
    elif not password or not user.check_password(password):
        raise ValidationError(
            {
                "password": [
                    "请填写原手机验证码或正确的登录密码 / enter the code sent to your "
                    "current number, or your correct password"
                ]
            }
        )
    try:
        codes.code_check(purpose="phone_new", target=codes.Target("sms", number), code=new_code)
    except codes.CodeRefused as refused:
        raise ValidationError({"new_code": [refused.message]}) from refused
    if selectors.phone_owner(number) is not None:
        raise ValidationError({"new_phone": ["该号码已绑定其他账号 / this number belongs to another account"]})
    before = user.phone
    user.phone, user.phone_digest = number, crypto.digest(number, purpose="phone")
    user.save(update_fields=["phone", "phone_digest"])
    audit_log(
        actor=user,
        action="accounts.phone.changed",
        target=user,
        before={"phone": before},
        after={"phone": number, "proof": "old_code" if old_code else "password"},
    )
    old_notice = (
        f"【学档】您的账号绑定手机已由 {mask_phone(before)} 更换为 {mask_phone(number)}。如非本人操作，请立即找回密码。"
    )
    transaction.on_commit(lambda: notify.notice_send(phone=before, text=old_notice))
    return user


def email_code_send(*, user: User, email: str, ip: str) -> bool:
    address = validators.normalize_email(email)
    return notify.code_send(purpose="email_new", target=codes.Target("email", address), ip=ip)


@transaction.atomic
def email_change(*, user: User, email: str, code: str) -> User:
    """绑定/更换邮箱: the code sent to the new address proves it, so it is activated at once."""
    try:
        address = validators.normalize_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from error
    try:
        codes.code_check(purpose="email_new", target=codes.Target("email", address), code=code)
    except codes.CodeRefused as refused:
        raise ValidationError({"code": [refused.message]}) from refused
    other = selectors.email_owner(address)
    if other is not None and other.pk != user.pk:
        raise ValidationError({"email": ["该邮箱已绑定其他账号 / this address belongs to another account"]})
    before = user.masked_email
    user.email, user.email_verified_at = address, timezone.now()
    user.save(update_fields=["email", "email_verified_at"])
    audit_log(
        actor=user,
        action="accounts.email.changed",
        target=user,
        before={"email": before},
        after={"email": user.masked_email},
    )
    return user


# --- Two-factor (TOTP) --------------------------------------------------------------------------


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


# --- Cancellation (注销) -------------------------------------------------------------------------


def cancellation_due(user: User) -> datetime | None:
    if user.cancellation_requested_at is None:
        return None
    return user.cancellation_requested_at + timedelta(days=settings.ACCOUNT_CANCEL_COOLING_DAYS)


@transaction.atomic
def cancellation_request(*, user: User, password: str) -> None:
    if not user.check_password(password):
        raise ValidationError({"password": ["密码不正确 / the password is wrong"]})
    user.cancellation_requested_at = timezone.now()
    user.save(update_fields=["cancellation_requested_at"])
    audit_log(actor=user, action="accounts.cancellation.requested", target=user)


@transaction.atomic
def cancellation_withdraw(*, user: User) -> None:
    user.cancellation_requested_at = None
    user.save(update_fields=["cancellation_requested_at"])
    audit_log(actor=user, action="accounts.cancellation.withdrawn", target=user)


@transaction.atomic
def account_deactivate(*, user: User, reason: str, actor: User | None) -> None:
    """The login goes; the registry's records stay. Phone, email and identity are released so
    the person can register again, and every session ends."""
    before = {"phone": user.phone, "document_number": user.document_number, "email": user.masked_email}
    from xuedang.archive.services import bindings_release

    bindings_release(user=user, reason=reason)
    user.is_active, user.deactivated_at, user.deactivated_reason = False, timezone.now(), reason
    user.phone = user.phone_digest = user.document_number = user.identity_digest = ""
    user.email, user.email_verified_at, user.session_epoch = "", None, user.session_epoch + 1
    user.save()
    user.account_sessions.filter(ended_at__isnull=True).update(ended_at=timezone.now())
    audit_log(
        actor=actor,
        action="accounts.user.deactivated",
        target=user,
        before=before,
        after={"is_active": False},
        reason=reason,
    )


def cancellations_complete() -> int:
    """Deactivate accounts whose cooling-off period has passed (run hourly by celery beat)."""
    cutoff = timezone.now() - timedelta(days=settings.ACCOUNT_CANCEL_COOLING_DAYS)
    done = 0
    for pk in User.objects.filter(is_active=True, cancellation_requested_at__lte=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=pk)
            if user.is_active and user.cancellation_requested_at and user.cancellation_requested_at <= cutoff:
                account_deactivate(user=user, reason="cancelled", actor=None)
                done += 1
    return done
