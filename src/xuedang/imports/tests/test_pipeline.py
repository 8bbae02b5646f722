"""The bulk registration pipeline through its management command and services."""

from __future__ import annotations

from datetime import date

import pytest

from xuedang.conftest import make_enrollment
from xuedang.core.audit import verify_chain
from xuedang.core.models import AuditEntry
from xuedang.imports.models import ImportJob, ImportState
from xuedang.imports.tests.helpers import HEADER, run_import, student_row, write_file
from xuedang.registry.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fmt", "encoding"), [("csv", "utf-8"), ("csv", "utf-8-bom"), ("csv", "gb18030"), ("xlsx", "")]
)
def test_a_valid_file_registers_every_student(tmp_path, fmt, encoding) -> None:
    job = run_import(write_file(tmp_path, [student_row(n) for n in range(30)], fmt=fmt, encoding=encoding))
    assert job.state == ImportState.DONE, job.errors or job.message
    assert job.inserted_rows == 30, job.errors or job.message
    first = Enrollment.objects.get(student_number="2026000000")
    assert first.name == "吉𠮷"
    assert first.document_number == student_row(0)["证件号码"]
    assert first.state == "registered"
    assert first.state_date == date(2026, 9, 1)
    assert first.created_at
    assert Enrollment.objects.get(student_number="2026000001").name == "阿依古丽·买买提"
    # One audit entry for the file (who, which file, how many rows); each row carries the job's id.
    entry = AuditEntry.objects.get(action="imports.job.loaded")
    assert entry.target_id == str(job.pk)
    assert entry.after["inserted"] == 30
    assert entry.after["sha256"] == job.sha256
    assert set(Enrollment.objects.values_list("import_job_id", flat=True)) == {job.pk}
    assert verify_chain().ok


def test_one_bad_row_writes_nothing_and_is_reported(tmp_path) -> None:
    rows = [student_row(n) for n in range(50)]
    rows[37]["证件号码"] = rows[37]["证件号码"][:17] + ("0" if rows[37]["证件号码"][17] != "0" else "1")
    job = run_import(write_file(tmp_path, rows))
    assert job.state == ImportState.INVALID
    assert job.error_count == 1
    assert job.errors[0]["row"] == 39
    assert job.errors[0]["column"] == "证件号码"
    assert "校验位" in job.errors[0]["message"]
    assert not Enrollment.objects.exists()
    assert not AuditEntry.objects.filter(action="imports.job.loaded").exists()


def test_every_bad_row_is_reported_with_column_value_and_reason(tmp_path) -> None:
    rows = [student_row(n) for n in range(5)]
    rows[0]["姓名"] = "张😀"
    rows[1]["层次"] = "大专班"
    rows[2]["入学日期"] = "2026-13-01"
    rows[3]["学号"] = '=HYPERLINK("http://x")'
    rows.append(student_row(4, 学号=rows[4]["学号"].replace("0004", "0099")))  # the same person twice
    job = run_import(write_file(tmp_path, rows))
    found = {(e["row"], e["column"]) for e in job.errors}
    assert found == {(2, "姓名"), (3, "层次"), (4, "入学日期"), (5, "学号"), (7, "证件号码")}
    assert all(" / " in e["message"] for e in job.errors)
    assert not Enrollment.objects.exists()


def test_the_same_file_twice_adds_its_rows_once(tmp_path) -> None:
    path = write_file(tmp_path, [student_row(n) for n in range(20)])
    assert run_import(path).inserted_rows == 20
    again = run_import(path)
    assert again.state == ImportState.DONE
    assert again.inserted_rows == 0
    assert again.skipped_rows == 20
    overlap = run_import(write_file(tmp_path, [student_row(n) for n in range(10, 30)]))
    assert overlap.inserted_rows == 10
    assert Enrollment.objects.count() == 30


def test_duplicates_within_the_file_and_conflicts_with_the_registry_are_refused(tmp_path) -> None:
    existing = student_row(3)
    make_enrollment(school="10246", student_number="F1", document_number=existing["证件号码"], name="张三")
    rows = [student_row(n) for n in range(6)]
    rows[5]["学号"] = rows[4]["学号"]
    job = run_import(write_file(tmp_path, rows))
    assert job.state == ImportState.INVALID
    found = {(e["row"], e["column"]) for e in job.errors}
    assert found == {(5, "证件号码"), (7, "学号")}
    assert Enrollment.objects.count() == 1


