"""证件号已被注册 — identity appeals: the newcomer proves the ID is theirs with a photo of
themselves holding it; centre staff decide within 3 working days; approval moves the identity
to the new account and deactivates the old one(s). Both sides are told. Everything audited.
"""

from __future__ import annotations

from functools import partial
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.accounts import notify, selectors
from xuedang.accounts.models import AppealState, IdentityAppeal, User
from xuedang.accounts.services.cancellation import account_deactivate
from xuedang.accounts.signals import identity_confirmed
from xuedang.core import calendar, crypto, validators
from xuedang.core.audit import audit_log
from xuedang.core.images import ImageRefused, image_intake

MAX_PHOTO_BYTES = 4 * 1024 * 1024
MIN_PHOTO_SIDE = 300
MAX_PHOTO_SIDE = 2000
ANSWER_WORKING_DAYS = 3


def photo_clean(upload: IO[bytes], *, size: int) -> tuple[bytes, str]:
    """A JPEG or PNG checked by its content through `core.images.image_intake` (declared size
    before decoding), turned upright, fitted into 2000 px and re-encoded from pixels alone, so
    EXIF (GPS position, device, time) and every other block are gone."""
    try:
        clean = image_intake(
            upload,
            max_bytes=MAX_PHOTO_BYTES,
            fit=(MAX_PHOTO_SIDE, MAX_PHOTO_SIDE),
            min_side=MIN_PHOTO_SIDE,
            size=size,
        )
    except ImageRefused as refused:
        raise refused.for_field("photo") from refused
    return clean.data, clean.content_type


@transaction.atomic
def appeal_start(*, user: User, document_type: str, document_number: str) -> IdentityAppeal:
    """Open an appeal for an account without an identity (after a rejected or withdrawn one), or
    for an account whose own identity is not checked yet (the identity questions' answers are
    used up, decision 0017): staff then compare the person with the document."""
    if user.identity_checked_at:
        raise ValidationError("您的账号已有证件信息，无需申诉 / your account already has an identity")
    if selectors.open_appeal(user=user):
        raise ValidationError("您已有一个未完成的申诉 / you already have an open appeal")
    try:
        document_type, number = validators.identify_document(document_type, document_number)
    except ValidationError as error:
        raise ValidationError({"document_number": error.messages}) from error
    if user.identity_digest and crypto.identity_digest(document_type, number) != user.identity_digest:
        raise ValidationError({"document_number": ["请填写您账号中的证件号码 / give the ID number your account holds"]})
    appeal = IdentityAppeal.objects.create(
        appellant=user,
        real_name=user.real_name,
        document_type=document_type,
        document_number=number,
        identity_digest=crypto.identity_digest(document_type, number),
    )
    audit_log(actor=user, action="accounts.appeal.started", target=appeal, after={"document_number": number})
    return appeal


@transaction.atomic
def appeal_submit(*, user: User, upload: IO[bytes], size: int, statement: str) -> IdentityAppeal:
    appeal = IdentityAppeal.objects.select_for_update().filter(appellant=user, state=AppealState.DRAFT).first()
    if appeal is None:
        raise ValidationError("没有待提交的申诉 / there is no appeal to submit")
    appeal.photo, appeal.photo_content_type = photo_clean(upload, size=size)
    appeal.statement = statement.strip()[:2000]
    appeal.state, appeal.submitted_at = AppealState.PENDING, timezone.now()
    appeal.due_date, _ = calendar.add_working_days(timezone.localdate(), ANSWER_WORKING_DAYS)
    appeal.save()
    audit_log(
        actor=user,
        action="accounts.appeal.submitted",
        target=appeal,
        after={"document_number": appeal.document_number, "due_date": appeal.due_date},
    )
    return appeal


@transaction.atomic
def appeal_withdraw(*, user: User) -> None:
    appeal = (
        IdentityAppeal.objects.select_for_update()
        .filter(appellant=user, state__in=[AppealState.DRAFT, AppealState.PENDING])
        .first()
    )
    if appeal is None:
        return
    appeal.state = AppealState.WITHDRAWN
    appeal.save(update_fields=["state"])
    audit_log(actor=user, action="accounts.appeal.withdrawn", target=appeal)


def _locked_pending(pk: int) -> IdentityAppeal:
    """The appeal, locked; a second reviewer deciding at the same moment finds it decided."""
    appeal = IdentityAppeal.objects.select_for_update().select_related("appellant").get(pk=pk)
    if appeal.state != AppealState.PENDING:
        raise ValidationError("该申诉已处理 / this appeal has already been decided")
    return appeal


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["请填写审核意见 / give the reason for the decision"]})
    return reason[:2000]


@transaction.atomic
def appeal_approve(*, actor: Any, appeal_id: int, reason: str) -> IdentityAppeal:
    """The identity moves to the appellant; every other account holding it is deactivated."""

    reason = _reason(reason)
    appeal = _locked_pending(appeal_id)
    newcomer = User.objects.select_for_update().get(pk=appeal.appellant_id)
    if not newcomer.is_active:
        raise ValidationError("申诉人账号已停用 / the appellant's account is no longer active")
    for old in User.objects.select_for_update().filter(identity_digest=appeal.identity_digest).exclude(pk=newcomer.pk):
        phone, email, username = old.phone, (old.email if old.email_verified_at else ""), old.username
        account_deactivate(user=old, reason="appeal", actor=actor)
        text = (
            f"【学档】您的账号 {username} 所用证件号码经申诉核实属于他人，账号已停用；如有异议请联系学档中心。"
            f" / Your xuedang account {username} was deactivated: an appeal showed its ID belongs to someone else."
        )
        transaction.on_commit(
            partial(
                notify.notice_send, phone=phone, email=email, text=text, subject="账号停用通知 / account deactivated"
            )
        )
    now = timezone.now()
    newcomer.real_name, newcomer.document_type = appeal.real_name, appeal.document_type
    newcomer.document_number, newcomer.identity_digest = appeal.document_number, appeal.identity_digest
    newcomer.real_name_verified_at = newcomer.identity_checked_at = now  # staff compared the person and the ID
    newcomer.save()
    appeal.state, appeal.decided_at, appeal.decided_by = AppealState.APPROVED, now, actor
    appeal.decision_reason = reason
    appeal.save()
    audit_log(
        actor=actor,
        action="accounts.appeal.approved",
        target=appeal,
        reason=reason,
        after={"appellant": newcomer.username, "document_number": appeal.document_number},
    )
    identity_confirmed.send(sender=User, user=newcomer)
    _tell_appellant(
        newcomer,
        "【学档】您的证件号申诉已通过，证件信息已绑定到您的账号。/ Your identity appeal was "
        "approved; the ID is now on your account.",
    )
    return appeal


@transaction.atomic
def appeal_reject(*, actor: Any, appeal_id: int, reason: str) -> IdentityAppeal:
    reason = _reason(reason)
    appeal = _locked_pending(appeal_id)
    appeal.state, appeal.decided_at, appeal.decided_by = AppealState.REJECTED, timezone.now(), actor
    appeal.decision_reason = reason
    appeal.save()
    audit_log(actor=actor, action="accounts.appeal.rejected", target=appeal, reason=reason)
    _tell_appellant(
        appeal.appellant, f"【学档】您的证件号申诉未通过：{reason} / Your identity appeal was rejected: {reason}"
    )
    return appeal


def _tell_appellant(user: User, text: str) -> None:
    phone, email = user.phone, (user.email if user.email_verified_at else "")
    transaction.on_commit(
        lambda: notify.notice_send(
            phone=phone, email=email, text=text, subject="证件号申诉结果 / identity appeal decided"
        )
    )
