"""Import error reports: a rejected value never breaks the report, ID numbers in it are masked,
only the job's institution reads it, and it is deleted after its retention period."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from xuedang.conftest import login
from xuedang.imports.files import job_file
from xuedang.imports.models import ImportJob, ImportState
from xuedang.imports.tests.helpers import csv_upload, student_row
from xuedang.imports.tests.test_views import _upload

pytestmark = pytest.mark.django_db


def _report(client, job: ImportJob) -> tuple[list[list[object]], bytes]:
    response = client.get(f"/school/imports/{job.pk}/errors.xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]
    return rows, data


def _xml_of(xlsx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_a_control_character_in_a_rejected_cell_is_reported_visibly(
    registrar, django_capture_on_commit_callbacks
) -> None:
    client = login(registrar)
    _upload(client, csv_upload([student_row(0, 姓名="张\x01三"), student_row(1)]), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.state == ImportState.INVALID
    assert job.errors[0]["value"] == "张<U+0001>三"
    rows, _ = _report(client, job)
    assert rows[1][:3] == [2, "姓名", "张<U+0001>三"]
    assert "U+0001" in client.get(f"/school/imports/{job.pk}/").content.decode()


def test_id_numbers_in_the_report_and_on_the_page_are_masked(registrar, django_capture_on_commit_callbacks) -> None:
    good = student_row(0)["证件号码"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")  # a wrong check digit
    typed_elsewhere = student_row(1)["证件号码"]
    rows = [student_row(0, 证件号码=wrong), student_row(1, 民族=typed_elsewhere)]
    client = login(registrar)
    _upload(client, csv_upload(rows), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    report, data = _report(client, job)
    values = {(row[0], row[1]): row[2] for row in report[1:]}
    assert values[(2, "证件号码")] == wrong[:6] + "********" + wrong[-4:]
    assert values[(3, "民族")] == typed_elsewhere[:6] + "********" + typed_elsewhere[-4:]
    stored = " ".join(str(e["value"]) for e in job.errors)
    page = client.get(f"/school/imports/{job.pk}/").content.decode()
    for text in (_xml_of(data), stored, page):
        assert wrong not in text
        assert typed_elsewhere not in text


def test_only_the_jobs_institution_reads_the_report(
    client, registrar, other_school_registrar, student, django_capture_on_commit_callbacks
) -> None:
    _upload(login(registrar), csv_upload([student_row(0, 层次="大专班")]), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    url = f"/school/imports/{job.pk}/errors.xlsx"
    assert login(registrar).get(url).status_code == 200
    assert login(other_school_registrar).get(url).status_code == 404
    assert login(student).get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/login" in anonymous["Location"] or "/accounts/" in anonymous["Location"]


def test_reports_past_their_retention_are_deleted_and_newer_ones_kept(
    registrar, django_capture_on_commit_callbacks
) -> None:
    client = login(registrar)
    for _ in range(2):
        _upload(client, csv_upload([student_row(0, 层次="大专班")]), django_capture_on_commit_callbacks)
    old, new = ImportJob.objects.order_by("pk")
    days = settings.IMPORT_FILES_RETENTION_DAYS
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=days, hours=1))
    leftover = job_file(old, "upload")
    leftover.write_bytes(b"an upload a crashed worker left behind")
    assert job_file(old, "errors.xlsx").exists()

    out = io.StringIO()
    call_command("import_files_expire", stdout=out)

    assert "2" in out.getvalue()
    assert not job_file(old, "errors.xlsx").exists()
    assert not leftover.exists()
    assert job_file(new, "errors.xlsx").exists()
    assert client.get(f"/school/imports/{old.pk}/errors.xlsx").status_code == 404
    assert client.get(f"/school/imports/{new.pk}/errors.xlsx").status_code == 200


def test_celery_beat_runs_the_expiry_daily() -> None:
    from xuedang.imports import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["expire-import-files"]
    assert entry["task"] == tasks.expire_import_files.name
    assert entry["schedule"] == 24 * 3600
