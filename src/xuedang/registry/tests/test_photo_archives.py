"""学历照片压缩包 (issue 13 item 5): named by ID number, 考生号 or student number; all or nothing,
every bad file listed; EXIF stripped; the waiting draft credential gets its photo."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from PIL import Image

from xuedang.conftest import login, make_enrollment
from xuedang.institutions.models import Institution
from xuedang.registry import services
from xuedang.registry.models import Credential, Photo

pytestmark = pytest.mark.django_db


def jpeg(size: tuple[int, int] = (480, 640), *, exif: bool = False) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", size, (67, 142, 219))
    if exif:
        data = Image.Exif()
        data[0x010F] = "Camera maker with location"  # Make
        picture.save(out, format="JPEG", exif=data.tobytes())
    else:
        picture.save(out, format="JPEG")
    return out.getvalue()


def archive(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def students():
    first = make_enrollment(student_number="S1")  # ID 11010519491231002X
    second = make_enrollment(
        student_number="S2", document_number="440304200306151232", name="张三", exam_number="25440101000001"
    )
    third = make_enrollment(student_number="S3", document_number="310104199909094569", name="王五")
    return first, second, third


def upload(registrar, data: bytes):
    return login(registrar).post(
        "/school/photos/",
        {"institution": Institution.objects.get(code="10001").pk, "archive": io.BytesIO(data)},
        format="multipart",
    )


def test_photos_named_three_ways_are_registered_cleaned_and_given_to_the_draft(registrar, students) -> None:
    draft = services.credential_register(
        actor=None, enrollment=students[0], kind="graduation", study_end=date(2025, 7, 1)
    )
    data = archive(
        {
            "photos/11010519491231002x.jpg": jpeg(exif=True),
            "photos/25440101000001.JPG": jpeg(),
            "photos/S3.jpeg": jpeg(),
            "__MACOSX/._S3.jpeg": b"junk",
        }
    )
    response = upload(registrar, data)
    assert response.status_code == 302, response.content.decode()
    assert Photo.objects.filter(purpose="graduation").count() == 3
    photo = Photo.objects.get(enrollment=students[0])
    assert b"Camera maker" not in bytes(photo.image)
    assert Credential.objects.get(pk=draft.pk).photo_id == photo.pk


def test_one_bad_file_writes_nothing_and_every_bad_file_is_listed(registrar, students) -> None:
    data = archive(
        {
            "S1.jpg": jpeg(),
            "S2.jpg": jpeg((640, 480)),  # wrong size
            "S9.jpg": jpeg(),  # nobody
            "S3.png": jpeg(),  # not a .jpg
        }
    )
    response = upload(registrar, data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "3 个文件不合格" in page
    for name in ("S2.jpg", "S9.jpg", "S3.png"):
        assert name in page
    assert "480×640" in page
    assert not Photo.objects.exists()


def test_a_file_that_is_not_a_zip_is_refused_clearly(registrar, students) -> None:
    response = upload(registrar, b"not a zip")
    assert response.status_code == 400
    assert "不是有效的 ZIP" in response.content.decode()
