"""学籍注销 by file, each row judged against its own 15-working-day deadline."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from xuedang.conftest import make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.imports.models import ImportJob, ImportState
from xuedang.registry.models import Enrollment, EnrollmentChange

pytestmark = pytest.mark.django_db
HEADER = "学号,注销类型,决定日期,文号,原因\n"


def run(tmp_path, body: str) -> ImportJob:
    path = tmp_path / "cancel.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with contextlib.suppress(SystemExit):
        call_command("import_file", str(path), institution="10001", kind="cancellations")
    return ImportJob.objects.order_by("-pk").first()


def test_cancellations_by_file_flag_the_late_ones_and_apply_once(tmp_path) -> None:
    make_enrollment(student_number="S1")
    make_enrollment(student_number="S2", document_number="440304200306151232", name="张三")
    today = timezone.localdate()
    body = (
        f"S1,退学,{today - timedelta(days=2)},校学〔2026〕1号,本人申请\n"
        f"S2,开除学籍,{today - timedelta(days=40)},校学〔2026〕2号,严重违纪\n"
    )
    job = run(tmp_path, body)
    assert job.state == ImportState.DONE, job.errors or job.message
    assert job.inserted_rows == 2, job.errors or job.message
    s1, s2 = Enrollment.objects.order_by("student_number")
    assert (s1.state, s2.state) == ("withdrawn", "expelled")
    changes = {c.enrollment.student_number: c for c in EnrollmentChange.objects.select_related("enrollment")}
    assert not changes["S1"].late
    assert changes["S2"].late
    assert changes["S2"].change_code == "42"
    assert changes["S2"].before == {"state": "registered"}
    assert AuditEntry.objects.filter(action="registry.enrollment.changed").count() == 2
    again = run(tmp_path, body)
    assert again.state == ImportState.DONE
    assert again.inserted_rows == 0
    assert EnrollmentChange.objects.count() == 2


def test_bad_rows_cancel_nothing(tmp_path) -> None:
    make_enrollment(student_number="S1")
    today = timezone.localdate()
    job = run(
        tmp_path,
        f"S1,退学,{today},,申请\nS9,退学,{today},,申请\nS1,休学,{today},,x\nS1,死亡,{today + timedelta(days=3)},,x\n",
    )
    assert job.state == ImportState.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} == {(3, "学号"), (4, "注销类型"), (5, "决定日期")}
    assert Enrollment.objects.get().state == "registered"
