"""Where people would rather look than read (issue 19 item 8): a report's validity as a bar, the
学籍 as a timeline, an import's progress as a bar."""

from __future__ import annotations

import re

import pytest

from xuedang.conftest import login

pytestmark = pytest.mark.django_db


def test_an_active_report_shows_its_validity_as_a_bar_and_a_closed_one_does_not(student) -> None:
    from xuedang.registry.models import Enrollment
    from xuedang.reports.services import report_close, report_create
    from xuedang.reports.tests.factories import credential_report

    report = credential_report(student, months=3)
    enrollment = Enrollment.objects.get(name=student.real_name)
    closed = report_close(
        student=student, report=report_create(student=student, record=enrollment, lang="en", months=1)
    )
    page = login(student).get("/archive/reports/").content.decode()
    active_row = page.split(f'id="report-{report.pk}"', 1)[1].split("</tr>", 1)[0]
    bar = re.search(r'<meter class="validity" min="0" max="(\d+)" value="(\d+)"', active_row)
    assert bar is not None
    total, left = int(bar.group(1)), int(bar.group(2))
    assert 89 <= total <= 92  # made today for three months
    assert left == total
    assert f"还剩 {left} 天" in active_row
    assert "<meter" not in page.split(f'id="report-{closed.pk}"', 1)[1].split("</tr>", 1)[0]


def test_the_enrollment_is_a_timeline_from_admission_to_credential(student) -> None:
    from xuedang.registry.models import Enrollment
    from xuedang.reports.tests.factories import graduate

    graduate(student)
    enrollment = Enrollment.objects.get(name=student.real_name)
    page = login(student).get(f"/archive/enrollments/{enrollment.pk}/").content.decode()
    timeline = page.split('<ol class="timeline" id="timeline">', 1)[1].split("</ol>", 1)[0]
    events = re.findall(r"<li><time>(.*?)</time>", timeline)
    assert len(events) >= 2  # registered, then the credential
    assert "注册学籍" in timeline
    assert "学历注册" in timeline
