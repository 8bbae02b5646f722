"""学生注册: mobile + SMS code, password, real name and document, optional email.

Step one (`registration_check`) validates everything and spends the SMS code; the result is
a draft the confirmation page shows (username, name, masked ID) and keeps in the session
with the password already hashed. Step two (`student_register`) creates the account after
the student answers 「是」. An ID number that another account holds does not stop the
registration: the new account is created without it, an appeal draft holds the claim, and the
holder is told. Neither step tells the registrant that the number was taken: the registrant has
proved control of their own phone, not of the holder's (decision 0018).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xuedang.accounts import codes, notify, selectors
from xuedang.accounts.models import AppealState, IdentityAppeal, User
from xuedang.accounts.signals import identity_confirmed
from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log

log = logging.getLogger(__name__)
USERNAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ACTIVATION_SALT = "xuedang.accounts.email-activation"
ACTIVATION_MAX_AGE = 3 * 24 * 3600


@dataclass
class RegistrationDraft:
    username: str
    phone: str
    password_hash: str
    real_name: str
    document_type: str
    document_number: str
    email: str
    # 第三条: a student without a mainland phone registers with email alone; the code proved it.
    email_verified: bool = False

    # Sessions live in the database: the numbers wait there sealed, like every other copy at rest.
    SEALED = ("phone", "document_number")

    def to_session(self) -> dict[str, Any]:
        data = asdict(self)
        return data | {name: crypto.seal(data[name]) for name in self.SEALED if data[name]}

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> RegistrationDraft:
        data = {name: value for name, value in data.items() if name in cls.__dataclass_fields__}
        return cls(**(data | {name: crypto.unseal(data[name]) for name in cls.SEALED if data[name]}))

    @property
    def identity_digest(self) -> str:
        return crypto.identity_digest(self.document_type, self.document_number)


def new_username() -> str:
    """xd + 8 characters without look-alikes; never derived from personal data."""
    while True:
        name = "xd" + "".join(secrets.choice(USERNAME_ALPHABET) for _ in range(8))
        if not User.objects.filter(username=name).exists():
            return name


def registration_code_send(*, phone: str, ip: str, email: str = "") -> bool:
    """Send the registration code to `phone` (validated; mainland or with a country code), or to
    `email` when no phone is given (第三条: students without a mainland phone), within the limits."""
    if not phone.strip() and email.strip():
        return notify.code_send(
            purpose="register", target=codes.Target("email", validators.normalize_email(email)), ip=ip
        )
    number = validators.normalize_any_mobile(phone)
    return notify.code_send(purpose="register", target=codes.Target("sms", number), ip=ip)


def _code_target(phone: str | None, address: str) -> codes.Target:
    return codes.Target("sms", phone) if phone else codes.Target("email", address)


def _field(errors: dict[str, list[str]], name: str, check: Any) -> Any:
    try:
        return check()
    except ValidationError as error:
        errors.setdefault(name, []).extend(error.messages)
        return None


def registration_check(
    *,
    phone: str,
    code: str,
    password: str,
    real_name: str,
    document_type: str,
    document_number: str,
    email: str = "",
) -> RegistrationDraft:
    """Validate step one and spend the code; raise ValidationError naming each wrong field."""
    errors: dict[str, list[str]] = {}
    if not phone.strip() and not email.strip():
        errors["phone"] = [
            "请填写手机号，或仅用邮箱注册时填写邮箱 / give a mobile, or an email to register with email alone"
        ]
    number_phone = _field(errors, "phone", lambda: validators.normalize_any_mobile(phone)) if phone.strip() else ""
    name = _field(errors, "real_name", lambda: validators.normalize_name(real_name))
    identified = _field(errors, "document_number", lambda: validators.identify_document(document_type, document_number))
    document_type, number = identified or (document_type, "")
    address = _field(errors, "email", lambda: validators.normalize_email(email)) if email.strip() else ""
    username = new_username()
    _field(errors, "password", lambda: validate_password(password, User(username=username, real_name=name or "")))
    if errors:
        raise ValidationError(errors)
    try:
        codes.code_check(purpose="register", target=_code_target(number_phone, address or ""), code=code)
    except codes.CodeRefused as refused:
        raise ValidationError({"code": [refused.message]}) from refused
    if not number_phone and selectors.email_owner(address or "") is not None:
        # Said only after the code proved the address is the registrant's own.
        raise ValidationError(
            {
                "email": [
                    "该邮箱已注册账号，请直接登录或找回密码 / "
                    "this email already has an account; sign in or reset the password"
                ]
            }
        )
    if number_phone and selectors.phone_owner(number_phone) is not None:
        # Said only after the code proved the number is the registrant's own.
        raise ValidationError(
            {
                "phone": [
                    "该手机号已注册账号，请直接登录或找回密码 / this number already has an "
                    "account; sign in or reset the password"
                ]
            }
        )
    draft = RegistrationDraft(
        username=username,
        phone=number_phone,
        password_hash=make_password(password),
        real_name=name,
        document_type=document_type,
        document_number=number,
        email=address or "",
        email_verified=not number_phone,
    )
    return draft


@transaction.atomic
def student_register(*, draft: RegistrationDraft) -> User:
    """Create the account the student confirmed. Binds records when the identity is theirs;
    otherwise opens an appeal draft for the identity another account holds."""
    if draft.phone and selectors.phone_owner(draft.phone) is not None:
        raise ValidationError({"phone": ["该手机号已注册账号 / this number already has an account"]})
    if draft.email_verified and selectors.email_owner(draft.email) is not None:
        raise ValidationError({"email": ["该邮箱已注册账号 / this email already has an account"]})
    user = User(
        username=draft.username,
        password=draft.password_hash,
        real_name=draft.real_name,
        phone=draft.phone,
        phone_digest=crypto.digest(draft.phone, purpose="phone") if draft.phone else "",
        email=draft.email,
        email_verified_at=timezone.now() if draft.email_verified else None,
    )
    taken = selectors.identity_owners(identity_digest=draft.identity_digest).exists()
    if not taken:
        user.document_type, user.document_number = draft.document_type, draft.document_number
        user.identity_digest = draft.identity_digest
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # someone took the phone or identity a moment ago
        raise ValidationError(
            {"document_number": ["注册未完成，请重试 / registration did not complete; try again"]}
        ) from error
    audit_log(
        actor=user,
        action="accounts.user.registered",
        target=user,
        after={
            "username": user.username,
            "phone": draft.phone,
            "document_number": draft.document_number,
            "identity_taken": taken,
            "email_given": bool(draft.email),
        },
    )
    if taken:
        _tell_holders(draft.identity_digest)
        IdentityAppeal.objects.create(
            appellant=user,
            real_name=draft.real_name,
            document_type=draft.document_type,
            document_number=draft.document_number,
            identity_digest=draft.identity_digest,
            state=AppealState.DRAFT,
        )
    else:
        identity_confirmed.send(sender=User, user=user)
    if draft.email and not draft.email_verified:
        transaction.on_commit(lambda: _activation_after_commit(user))
    return user


def _tell_holders(identity_digest: str) -> None:
    """The account holding the ID hears that someone registered with it (it may be the holder's
    own forgotten account, or a thief; either way the holder should know)."""
    text = (
        "有人用您账号中的证件号码注册了新的学档账号，新账号不含证件信息，也不能查看您的档案。如果是您本人，"
        "请继续使用本账号；如果不是，请留意，必要时联系学档中心。/ Someone registered a new xuedang account "
        "with the ID number on your account; the new account has no ID and cannot see your archive."
    )
    for holder in selectors.identity_owners(identity_digest=identity_digest).filter(is_active=True):
        notify.notify(user=holder, text=text, url=reverse("accounts:profile"))


def _activation_after_commit(user: User) -> None:
    """The account exists either way; a mail server that is down only delays the link (the
    account page offers to send it again)."""
    try:
        email_activation_send(user=user)
    except Exception:
        log.warning("activation email not sent for account %s", user.pk)


def activation_token(user: User) -> str:
    return signing.dumps(
        {"u": user.pk, "e": crypto.digest(user.email.lower(), purpose="email")[:20]}, salt=ACTIVATION_SALT
    )


def email_activation_send(*, user: User) -> bool:
    """Mail the activation link for the account's current, unconfirmed email."""
    from django.conf import settings

    link = settings.SITE_URL.rstrip("/") + reverse("accounts:email_activate", args=[activation_token(user)])
    body = (
        f"您好，请在 3 天内打开以下链接激活您在学档的邮箱：\n{link}\n\n"
        f"Please open this link within 3 days to activate your email address at xuedang:\n{link}\n\n"
        "如非本人操作，请忽略本邮件。/ If this was not you, ignore this email.\n"
    )
    return notify.email_send(to=user.email, subject="激活邮箱 / activate your email", body=body)


