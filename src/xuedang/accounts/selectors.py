"""Reads for accounts: finding an account by any of its login names, history, appeals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from xuedang.accounts.models import AccountSession, AppealState, IdentityAppeal, Invitation, LoginEvent, User
from xuedang.core import crypto, validators
from xuedang.institutions.access import administered_memberships

_MOBILE = re.compile(r"^(?:\+?86[- ]?)?1[3-9]\d{9}$")


def _by_phone(name: str) -> User | None:
    try:
        phone = validators.normalize_any_mobile(name)
    except ValidationError:
        return None
    return User.objects.filter(phone_digest=crypto.digest(phone, purpose="phone")).first()


def _by_document(name: str) -> User | None:
    for typed in ("resident_id", "passport", "hk_macao_permit", "taiwan_permit"):
        try:
            document_type, number = validators.identify_document(typed, name)
        except ValidationError:
            continue
        user = User.objects.filter(identity_digest=crypto.identity_digest(document_type, number)).first()
        if user is not None:
            return user
    return None


def user_by_login_name(name: str) -> User | None:
    """The account a typed login name points to: username, mobile, activated email or ID number."""
    name = (name or "").strip()
    if not name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return None  # no login name holds a control character (and PostgreSQL refuses NUL outright)
    if "@" in name:
        return email_owner(name)
    user = User.objects.filter(username=name).first()
    if user is not None:
        return user
    compact = validators.to_half_width(name).replace(" ", "")
    if _MOBILE.match(compact) or compact.startswith(("+", "00")):  # mainland, or with a country code
        return _by_phone(name)
    return _by_document(name)


def email_owner(email: str) -> User | None:
    """The account whose *activated* email this is (an unconfirmed address proves nothing)."""
    return User.objects.filter(email__iexact=email.strip(), email_verified_at__isnull=False).first()


def phone_owner(phone: str) -> User | None:
    return User.objects.filter(phone_digest=crypto.digest(phone, purpose="phone")).first()


def identity_owners(*, identity_digest: str) -> QuerySet[User]:
    return User.objects.filter(identity_digest=identity_digest)


def usernames_for_identity(*, document_type: str, document_number: str, real_name: str) -> list[str]:
    """找回用户名: the usernames of active accounts registered with this ID *and* name."""
    digest = crypto.identity_digest(document_type, document_number)
    return list(
        User.objects.filter(identity_digest=digest, real_name=real_name, is_active=True).values_list(
            "username", flat=True
        )
    )


def login_history(*, user: User, limit: int = 50) -> QuerySet[LoginEvent]:
    return user.login_events.all()[:limit]


def _session_store() -> type[SessionBase]:
    from django.conf import settings

    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def active_sessions(*, user: User) -> list[AccountSession]:
    """Recorded sessions still alive in the session store (expired or ended ones drop out)."""
    store = _session_store()
    alive = []
    for session in user.account_sessions.filter(ended_at__isnull=True):
        data = store(session.session_key)
        if (
            data.exists(session.session_key)
            and data.get_expiry_date() > timezone.now()
            and data.get("_auth_user_hash") == user.get_session_auth_hash()
        ):
            alive.append(session)
    return alive


def appeal_queue(*, actor: Any) -> QuerySet[IdentityAppeal]:
    """Submitted appeals awaiting a decision, the earliest deadline first (centre staff)."""
    return (
        IdentityAppeal.objects.filter(state=AppealState.PENDING).select_related("appellant").order_by("due_date", "id")
    )


def open_appeal(*, user: User) -> IdentityAppeal | None:
    return IdentityAppeal.objects.filter(appellant=user, state__in=[AppealState.DRAFT, AppealState.PENDING]).first()


# --- Staff pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    user: User
    roles: list[Any]  # memberships in the actor's administered scopes
    last_login: datetime | None
    two_factor: bool


def staff_list(*, actor: Any) -> list[StaffRow]:
    """People holding (or having held, or waiting for) roles in the scopes the actor administers."""
    rows: dict[int, list[Any]] = {}
    qs = administered_memberships(actor).select_related("user", "institution").order_by("user__username", "scope")
    for membership in qs:
        rows.setdefault(membership.user_id, []).append(membership)
    return [
        StaffRow(
            user=roles[0].user,
            roles=roles,
            last_login=roles[0].user.last_login,
            two_factor=bool(roles[0].user.totp_enabled_at),
        )
        for roles in rows.values()
    ]


def invitations_open(*, actor: Any) -> QuerySet[Invitation]:
    """Invitations not yet used, withdrawn or expired that the actor sent."""
    return Invitation.objects.filter(
        invited_by=actor, accepted_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("institution")
