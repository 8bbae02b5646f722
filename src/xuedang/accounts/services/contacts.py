"""Contact details: changing the mobile number (both numbers confirmed) and the email address."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.accounts import codes, notify, selectors
from xuedang.accounts.models import User
from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log
from xuedang.core.masking import mask_phone


def phone_code_send(*, user: User, which: str, new_phone: str = "", ip: str) -> bool:
    """Codes for changing the phone: to the current number ("old") or to the new one ("new")."""
    if which == "old":
        return notify.code_send(purpose="phone_old", target=codes.Target("sms", user.phone), ip=ip)
    number = validators.normalize_any_mobile(new_phone)
    return notify.code_send(purpose="phone_new", target=codes.Target("sms", number), ip=ip)


@transaction.atomic
def phone_change(*, user: User, new_phone: str, new_code: str, old_code: str = "", password: str = "") -> User:
    """更换手机号: proven by the current number's code or the password, plus the new number's code."""
    try:
        number = validators.normalize_any_mobile(new_phone)
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
