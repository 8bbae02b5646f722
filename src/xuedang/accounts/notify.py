"""Messages to people: verification codes and notices, by SMS and email, and the in-app inbox
(`notify`) that registry, archive and reports write to.

Every sender returns whether the message really left (a development backend says it did
not), so pages never claim a delivery that did not happen.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from xuedang.accounts import codes
from xuedang.accounts.models import Notification, User
from xuedang.accounts.sms import SmsError, SmsMessage, sms_send
from xuedang.core.masking import mask_email
from xuedang.core.metrics import message_count

log = logging.getLogger(__name__)

PURPOSES = {
    "register": "注册账号 / registration",
    "reset": "找回密码 / password reset",
    "phone_old": "更换手机号（原号码）/ changing your mobile (current number)",
    "phone_new": "绑定新手机号 / binding a new mobile",
    "email_new": "绑定邮箱 / binding an email address",
}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DELIVERY_FAILED = "消息发送失败，请稍后再试 / the message could not be sent; try again later"


class DeliveryFailed(Exception):
    """The SMS provider or mail server did not take the message; nothing was sent."""


def email_delivers() -> bool:
    return settings.EMAIL_BACKEND == SMTP_BACKEND


def sms_delivers() -> bool:
    from xuedang.accounts.sms import sms_backend

    return sms_backend().delivers


def email_send(*, to: str, subject: str, body: str) -> bool:
    """Send one plain-text email; True when an SMTP server accepted it."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:
        message_count("email", "failed")
        raise
    message_count("email", "delivered" if email_delivers() else "written")
    log.info("email '%s' to %s (smtp=%s)", subject, mask_email(to), email_delivers())
    return email_delivers()


def code_send(*, purpose: str, target: codes.Target, ip: str) -> bool:
    """Issue a code within the limits and send it; True when it really left."""
    code = codes.code_issue(purpose=purpose, target=target, ip=ip)
    what = PURPOSES[purpose]
    try:
        if target.channel == "sms":
            text = f"【学档】验证码 {code}，用于{what.split(' / ')[0]}，10 分钟内有效，请勿告诉他人。"
            return sms_send(SmsMessage(phone=target.value, kind="code", params={"code": code}, text=text)).delivered
        body = (
            f"您的验证码是 {code}，用于{what.split(' / ')[0]}，10 分钟内有效。\n"
            f"Your verification code is {code}, for {what.split(' / ')[1]}; it is valid for 10 minutes.\n"
        )
        return email_send(to=target.value, subject="学档验证码 / xuedang verification code", body=body)
    except (SmsError, smtplib.SMTPException, OSError) as error:
        log.warning("%s code not sent: %s", target.channel, type(error).__name__)
        raise DeliveryFailed(DELIVERY_FAILED) from error


def notice_send(*, phone: str = "", email: str = "", text: str, subject: str = "") -> None:
    """A notice to whichever of phone and email the person has; failures are logged, not raised,
    because the decision that triggered the notice stands either way."""
    if phone:
        try:
            sms_send(SmsMessage(phone=phone, kind="notice", params={"text": text[:60]}, text=text))
        except Exception:
            log.exception("sms notice failed")
    if email:
        try:
            email_send(to=email, subject=subject or "学档通知 / xuedang notice", body=text)
        except Exception:
            log.exception("email notice failed")


# --- The inbox: in-app notices, copied by SMS and email ----------------------------------------


def notify(*, user: User, text: str, url: str = "") -> Notification:
    """An in-app notice, written in the caller's transaction (so it exists only if the step does),
    and the same by SMS and confirmed email once that transaction commits."""
    notice = Notification.objects.create(user=user, text=text[:300], url=url[:200])
    phone, email = user.phone, (user.email if user.email_verified_at else "")
    transaction.on_commit(
        lambda: notice_send(
            phone=phone, email=email, text=f"【学档】{text[:200]}", subject="学信档案通知 / archive notice"
        )
    )
    return notice


@transaction.atomic
def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
