"""注销: an account closes after a cooling-off period; the registry's records stay. Also the
deactivation an approved identity appeal imposes on the accounts that held the identity."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.accounts.models import User
from xuedang.accounts.signals import account_deactivating
from xuedang.core.audit import audit_log


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
    account_deactivating.send(sender=User, user=user, reason=reason)
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
