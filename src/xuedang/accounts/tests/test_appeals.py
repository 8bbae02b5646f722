"""证件号已被注册: photo checks, the centre's queue, approval and rejection."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from xuedang.accounts.models import AppealState, IdentityAppeal, User
from xuedang.accounts.services import appeals
from xuedang.accounts.tests.helpers import jpeg_with_exif, newcomer, sms_outbox, submitted_appeal
from xuedang.conftest import PASSWORD, login, make_enrollment
from xuedang.core import calendar


def test_the_photo_loses_its_exif_and_keeps_its_pixels() -> None:
    original = jpeg_with_exif()
    assert b"SecretPhoneMaker" in original
    clean, content_type = appeals.photo_clean(io.BytesIO(original), size=len(original))
    assert content_type == "image/jpeg"
    assert b"SecretPhoneMaker" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.size == (640, 480)
        assert not image.getexif()


def test_a_file_that_is_not_a_jpeg_or_png_is_refused_by_its_content() -> None:
    gif = io.BytesIO()
    Image.new("RGB", (400, 400)).save(gif, format="GIF")
    with pytest.raises(ValidationError, match="只接受 JPEG 或 PNG"):
        appeals.photo_clean(io.BytesIO(gif.getvalue()), size=len(gif.getvalue()))
    with pytest.raises(ValidationError, match="此文件是 PDF"):
        appeals.photo_clean(io.BytesIO(b"%PDF-1.7 not a photo"), size=20)
    with pytest.raises(ValidationError, match="无法识别的图片"):
        appeals.photo_clean(io.BytesIO(b"MZ\x90\x00 not a photo"), size=20)


def test_a_photo_too_large_or_too_small_is_refused() -> None:
    with pytest.raises(ValidationError, match="不能超过"):
        appeals.photo_clean(io.BytesIO(b""), size=appeals.MAX_PHOTO_BYTES + 1)
    tiny = io.BytesIO()
    Image.new("RGB", (100, 100)).save(tiny, format="PNG")
    with pytest.raises(ValidationError, match="图片太小"):
        appeals.photo_clean(io.BytesIO(tiny.getvalue()), size=len(tiny.getvalue()))


@pytest.mark.django_db
def test_the_student_submits_an_appeal_due_in_three_working_days(student) -> None:
    user = newcomer()
    client = login(user)
    page = client.get("/account/appeal/").content.decode()
    assert "找回用户名" in page  # recovery is offered first
    client.post(
        "/account/appeal/",
        {"photo": SimpleUploadedFile("me.jpg", jpeg_with_exif(), "image/jpeg"), "statement": "本人证件"},
    )
    appeal = IdentityAppeal.objects.get(appellant=user)
    assert appeal.state == AppealState.PENDING
    assert appeal.due_date == calendar.add_working_days(appeal.submitted_at.astimezone().date(), 3)[0]
    assert b"SecretPhoneMaker" not in bytes(appeal.photo)


@pytest.mark.django_db
def test_only_centre_reviewers_see_the_queue(student, centre_admin, registrar, province_officer) -> None:
    appeal = submitted_appeal()
    assert "110105********002X" in login(centre_admin).get("/account/appeals/").content.decode()
    for actor in (registrar, province_officer, student):
        assert login(actor).get(f"/account/appeals/{appeal.pk}/").status_code == 404


@pytest.mark.django_db
def test_approval_moves_the_identity_and_deactivates_the_old_account(
    student, centre_admin, registrar, django_capture_on_commit_callbacks
) -> None:
    enrollment = make_enrollment()
    from xuedang.archive.services import bindings_refresh

    bindings_refresh(user=student)
    assert student.bindings.filter(enrollment=enrollment).exists()
    appeal = submitted_appeal()
    client = login(centre_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/account/appeals/{appeal.pk}/", {"decision": "approve", "reason": "照片与证件一致"})
    assert response.status_code == 302
    old, new = User.objects.get(pk=student.pk), User.objects.get(pk=appeal.appellant_id)
    assert not old.is_active
    assert old.identity_digest == ""
    assert old.deactivated_reason == "appeal"
    assert new.document_number == "11010519491231002X"
    assert new.identity_checked_at
    assert new.bindings.filter(enrollment=enrollment).exists()  # records follow the identity
    from django.test import Client

    assert not Client().login(username="student", password=PASSWORD)
    assert any(m["to"] == "139****5678" and m["kind"] == "notice" for m in sms_outbox())


@pytest.mark.django_db
def test_rejection_needs_a_reason_and_tells_the_appellant(
    student, centre_admin, django_capture_on_commit_callbacks
) -> None:
    appeal = submitted_appeal()
    client = login(centre_admin)
    response = client.post(f"/account/appeals/{appeal.pk}/", {"decision": "reject", "reason": ""})
    assert response.status_code == 200
    assert IdentityAppeal.objects.get(pk=appeal.pk).state == AppealState.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/account/appeals/{appeal.pk}/", {"decision": "reject", "reason": "照片模糊"})
    assert IdentityAppeal.objects.get(pk=appeal.pk).decision_reason == "照片模糊"
    assert User.objects.get(pk=student.pk).is_active
    assert "照片模糊" in sms_outbox()[-1]["text"]


@pytest.mark.django_db
def test_a_decided_appeal_cannot_be_decided_again(student, centre_admin) -> None:
    appeal = submitted_appeal()
    appeals.appeal_reject(actor=centre_admin, appeal_id=appeal.pk, reason="不清楚")
    with pytest.raises(ValidationError, match="已处理"):
        appeals.appeal_approve(actor=centre_admin, appeal_id=appeal.pk, reason="改主意")


@pytest.mark.django_db
def test_overdue_appeals_are_flagged_in_the_queue(student, centre_admin) -> None:
    appeal = submitted_appeal()
    IdentityAppeal.objects.filter(pk=appeal.pk).update(due_date=date(2020, 1, 2))
    assert "已逾期" in login(centre_admin).get("/account/appeals/").content.decode()


@pytest.mark.django_db
def test_after_a_rejection_the_student_can_appeal_again(student, centre_admin) -> None:
    appeal = submitted_appeal()
    appeals.appeal_reject(actor=centre_admin, appeal_id=appeal.pk, reason="照片模糊")
    client = login(User.objects.get(pk=appeal.appellant_id))
    assert "证件类型" in client.get("/account/appeal/").content.decode()  # a fresh start form
    client.post("/account/appeal/", {"document_type": "resident_id", "document_number": "11010519491231002X"})
    client.post("/account/appeal/", {"photo": SimpleUploadedFile("me.png", _png(), "image/png")})
    assert IdentityAppeal.objects.filter(appellant_id=appeal.appellant_id, state=AppealState.PENDING).count() == 1


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (500, 400), (10, 20, 30, 255)).save(out, format="PNG")
    return out.getvalue()
