"""The registrar's import pages, as a registrar uses them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from xuedang.conftest import login
from xuedang.imports.models import ImportJob, ImportState
from xuedang.imports.schemas import ENROLLMENT_COLUMNS
from xuedang.imports.tests.helpers import csv_upload, student_row
from xuedang.institutions.models import Institution

pytestmark = pytest.mark.django_db


def _upload(client, content: bytes, django_capture_on_commit_callbacks, name: str = "students.csv"):
    school = Institution.objects.get(code="10001")
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            "/school/imports/",
            {"institution": school.pk, "kind": "enrollments", "file": SimpleUploadedFile(name, content)},
        )


def test_a_registrar_uploads_a_file_and_sees_the_students(registrar, django_capture_on_commit_callbacks) -> None:
    client = login(registrar)
    response = _upload(client, csv_upload([student_row(n) for n in range(3)]), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/school/imports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "新增 3 条" in page
    progress = client.get(f"/school/imports/{job.pk}/progress").json()
    assert progress["percent"] == 100
    assert progress["finished"]
    listing = client.get("/school/enrollments/").content.decode()
    assert "吉𠮷" in listing
    assert "阿依古丽·买买提" in listing


def test_errors_are_shown_and_downloadable_and_nothing_is_written(
    registrar, django_capture_on_commit_callbacks
) -> None:
    client = login(registrar)
    rows = [student_row(n) for n in range(3)]
    rows[1]["层次"] = "<script>alert(1)</script>"
    _upload(client, csv_upload(rows), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.state == ImportState.INVALID
    page = client.get(f"/school/imports/{job.pk}/").content.decode()
    assert "文件未写入" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    report = client.get(f"/school/imports/{job.pk}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert [c.value for c in sheet[2]][:2] == [3, "层次"]
    assert not client.get("/school/enrollments/").content.decode().count("吉𠮷")


def test_another_school_cannot_see_the_job(
    registrar, other_school_registrar, django_capture_on_commit_callbacks
) -> None:
    _upload(login(registrar), csv_upload([student_row(1)]), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    other = login(other_school_registrar)
    for suffix in ("", "progress"):
        assert other.get(f"/school/imports/{job.pk}/{suffix}").status_code == 404
    assert str(job.filename) not in other.get("/school/imports/").content.decode()


def test_templates_download_with_the_expected_columns(registrar) -> None:
    client = login(registrar)
    xlsx = client.get("/school/imports/template.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == [c.zh for c in ENROLLMENT_COLUMNS]
    csv = client.get("/school/imports/template.csv").content
    assert csv.startswith(b"\xef\xbb\xbf" + "学号,姓名".encode())


def test_an_empty_upload_is_refused_on_the_form(registrar, django_capture_on_commit_callbacks) -> None:
    response = _upload(login(registrar), b"", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    assert "文件为空 / the file is empty" in response.content.decode()


def test_a_registrar_cannot_import_for_another_school(registrar) -> None:
    other = Institution.objects.get(code="10246")
    response = login(registrar).post(
        "/school/imports/",
        {
            "institution": other.pk,
            "kind": "enrollments",
            "file": SimpleUploadedFile("s.csv", csv_upload([student_row(1)])),
        },
    )
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    assert "不能为该学校导入" in response.content.decode()
