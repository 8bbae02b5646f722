"""Staff onboarding by invitation (issue 13 items 1–2).

An invitation names the person, the scope and the roles; it travels once, as a single-use
link valid 72 hours, by email or SMS through the real backends (a development backend says
it did not deliver). Accepting it creates the login, grants the roles through
`membership_grant` as the inviter (so scope, 第二十四条 and the centre's second approval are
checked again at that moment) and sends the new person to enrol two-factor sign-in.
`xuedang bootstrap` is the one invitation without an inviter: the first centre user
administrator of an empty registry.
"""

from __future__ import annotations

import hashlib
import secrets
import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xuedang.accounts import notify
from xuedang.accounts.models import Invitation, User
from xuedang.accounts.services.memberships import membership_grant
from xuedang.accounts.services.users import user_create
from xuedang.accounts.sms import SmsError, SmsMessage, sms_send
from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log
from xuedang.core.masking import mask_email, mask_phone
from xuedang.institutions.access import administers
from xuedang.institutions.models import Institution, Membership, Role, Scope

INVITATION_VALID = timedelta(hours=72)
ROLE_LABELS = dict(Role.choices)
SCOPE_LABELS = dict(Scope.choices)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("accounts:invitation_accept", args=[token])


def _contact(phone: str, email: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    if not phone.strip() and not email.strip():
        errors["phone"] = ["请填写手机号或邮箱，邀请链接将发送至此 / give a mobile or an email to send the link to"]
    if phone.strip():
        try:
            phone = validators.normalize_any_mobile(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    if email.strip():
        try:
            email = validators.normalize_email(email)
        except ValidationError as error:
            errors["email"] = error.messages
    if errors:
        raise ValidationError(errors)
    return phone.strip(), email.strip()


def invitation_check(
    *, actor: Any, scope: str, roles: list[str], province_code: str = "", institution: Institution | None = None
) -> None:
    """Raise ValidationError unless the actor may invite someone to these roles in this scope."""
    if not roles or any(role not in Role.values for role in roles):
        raise ValidationError({"roles": ["请至少选择一个岗位 / choose at least one role"]})
    if Role.REGISTRAR in roles and Role.APPROVER in roles:
        raise ValidationError(
            {
                "roles": [
                    "同一范围内不能同时担任注册员和审核员（第二十四条）/ nobody registers and approves in the same "
                    "scope (article 24)"
                ]
            }
        )
    if scope == Scope.INSTITUTION and institution is None:
        raise ValidationError({"institution": ["请选择高校 / choose the institution"]})
    if scope == Scope.PROVINCE and province_code not in validators.PROVINCE_CODES:
        raise ValidationError({"province_code": [f"省份代码“{province_code}”无效 / invalid province code"]})
    if scope == Scope.SELF_STUDY and province_code and province_code not in validators.PROVINCE_CODES:
        raise ValidationError({"province_code": [f"省份代码“{province_code}”无效 / invalid province code"]})
    if scope not in Scope.values:
        raise ValidationError({"scope": ["请选择范围 / choose the scope"]})
    school = institution.pk if institution is not None else None
    if actor is not None and not all(
        administers(actor, scope=scope, role=role, province_code=province_code, institution_id=school) for role in roles
    ):
        raise ValidationError(
            {"scope": ["此范围或岗位不在您的管理权限内 / this scope or role is outside what you administer"]}
        )


@transaction.atomic
def invitation_create(
    *,
    actor: Any,
    real_name: str,
    scope: str,
    roles: list[str],
    phone: str = "",
    email: str = "",
    province_code: str = "",
    institution: Institution | None = None,
) -> tuple[Invitation, str]:
    """A new invitation; returns it and the link's token (shown or sent only now)."""
    errors: dict[str, list[str]] = {}
    try:
        real_name = validators.normalize_name(real_name)
    except ValidationError as error:
        errors["real_name"] = error.messages
    try:
        phone, email = _contact(phone, email)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        invitation_check(actor=actor, scope=scope, roles=roles, province_code=province_code, institution=institution)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        token_hash=_token_hash(token),
        real_name=real_name,
        phone=phone,
        email=email,
        scope=scope,
        roles=sorted(set(roles)),
        province_code=province_code,
        institution=institution,
        invited_by=actor if getattr(actor, "pk", None) else None,
        expires_at=timezone.now() + INVITATION_VALID,
    )
    audit_log(
        actor=actor,
        action="accounts.invitation.created",
        target=invitation,
        after={
            "name": real_name,
            "phone": mask_phone(phone) if phone else "",
            "email": mask_email(email) if email else "",
            "scope": scope,
            "roles": invitation.roles,
            "province_code": province_code,
            "institution": institution.code if institution else "",
        },
    )
    return invitation, token


def invitation_send(*, invitation: Invitation, token: str) -> bool:
    """Send the link by SMS (when a mobile was given) or email; True only if it really left.
    Raises `notify.DeliveryFailed` when the provider refused it."""
    link = invitation_link(token)
    where = SCOPE_LABELS[invitation.scope].split(" / ")[0]
    roles = "、".join(ROLE_LABELS[r].split(" / ")[0] for r in invitation.roles)
    text = f"【学档】{invitation.real_name}，您受邀担任{where}{roles}，72 小时内打开链接设置密码：{link}"
    try:
        if invitation.phone:
            delivered = sms_send(
                SmsMessage(phone=invitation.phone, kind="notice", params={"text": link}, text=text)
            ).delivered
        else:
            body = (
                f"{text}\n\nYou are invited to join xuedang as staff ({', '.join(invitation.roles)}). "
                f"Open the link within 72 hours to set your password and two-step sign-in:\n{link}\n"
            )
            delivered = notify.email_send(
                to=invitation.email, subject="学档工作人员邀请 / xuedang staff invitation", body=body
            )
    except (SmsError, smtplib.SMTPException, OSError) as error:
        raise notify.DeliveryFailed(notify.DELIVERY_FAILED) from error
    Invitation.objects.filter(pk=invitation.pk).update(delivered=delivered)
    invitation.delivered = delivered
    return delivered


def invitation_find(token: str) -> Invitation | None:
    """The open invitation behind a link: not accepted, not withdrawn, not expired."""
    return (
        Invitation.objects.select_related("institution", "invited_by")
        .filter(
            token_hash=_token_hash(token),
            accepted_at__isnull=True,
            withdrawn_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str) -> User:
    """Create the invitee's login and grant the roles as the inviter would; single use."""
    invitation = invitation_find(token)
    if invitation is not None:
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation is None or invitation.accepted_at is not None:
        raise ValidationError(
            {"token": ["邀请链接无效、已使用或已过期 / the invitation link is invalid, used or expired"]}
        )
    if invitation.invited_by is None and centre_admin_exists():
        raise ValidationError({"token": ["已有中心用户管理员 / a centre user administrator already exists"]})
    if invitation.phone and User.objects.filter(phone_digest=crypto.digest(invitation.phone, purpose="phone")).exists():
        raise ValidationError(
            {"token": ["此手机号已有账号，请联系邀请人 / this mobile already has an account; ask who invited you"]}
        )
    user = user_create(
        actor=None,
        username=username,
        password=password,
        real_name=invitation.real_name,
        email=invitation.email,
        phone=invitation.phone,
        is_staff=True,
    )
    if invitation.email and not invitation.phone:  # the link reached this address
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    for role in invitation.roles:
        membership_grant(
            actor=invitation.invited_by,
            user=user,
            scope=invitation.scope,
            role=role,
            province_code=invitation.province_code,
            institution=invitation.institution,
            reason=f"邀请 #{invitation.pk} / invitation",
        )
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_log(actor=user, action="accounts.invitation.accepted", target=invitation, after={"user": user.username})
    return user


@transaction.atomic
def invitation_withdraw(*, actor: Any, invitation: Invitation) -> None:
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["withdrawn_at"])
    audit_log(actor=actor, action="accounts.invitation.withdrawn", target=invitation)


def centre_admin_exists() -> bool:
    return Membership.objects.filter(scope=Scope.CENTRE, role=Role.USER_ADMIN, active=True).exists()


@transaction.atomic
def bootstrap(*, real_name: str, phone: str = "", email: str = "") -> tuple[Invitation, str]:
    """`xuedang bootstrap`: the first centre user administrator of an empty registry. Refused once
    one exists; running it again before the link is used replaces the earlier link."""
    if centre_admin_exists():
        raise ValidationError(
            {
                "scope": [
                    "已有中心用户管理员，请由其邀请工作人员 / a centre user administrator exists; they invite staff"
                ]
            }
        )
    for earlier in Invitation.objects.filter(
        invited_by__isnull=True, accepted_at__isnull=True, withdrawn_at__isnull=True
    ):
        invitation_withdraw(actor=None, invitation=earlier)
    return invitation_create(
        actor=None, real_name=real_name, phone=phone, email=email, scope=Scope.CENTRE, roles=[Role.USER_ADMIN]
    )
