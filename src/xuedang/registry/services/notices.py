"""第十一条: tell the student about their record. `record_notice` keeps one notice per event and
announces it once (`record_noticed`); the archive delivers it to the bound account, or to the
person's account when the record first binds. `record_notice_claim` makes each delivery happen
at most once per account, however often binding or the event is replayed."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from xuedang.registry.models import Credential, Enrollment, RecordNotice, RecordNoticeDelivery
from xuedang.registry.signals import record_noticed

NOTICE_TEXTS = {
    "enrollment.registered": "您的学籍已由{school}注册（{major}）/ your enrollment was registered",
    "enrollment.cancelled": "您在{school}的学籍已注销：{state} / your enrollment was cancelled",
    "credential.published": "您的学历已发布，可在学信档案中查看（证书编号 {number}）/ your credential was published",
    "credential.revoked": "您的学历（证书编号 {number}）已撤销：{reason} / your credential was revoked",
}


def record_notice(*, record: Enrollment | Credential, event: str, **words: str) -> RecordNotice | None:
    """Keep and announce the notice of `event` on `record`; None when it was already announced."""
    record_type = "credential" if isinstance(record, Credential) else "enrollment"
    key = f"{event}:{record.pk}"
    if not record.identity_digest or RecordNotice.objects.filter(event_key=key).exists():
        return None
    text = NOTICE_TEXTS[event].format(**words)[:300]
    try:
        with transaction.atomic():
            notice = RecordNotice.objects.create(
                event_key=key,
                identity_digest=record.identity_digest,
                record_type=record_type,
                record_id=record.pk,
                text=text,
            )
    except IntegrityError:  # a concurrent step announced it first
        return None
    record_noticed.send(sender=RecordNotice, notice=notice)
    return notice


def record_notice_claim(*, notice: RecordNotice, user: Any) -> bool:
    """True once per (notice, account): the caller then tells the account."""
    try:
        with transaction.atomic():
            RecordNoticeDelivery.objects.create(notice=notice, user=user)
    except IntegrityError:
        return False
    return True
