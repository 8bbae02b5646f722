"""学籍异动 by file: before and after kept, the credit-system rule, applied once."""

from __future__ import annotations

import contextlib

import pytest
from django.core.management import call_command

from xuedang.conftest import make_enrollment
from xuedang.imports.models import ImportJob, ImportState
from xuedang.institutions.models import Institution
from xuedang.registry.models import Enrollment, EnrollmentChange

pytestmark = pytest.mark.django_db
HEADER = "学号,异动类别,异动日期,原因,专业代码,专业名称,院系,学籍状态,预计毕业日期,文号\n"


def run(tmp_path, body: str) -> ImportJob:
    path = tmp_path / "changes.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with contextlib.suppress(SystemExit):
        call_command("import_file", str(path), institution="10001", kind="changes")
    return ImportJob.objects.order_by("-pk").first()


@pytest.fixture
def students():
    return [
        make_enrollment(student_number="S1"),
        make_enrollment(student_number="S2", document_number="440304200306151232", name="张三"),
    ]


def test_changes_by_file_keep_before_and_after_and_apply_once(tmp_path, students) -> None:
    body = (
        "S1,转专业,2022-09-01,本人申请,080717T,人工智能,人工智能学院,,,校教〔2022〕8号\n"
        "S2,休学,2023-03-01,疾病,,,,,,校教〔2023〕2号\n"
    )
    job = run(tmp_path, body)
    assert job.state == ImportState.DONE, job.errors or job.message
    assert job.inserted_rows == 2, job.errors or job.message
    s1, s2 = Enrollment.objects.order_by("student_number")
    assert (s1.major_code, s1.major_name, s1.department) == ("080717T", "人工智能", "人工智能学院")
    assert s1.state == "registered"
    assert s2.state == "suspended"
    assert s2.state_date.isoformat() == "2023-03-01"
    change = EnrollmentChange.objects.get(enrollment=s1)
    assert change.change_code == "23"
    assert change.before["major_name"] == "计算机科学与技术"
    assert change.after["major_name"] == "人工智能"
    assert (change.decision_number, str(change.decision_date)) == ("校教〔2022〕8号", "2022-09-01")
    assert run(tmp_path, body).inserted_rows == 0
    assert EnrollmentChange.objects.count() == 2


def test_credit_system_schools_cannot_repeat_a_year_and_cancellations_go_elsewhere(tmp_path, students) -> None:
    Institution.objects.filter(code="10001").update(credit_system=True)
    job = run(
        tmp_path,
        "S1,留级,2022-09-01,成绩,,,,,2026-07-01,文1\nS2,退学,2022-09-01,申请,,,,,,文2\n"
        "S9,转专业,2022-09-01,x,080717T,人工智能,,,,文3\nS1,转专业,2099-01-01,x,080717T,人工智能,,,,文4\n",
    )
    assert job.state == ImportState.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (2, "异动类别"),
        (3, "异动类别"),
        (4, "学号"),
        (5, "异动日期"),
    }
    assert not EnrollmentChange.objects.exists()


def test_a_change_by_file_must_carry_its_fields_agree_with_its_state_and_fit_the_enrollment(tmp_path, students) -> None:
    job = run(
        tmp_path,
        "S1,转专业,2022-09-01,x,,,,,,文1\n"  # 转专业 without the new major
        "S2,休学,2022-09-01,x,,,,注册学籍,,文2\n"  # 休学 that keeps 注册学籍
        "S3,复学,2022-09-01,x,,,,,,\n",  # no 文号
    )
    assert job.state == ImportState.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} >= {
        (2, "专业代码"),
        (2, "专业名称"),
        (3, "学籍状态"),
        (4, "文号"),
    }
    job = run(tmp_path, "S1,复学,2022-09-01,x,,,,,,文1\n")  # 复学 of a student not on 休学
    assert job.state == ImportState.INVALID
    assert job.errors[0]["column"] == "异动类别"
    assert "复学须先休学" in job.errors[0]["message"]
    assert not EnrollmentChange.objects.exists()