def test_file_level_problems_get_one_clear_message(tmp_path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "文件为空" in run_import(empty).message
    headerless = tmp_path / "cols.csv"
    headerless.write_text("学号,姓名\n1,张三\n", encoding="utf-8")
    assert "缺少必填列" in run_import(headerless).message
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert ".xls" in run_import(xls).message
    assert not Enrollment.objects.exists()


def test_one_bad_row_among_100000_writes_nothing_and_names_that_row(tmp_path) -> None:
    rows = (student_row(n) for n in range(100_000))
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(HEADER) + "\n")
        for n, row in enumerate(rows):
            if n == 73_210:
                row["出生日期"] = "2007-02-30"  # no such day
            out.write(",".join(row[h] for h in HEADER) + "\n")
    job = run_import(path)
    assert job.state == ImportState.INVALID
    assert job.total_rows == 100_000
    assert [(e["row"], e["column"]) for e in job.errors] == [(73_212, "出生日期")]
    assert not Enrollment.objects.exists()


def test_a_large_file_is_validated_by_several_processes_with_every_error_and_row_kept(tmp_path, settings) -> None:
    settings.IMPORT_PROCESSES = 2
    rows = [student_row(n) for n in range(30_000)]
    rows[10_001]["层次"] = "大专班"  # spreadsheet row 10,003: the second process's share
    rows[20_000]["入学日期"] = "2026-02-30"  # row 20,002: the first process's share
    invalid = run_import(write_file(tmp_path, rows))
    assert invalid.state == ImportState.INVALID
    assert invalid.total_rows == 30_000
    assert [(e["row"], e["column"]) for e in invalid.errors] == [(10_003, "层次"), (20_002, "入学日期")]
    assert not Enrollment.objects.exists()

    rows[10_001]["层次"], rows[20_000]["入学日期"] = "本科", "2026-09-01"
    job = run_import(write_file(tmp_path, rows))
    assert job.state == ImportState.DONE
    assert job.inserted_rows == 30_000
    assert Enrollment.objects.filter(import_job_id=job.pk).count() == 30_000
    assert Enrollment.objects.get(student_number="2026010001").name == student_row(10_001)["姓名"]
    again = run_import(write_file(tmp_path, rows))  # the same large file twice: a clash, so the staging path skips
    assert again.state == ImportState.DONE
    assert (again.inserted_rows, again.skipped_rows) == (0, 30_000)
    assert Enrollment.objects.count() == 30_000
    work = {p.name for p in (settings.DATA_DIR / "imports").iterdir()}
    assert work == {f"job-{invalid.pk}.errors.xlsx"}  # the first job's error report stays for download; work files go


def test_progress_of_a_streaming_job_is_read_from_the_cache_while_it_runs(registrar) -> None:
    from django.core.cache import cache

    from xuedang.imports.selectors import job_progress
    from xuedang.imports.services import progress_key
    from xuedang.institutions.models import Institution

    job = ImportJob.objects.create(
        institution=Institution.objects.get(code="10001"),
        kind="enrollments",
        filename="x.csv",
        sha256="",
        state=ImportState.VALIDATING,
        total_rows=1000,
    )
    cache.set(progress_key(job.pk), 250)
    assert job_progress(job).processed == 250
    assert job_progress(job).percent == 25
    job.state = ImportState.DONE
    assert job_progress(job).percent == 100


def test_a_validator_process_that_dies_fails_the_job_and_writes_nothing(tmp_path, settings, monkeypatch) -> None:
    import os
    import signal

    from xuedang.imports.parallel import ValidationWork

    settings.IMPORT_PROCESSES = 2
    real_run = ValidationWork.run

    def dying_run(self, share, **kwargs):
        if share == 1:  # the forked child: killed as by the OOM killer
            os.kill(os.getpid(), signal.SIGKILL)
        return real_run(self, share, **kwargs)

    monkeypatch.setattr(ValidationWork, "run", dying_run)
    job = run_file(tmp_path)
    assert job.state == ImportState.FAILED
    assert "请重新上传" in job.message
    assert not Enrollment.objects.exists()


def run_file(tmp_path):
    return run_import(write_file(tmp_path, [student_row(n) for n in range(25_000)]))
