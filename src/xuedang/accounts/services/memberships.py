"""Every staff role change goes through here (issue 20 item 2, 第二十四条).

Nobody grants a role to themselves, nor outside the scope they administer; nobody holds both
"registers" and "approves" in one scope; a centre role needs a second centre user
administrator's approval before it works. `actor=None` is the system itself (`xuedang
bootstrap`, demo data, test fixtures): scope checks do not apply, the separation of duties does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xuedang.accounts.models import User
from xuedang.core import validators
from xuedang.core.audit import audit_log
from xuedang.institutions.access import administers, is_centre
from xuedang.institutions.models import Institution, Membership, Role, Scope

# 第二十四条: registering and approving are never held by one person in one scope.
EXCLUSIVE = {Role.REGISTRAR: Role.APPROVER, Role.APPROVER: Role.REGISTRAR}


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def membership_check(
    *, actor: Any, user: User, scope: str, role: str, province_code: str = "", institution: Institution | None = None
) -> None:
    """Raise ValidationError (bilingual, by field) if this grant is not allowed; change nothing."""
    if scope not in Scope.values:
        raise _refuse("scope", "请选择范围 / choose the scope")
    if role not in Role.values:
        raise _refuse("role", "请选择岗位 / choose the role")
    if scope == Scope.INSTITUTION and institution is None:
        raise _refuse("institution", "请选择高校 / choose the institution")
    if scope == Scope.PROVINCE and province_code not in validators.PROVINCE_CODES:
        raise _refuse("province_code", f"省份代码“{province_code}”无效 / invalid province code")
    if scope == Scope.SELF_STUDY and province_code and province_code not in validators.PROVINCE_CODES:
        raise _refuse("province_code", f"省份代码“{province_code}”无效 / invalid province code")
    if scope not in (Scope.PROVINCE, Scope.SELF_STUDY) and province_code:
        raise _refuse("province_code", "只有省级岗位填写省份 / only a province role names a province")
    if scope != Scope.INSTITUTION and institution is not None:
        raise _refuse("institution", "只有高校岗位填写高校 / only an institution role names an institution")
    if actor is not None:
        if getattr(actor, "pk", None) == user.pk:
            raise _refuse("user", "不能给自己授予岗位 / you cannot grant a role to yourself")
        school = institution.pk if institution is not None else None
        if not administers(actor, scope=scope, role=role, province_code=province_code, institution_id=school):
            raise _refuse("scope", "此范围或岗位不在您的管理权限内 / this scope or role is outside what you administer")
    other = EXCLUSIVE.get(Role(role))
    if other is not None:
        clash = Membership.objects.filter(
            Q(active=True) | Q(awaiting_approval=True),
            user=user,
            scope=scope,
            role=other,
            province_code=province_code,
            institution=institution,
        )
        if clash.exists():
            raise _refuse(
                "role",
                "同一范围内不能同时担任注册员和审核员（第二十四条）/ nobody registers and approves in the same "
                "scope (article 24)",
            )


@transaction.atomic
def membership_grant(
    *,
    actor: Any,
    user: User,
    scope: str,
    role: str,
    province_code: str = "",
    institution: Institution | None = None,
    reason: str = "",
) -> Membership:
    """Give a staff member one role in one scope. A centre role granted by a person waits for a
    second centre user administrator (`membership_approve`) before it works."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one role change per person at a time
    membership_check(
        actor=actor, user=user, scope=scope, role=role, province_code=province_code, institution=institution
    )
    needs_second = actor is not None and scope == Scope.CENTRE
    membership, _created = Membership.objects.get_or_create(
        user=user,
        scope=scope,
        role=role,
        province_code=province_code,
        institution=institution,
        defaults={"active": False},
    )
    membership.granted_by = actor if getattr(actor, "pk", None) else None
    membership.active, membership.awaiting_approval = not needs_second, needs_second
    membership.approved_by, membership.approved_at = None, None
    membership.save(update_fields=["granted_by", "active", "awaiting_approval", "approved_by", "approved_at"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit_log(
        actor=actor,
        action="institutions.membership.requested" if needs_second else "institutions.membership.granted",
        target=membership,
        after={
            "user": user.username,
            "scope": scope,
            "role": role,
            "province_code": province_code,
            "institution": institution.code if institution else "",
        },
        reason=reason,
    )
    return membership


@transaction.atomic
def membership_approve(*, actor: Any, membership: Membership) -> Membership:
    """The second centre user administrator confirms a centre role: not its grantee, not its granter."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.awaiting_approval:
        raise _refuse("membership", "该岗位不在待复核状态 / this role is not awaiting approval")
    if not is_centre(actor, (Role.USER_ADMIN,)):
        raise _refuse("membership", "只有中心用户管理员可以复核 / only a centre user administrator approves")
    if getattr(actor, "pk", None) in (membership.user_id, membership.granted_by_id):
        raise _refuse(
            "membership",
            "复核须由另一位用户管理员进行 / a second user administrator, not the granter or grantee, approves",
        )
    membership.active, membership.awaiting_approval = True, False
    membership.approved_by, membership.approved_at = actor, timezone.now()
    membership.save(update_fields=["active", "awaiting_approval", "approved_by", "approved_at"])
    audit_log(
        actor=actor,
        action="institutions.membership.granted",
        target=membership,
        before={"active": False},
        after={"active": True, "approved": True, "granted_by": membership.granted_by_id},
    )
    return membership


@transaction.atomic
def membership_approve_as_operator(*, membership: Membership, reason: str) -> Membership:
    """Go-live: while the centre has fewer than two active user administrators there is nobody to
    be the second pair of eyes, so every centre role invited after `xuedang bootstrap` (a second
    user administrator included) would wait for ever. Until then the operator at the server
    confirms it from the command line (`xuedang staff_approve`), audited; afterwards only
    `membership_approve` does."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.awaiting_approval:
        raise _refuse("membership", "该岗位不在待复核状态 / this role is not awaiting approval")
    admins = Membership.objects.filter(scope=Scope.CENTRE, role=Role.USER_ADMIN, active=True)
    if admins.count() >= 2:
        raise _refuse(
            "membership",
            "已有两位中心用户管理员，须由另一位用户管理员复核 / two centre user administrators exist: "
            "the second of them approves",
        )
    if not reason.strip():
        raise _refuse("reason", "请说明原因 / give the reason")
    membership.active, membership.awaiting_approval = True, False
    membership.approved_by, membership.approved_at = None, timezone.now()
    membership.save(update_fields=["active", "awaiting_approval", "approved_by", "approved_at"])
    audit_log(
        actor=None,
        action="institutions.membership.granted",
        target=membership,
        before={"active": False},
        after={"active": True, "approved": "operator", "granted_by": membership.granted_by_id},
        reason=reason,
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: Any, membership: Membership, reason: str) -> Membership:
    """End a role (or drop a request awaiting approval); the row stays for the record."""
    if actor is not None and not administers(
        actor,
        scope=membership.scope,
        role=membership.role,
        province_code=membership.province_code,
        institution_id=membership.institution_id,
    ):
        raise _refuse("membership", "此岗位不在您的管理权限内 / this role is outside what you administer")
    before = {"active": membership.active, "awaiting_approval": membership.awaiting_approval}
    membership.active, membership.awaiting_approval = False, False
    membership.save(update_fields=["active", "awaiting_approval"])
    audit_log(
        actor=actor,
        action="institutions.membership.revoked",
        target=membership,
        before=before,
        after={"active": False},
        reason=reason,
    )
    return membership
