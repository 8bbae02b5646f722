"""Ending a staff member's access (issue 13 item 2): at once, everywhere."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.accounts.models import User
from xuedang.accounts.services.sessions import sessions_end_all
from xuedang.core.audit import audit_log
from xuedang.institutions.access import administers_user
from xuedang.institutions.models import ApiKey, Membership
from xuedang.institutions.services import api_key_revoke


@transaction.atomic
def staff_deactivate(*, actor: Any, user: User, reason: str) -> None:
    """A user administrator of one of the person's scopes (never the person) ends the login: every
    role, every session and every API key they issued stop working now; the rows stay."""
    if getattr(actor, "pk", None) == user.pk or not administers_user(actor, user):
        raise ValidationError({"user": ["此人员不在您的管理范围内 / this person is outside what you administer"]})
    if not reason.strip():
        raise ValidationError({"reason": ["请填写停用原因 / give the reason"]})
    if not user.is_active:
        raise ValidationError({"user": ["该账号已停用 / this login is already deactivated"]})
    reason = reason.strip()
    roles = list(Membership.objects.filter(user=user).filter(active=True).values_list("pk", flat=True))
    Membership.objects.filter(user=user).update(active=False, awaiting_approval=False)
    user.is_active, user.deactivated_at, user.deactivated_reason = False, timezone.now(), "staff"
    user.save(update_fields=["is_active", "deactivated_at", "deactivated_reason"])
    keys = list(ApiKey.objects.filter(created_by=user, active=True))
    for key in keys:
        api_key_revoke(actor=actor, key=key, reason=f"签发人已停用 / issuer deactivated: {reason}")
    audit_log(
        actor=actor,
        action="accounts.staff.deactivated",
        target=user,
        before={"is_active": True, "memberships": roles},
        after={"is_active": False, "api_keys_revoked": [k.prefix for k in keys]},
        reason=reason,
    )
    sessions_end_all(user=user)
