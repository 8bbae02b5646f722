"""The archive on paper: the printable record for offices, and the student's personal-data copy."""

import subprocess

import pytest

from xuedang.archive import services
from xuedang.archive.tests.helpers import graduate
from xuedang.conftest import login, make_enrollment

ID = "11010519491231002X"


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def graduate_student(student):
    credential = graduate(make_enrollment())
    services.bindings_refresh(user=student)
    return credential


def test_the_printable_archive_lists_the_records_with_the_id_masked(student, graduate_student, tmp_path) -> None:
    response = login(student).get("/archive/print.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = _text(response.content, tmp_path)
    for words in (
        "学信档案",
        "吉𠮷",
        graduate_student.certificate_number,
        "北京大学",
        "计算机科学与技术",
        "110105********002X",
    ):
        assert words in text, words
    assert ID not in text


def test_the_personal_data_copy_holds_the_full_id_and_every_access_by_others(
    student, graduate_student, registrar, tmp_path
) -> None:
    login(registrar).get(f"/school/credentials/{graduate_student.pk}/")  # a staff view, logged for the student
    text = _text(login(student).get("/archive/export.pdf").content, tmp_path)
    for words in ("个人信息副本", ID, "吉𠮷", graduate_student.certificate_number, "他人访问记录", "北京大学"):
        assert words in text, words


def test_another_student_prints_only_their_own_archive(student, other_student, graduate_student, tmp_path) -> None:
    text = _text(login(other_student).get("/archive/print.pdf").content, tmp_path)
    assert "阿依古丽·买买提" in text
    assert "吉𠮷" not in text
    assert graduate_student.certificate_number not in text
