"""图像校对: the student confirms or disputes the photo; a disputed photo blocks publication
until the school answers, and only that school's registrars see the dispute."""

import pytest
from django.core.exceptions import ValidationError

from xuedang.accounts.models import Notification
from xuedang.archive.models import PhotoCheck
from xuedang.archive.tests.helpers import graduate, jpeg
from xuedang.conftest import login, make_enrollment
from xuedang.registry import services as registry
from xuedang.registry.models import CredentialState


@pytest.fixture
def draft(student):
    credential = graduate(make_enrollment(), publish=False)
    login(student).get("/archive/")  # binds
    return credential


def test_a_confirmed_photo_leaves_publication_open(student, draft) -> None:
    client = login(student)
    assert f"/archive/photos/{draft.photo_id}/" in client.get("/archive/photos/").content.decode()
    client.post(f"/archive/photos/{draft.photo_id}/answer/", {f"p{draft.photo_id}-verdict": "correct"})
    assert PhotoCheck.objects.get().state == PhotoCheck.State.CONFIRMED
    assert registry.credential_publish(actor=None, credential=draft).state == CredentialState.PUBLISHED


def test_a_dispute_needs_a_reason(student, draft) -> None:
    login(student).post(f"/archive/photos/{draft.photo_id}/answer/", {f"p{draft.photo_id}-verdict": "wrong"})
    assert not PhotoCheck.objects.exists()


def test_a_disputed_photo_blocks_publication_until_the_school_replaces_it(student, draft, registrar) -> None:
    login(student).post(
        f"/archive/photos/{draft.photo_id}/answer/",
        {f"p{draft.photo_id}-verdict": "wrong", f"p{draft.photo_id}-reason": "不是我本人"},
    )
    check = PhotoCheck.objects.get()
    with pytest.raises(ValidationError) as error:
        registry.credential_publish(actor=registrar, credential=draft)
    assert "异议" in error.value.messages[0]
    assert registry.credentials_publish_due(actor=registrar, institution=draft.institution) == (0, 1)

    school = login(registrar)
    assert "不是我本人" in school.get("/school/archive/photo-disputes/").content.decode()
    assert school.get(f"/school/archive/photo-disputes/{check.pk}/photo").status_code == 200
    school.post(
        f"/school/archive/photo-disputes/{check.pk}/",
        {"resolution": "已重新采集", "new_photo": _upload(jpeg(colour=(200, 10, 10)))},
    )
    check.refresh_from_db()
    draft.refresh_from_db()
    assert check.state == PhotoCheck.State.REPLACED
    assert draft.photo_id != check.photo_id
    assert Notification.objects.filter(user=student, text__contains="更换照片").exists()
    assert registry.credential_publish(actor=registrar, credential=draft).state == CredentialState.PUBLISHED


def test_the_school_may_uphold_the_photo_with_its_reason(student, draft, registrar) -> None:
    login(student).post(
        f"/archive/photos/{draft.photo_id}/answer/",
        {f"p{draft.photo_id}-verdict": "wrong", f"p{draft.photo_id}-reason": "太暗"},
    )
    check = PhotoCheck.objects.get()
    login(registrar).post(f"/school/archive/photo-disputes/{check.pk}/", {"resolution": "经核实为本人"})
    check.refresh_from_db()
    assert check.state == PhotoCheck.State.UPHELD
    assert "经核实为本人" in login(student).get("/archive/photos/").content.decode()


def test_another_schools_registrar_does_not_see_the_dispute(student, draft, other_school_registrar) -> None:
    login(student).post(
        f"/archive/photos/{draft.photo_id}/answer/",
        {f"p{draft.photo_id}-verdict": "wrong", f"p{draft.photo_id}-reason": "x"},
    )
    check = PhotoCheck.objects.get()
    client = login(other_school_registrar)
    queue = client.get("/school/archive/photo-disputes/").content.decode().split("<main")[1]
    assert f"/school/archive/photo-disputes/{check.pk}/" not in queue
    assert client.get(f"/school/archive/photo-disputes/{check.pk}/").status_code == 404


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")
