"""Passwords and account recovery: change, reset by SMS code or email link, 找回用户名."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from xuedang.accounts import codes, notify, selectors
from xuedang.accounts.models import User
from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log


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
    number = validators.normalize_any_mobile(phone)
    target = codes.Target("sms", number)
    owner = selectors.phone_owner(number)
    if owner is None or not owner.is_active:
        codes.send_allowance_take(target, ip)  # the limits count for unknown numbers too
        return False
    return notify.code_send(purpose="reset", target=target, ip=ip)


@transaction.atomic
def password_reset_by_code(*, phone: str, code: str, new_password: str, confirm: str) -> User:
    number = validators.normalize_any_mobile(phone)
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
        document_type, number = validators.identify_document(document_type, document_number)
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
