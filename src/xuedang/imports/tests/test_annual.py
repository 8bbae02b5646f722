"""学年注册 by file: on time or late by the one-month rule, all or nothing, once per year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from xuedang.conftest import make_enrollment, record_semester_start
from xuedang.imports.models import ImportJob, ImportState
from xuedang.registry import services
from xuedang.registry.models import AnnualRegistration

pytestmark = pytest.mark.django_db
HEADER = "学号,学年,注册状态,开学日期,注册日期\n"


def run(tmp_path: Path, body: str) -> ImportJob:
    path = tmp_path / "annual.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    try:
        call_command("import_file", str(path), institution="10001", kind="annual_registrations")
    except SystemExit as exit_info:  # the command exits 1 when the file is rejected
        exit_code = exit_info.code
    else:
        exit_code = 0
    assert exit_code in (0, 1)
    return ImportJob.objects.order_by("-pk").first()


@pytest.fixture
def students():
    for year in (2021, 2022, 2023):
        record_semester_start(year, date(year, 9, 1))
    return [
        make_enrollment(student_number="S1"),
        make_enrollment(student_number="S2", document_number="440304200306151232", name="阿依古丽·买买提"),
    ]


def test_a_year_is_registered_in_bulk_and_late_rows_are_flagged(tmp_path, students) -> None:
    job = run(tmp_path, "S1,2022-2023,注册学籍,2022-09-01,2022-09-20\nS2,2022,暂缓注册,2022-09-01,2022-10-08\n")
    assert job.state == ImportState.DONE, job.errors or job.message
    assert job.inserted_rows == 2, job.errors or job.message
    on_time, late = AnnualRegistration.objects.order_by("enrollment__student_number")
    assert (on_time.status, on_time.deadline, on_time.late) == ("registered", date(2022, 10, 1), False)
    assert (late.status, late.late) == ("deferred", True)
    # 暂缓注册 is the state of the enrollment for that year (issue 13 item 7)
    assert late.enrollment.state == "deferred"
    assert on_time.enrollment.state == "registered"


def test_the_same_file_twice_registers_each_year_once(tmp_path, students) -> None:
    body = "S1,2022-2023,注册学籍,2022-09-01,2022-09-20\n"
    run(tmp_path, body)
    again = run(tmp_path, body)
    assert again.state == ImportState.DONE
    assert again.inserted_rows == 0
    assert again.skipped_rows == 1
    assert AnnualRegistration.objects.count() == 1


def test_unknown_cancelled_conflicting_and_repeated_rows_are_refused_together(tmp_path, students) -> None:
    services.enrollment_cancel(
        actor=None,
        enrollment=students[1],
        state="withdrawn",
        decision_date=date(2022, 3, 1),
        reason="退学",
        recorded_on=date(2022, 3, 2),
    )
    services.annual_registration_record(
        actor=None,
        enrollment=students[0],
        academic_year=2021,
        status="registered",
        semester_start=date(2021, 9, 1),
        registered_on=date(2021, 9, 5),
    )
    job = run(
        tmp_path,
        "S1,2021-2022,暂缓注册,2021-09-01,\n"  # already registered differently
        "S2,2022-2023,注册学籍,2022-09-01,\n"  # withdrawn
        "S9,2022-2023,注册学籍,2022-09-01,\n"  # no such student
        "S1,2023-2024,注册学籍,2023-09-01,\n"
        "S1,2023-2024,注册学籍,2023-09-01,\n"  # twice in the file
        "S1,2023-2025,注册,2023-09-01,\n",
    )  # malformed year
    assert job.state == ImportState.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (2, "注册状态"),
        (3, "学号"),
        (4, "学号"),
        (6, "学号"),
        (7, "学年"),
    }
    assert AnnualRegistration.objects.count() == 1


def test_a_year_without_a_recorded_start_or_with_another_start_is_refused(tmp_path, students) -> None:
    job = run(
        tmp_path,
        "S1,2024-2025,注册学籍,,2024-09-20\n"  # the institution has not recorded 2024
        "S2,2022-2023,注册学籍,2022-08-15,2022-09-20\n",  # the registrar cannot declare another start
    )
    assert job.state == ImportState.INVALID
    errors = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert set(errors) == {(2, "学年"), (3, "开学日期")}
    assert "尚未登记 2024-2025 学年第一学期开学日期" in errors[(2, "学年")]
    assert "2022-09-01" in errors[(3, "开学日期")]
    assert AnnualRegistration.objects.count() == 0


def test_the_deadline_follows_the_recorded_start_when_the_file_leaves_it_out(tmp_path, students) -> None:
    job = run(tmp_path, "S1,2022-2023,注册学籍,,2022-10-02\n")
    assert job.state == ImportState.DONE, job.errors or job.message
    registration = AnnualRegistration.objects.get()
    assert (registration.semester_start, registration.deadline, registration.late) == (
        date(2022, 9, 1),
        date(2022, 10, 1),
        True,
    )