def email_activation_resend(*, user: User, ip: str) -> bool:
    """已注册未激活: send the link again, within the same limits as codes to that address."""
    if not user.email or user.email_verified_at:
        raise ValidationError("没有待激活的邮箱 / there is no email waiting for activation")
    codes.send_allowance_take(codes.Target("email", user.email), ip)
    try:
        return email_activation_send(user=user)
    except (smtplib.SMTPException, OSError) as error:
        raise notify.DeliveryFailed(notify.DELIVERY_FAILED) from error


@transaction.atomic
def email_activate(*, token: str) -> User:
    """Confirm the email the link was made for; it becomes a login name."""
    invalid = ValidationError(
        "激活链接无效或已过期，请在账号页重新发送 / the activation link is invalid or has "
        "expired; send a new one from your account page"
    )
    try:
        data = signing.loads(token, salt=ACTIVATION_SALT, max_age=ACTIVATION_MAX_AGE)
    except signing.BadSignature as error:
        raise invalid from error
    user = User.objects.select_for_update().filter(pk=data.get("u"), is_active=True).first()
    if user is None or not user.email or crypto.digest(user.email.lower(), purpose="email")[:20] != data.get("e"):
        raise invalid
    if user.email_verified_at:
        return user
    other = selectors.email_owner(user.email)
    if other is not None and other.pk != user.pk:
        raise ValidationError("该邮箱已被其他账号激活 / another account has already activated this address")
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    audit_log(actor=user, action="accounts.email.activated", target=user, after={"email": user.masked_email})
    return user
