"""Issue 20 item 3: on every route that takes a picture, a decompression bomb (a 333-byte JPEG
declaring 60000×60000, a 17 KB PNG of 12000×12000) gets a 4xx with a bilingual message and
nothing is stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xuedang.accounts.models import AppealState, IdentityAppeal
from xuedang.accounts.tests.helpers import newcomer
from xuedang.archive.models import Correction, FormerIdentity, PhotoCheck
from xuedang.archive.tests.helpers import graduate
from xuedang.conftest import login, make_enrollment
from xuedang.core.tests.hostile import bomb_jpeg, bomb_png
from xuedang.registry.models import Credential, Photo

BOMBS = [
    pytest.param(bomb_jpeg(), "bomb.jpg", "图片像素过多", id="jpeg-60000x60000"),
    pytest.param(bomb_jpeg(9000, 9000), "bomb.jpg", "9000×9000", id="jpeg-9000x9000"),
    pytest.param(bomb_png(), "bomb.png", "图片", id="png-12000x12000"),
]


def _refused(response, message: str) -> str:
    page = response.content.decode()
    assert 400 <= response.status_code < 500
    assert message in page
    assert " / " in page
    return page


@pytest.mark.parametrize(("bomb", "name", "message"), BOMBS)
def test_correction_evidence(student, bomb, name, message) -> None:
    enrollment = make_enrollment()
    client = login(student)
    client.get("/archive/")
    response = client.post(
        f"/archive/corrections/new/enrollment/{enrollment.pk}/",
        {
            "field": "major_name",
            "new_value": "软件工程",
            "reason": "录入错误",
            "evidence": SimpleUploadedFile(name, bomb),
        },
    )
    _refused(response, message if name.endswith(".jpg") else "须为 PDF 或 JPEG")
    assert not Correction.objects.exists()


@pytest.mark.parametrize(("bomb", "name", "message"), BOMBS)
def test_former_identity_evidence(student, bomb, name, message) -> None:
    response = login(student).post(
        "/archive/identity/",
        {"name": "吉小𠮷", "reason": "更名", "evidence": SimpleUploadedFile(name, bomb)},
    )
    _refused(response, message if name.endswith(".jpg") else "须为 PDF 或 JPEG")
    assert not FormerIdentity.objects.exists()


@pytest.mark.parametrize(("bomb", "name", "message"), BOMBS)
def test_identity_appeal_photo(db, bomb, name, message) -> None:
    user = newcomer()  # any new account whose ID was taken reaches this form
    response = login(user).post("/account/appeal/", {"photo": SimpleUploadedFile(name, bomb), "statement": "x"})
    _refused(response, message)
    appeal = IdentityAppeal.objects.get(appellant=user)
    assert appeal.state == AppealState.DRAFT
    assert not appeal.photo


@pytest.mark.parametrize(("bomb", "name", "message"), BOMBS)
def test_registrar_credential_photo(registrar, bomb, name, message) -> None:
    enrollment = make_enrollment()
    response = login(registrar).post(
        f"/school/enrollments/{enrollment.pk}/credential/",
        {"kind": "graduation", "study_end": "2025-07-01", "photo": SimpleUploadedFile(name, bomb)},
    )
    _refused(response, message if name.endswith(".jpg") else "只接受 JPEG")
    assert not Credential.objects.exists()
    assert not Photo.objects.exists()


@pytest.mark.parametrize(("bomb", "name", "message"), BOMBS)
def test_school_replacement_photo_in_a_dispute(student, registrar, bomb, name, message) -> None:
    draft = graduate(make_enrollment(), publish=False)
    student_client = login(student)
    student_client.get("/archive/")
    student_client.post(
        f"/archive/photos/{draft.photo_id}/answer/",
        {f"p{draft.photo_id}-verdict": "wrong", f"p{draft.photo_id}-reason": "不是我本人"},
    )
    check = PhotoCheck.objects.get()
    response = login(registrar).post(
        f"/school/archive/photo-disputes/{check.pk}/",
        {"resolution": "已重新采集", "new_photo": SimpleUploadedFile(name, bomb)},
    )
    _refused(response, message if name.endswith(".jpg") else "只接受 JPEG")
    check.refresh_from_db()
    assert check.state == PhotoCheck.State.OPEN
    assert Photo.objects.count() == 1
