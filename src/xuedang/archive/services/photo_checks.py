"""The photo check (图像校对): the student confirms or disputes the photo to be registered with
their credential; the school answers a dispute. The open dispute itself is the registry's fact
(`Photo.disputed`), set and cleared here through registry's services."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xuedang.accounts.notify import notify
from xuedang.archive.models import PhotoCheck
from xuedang.archive.services.common import _fail
from xuedang.core.audit import audit_log
from xuedang.registry import services as registry
from xuedang.registry.models import Credential, CredentialState, Photo


@transaction.atomic
def photo_check_answer(*, user: Any, photo: Photo, verdict: str, reason: str = "") -> PhotoCheck:
    """The student's 「正确」 or 「信息有误」 about the photo to be registered with the credential."""
    if verdict not in PhotoCheck.Verdict.values:
        raise _fail("verdict", "请选择“正确”或“信息有误” / choose correct or wrong")
    if verdict == PhotoCheck.Verdict.WRONG and not reason.strip():
        raise _fail("reason", "请说明照片哪里有误 / say what is wrong with the photo")
    if photo.superseded:
        raise _fail(
            "__all__", "学校已更换这张照片，请校对新照片 / the school has replaced this photo; check the new one"
        )
    if PhotoCheck.objects.filter(photo=photo).exists():
        raise _fail("__all__", "这张照片已校对过 / you have already answered for this photo", "duplicate")
    enrollment = photo.enrollment
    if enrollment is None:  # a 自考 photo: its 自考办 answers for it, not a school's photo check
        raise _fail("__all__", "这张照片不经学校校对 / this photo is not checked through a school")
    disputed = verdict == PhotoCheck.Verdict.WRONG
    check = PhotoCheck.objects.create(
        photo=photo,
        enrollment=enrollment,
        institution_id=enrollment.institution_id,
        user=user,
        verdict=verdict,
        reason=reason.strip(),
        state=PhotoCheck.State.OPEN if disputed else PhotoCheck.State.CONFIRMED,
    )
    if disputed:
        registry.photo_dispute_open(photo=photo)
    audit_log(
        actor=user,
        action=f"archive.photo.{verdict}",
        target=enrollment,
        after={"photo": photo.sha256, "verdict": verdict},
        reason=reason,
    )
    return check


@transaction.atomic
def photo_check_resolve(
    *, actor: Any, check: PhotoCheck, resolution: str, new_photo: bytes | None = None
) -> PhotoCheck:
    """The school answers a dispute: a new photo replaces the old one (and goes on the draft
    credential), or the photo is upheld with the school's reason."""
    check = PhotoCheck.objects.select_for_update().select_related("enrollment").get(pk=check.pk)
    if check.state != PhotoCheck.State.OPEN:
        raise _fail("__all__", "该校对已处理 / this dispute has already been answered", "decided")
    if not resolution.strip():
        raise _fail("resolution", "请填写处理说明 / describe how the dispute was handled")
    registry.photo_dispute_close(photo=check.photo)
    if new_photo:
        photo = registry.photo_register(actor=actor, enrollment=check.enrollment, purpose="graduation", image=new_photo)
        credential = Credential.objects.filter(
            enrollment=check.enrollment, photo=check.photo_id, state=CredentialState.DRAFT
        ).first()
        if credential is not None:
            registry.credential_update(
                actor=actor,
                credential=credential,
                changes={"photo": photo},
                reason=f"图像校对更换照片 / photo replaced after dispute #{check.pk}",
            )
        check.state = PhotoCheck.State.REPLACED
    else:
        check.state = PhotoCheck.State.UPHELD
    check.resolution, check.resolved_by, check.resolved_at = resolution.strip(), actor, timezone.now()
    check.save()
    audit_log(
        actor=actor,
        action=f"archive.photo.{check.state}",
        target=check.enrollment,
        before={"state": PhotoCheck.State.OPEN},
        after={"state": check.state},
        reason=resolution,
    )
    notify(user=check.user, text=f"图像校对：{check.get_state_display()}", url=reverse("archive:photos"))
    return check
