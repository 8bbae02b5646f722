"""The student's reports page through HTTP: create, extend, close, new code, QR; only their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from xuedang.conftest import login
from xuedang.core.calendar import add_months
from xuedang.reports.models import Report, ReportState
from xuedang.reports.tests.factories import enrollment_of, graduate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


def create(client: Client, record: str, months: int = 3, lang: str = "zh"):
    return client.post("/archive/reports/", {"record": record, "lang": lang, "months": months})


def test_a_student_creates_a_report_and_sees_it_listed_with_its_code_and_views(student) -> None:
    credential = graduate(student)
    client = login(student)
    page = client.get("/archive/reports/").content.decode()
    assert f'value="credential:{credential.pk}"' in page
    response = create(client, f"credential:{credential.pk}", months=6)
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.months, report.valid_until) == (6, add_months(timezone.localdate(), 6))
    Client().get(f"/verify/{report.code}")
    listing = client.get("/archive/reports/").content.decode()
    assert report.code in listing
    assert 'class="report-views" data-label="查看次数 / Views">1</td>' in listing
    assert 'data-status="valid"' in listing
    assert f"/verify/{report.code}" in listing


def test_the_form_refuses_a_validity_outside_one_to_six_months_in_both_languages(student) -> None:
    enrollment = enrollment_of(student)
    response = create(login(student), f"enrollment:{enrollment.pk}", months=7)
    assert response.status_code == 400
    assert "有效期最多 6 个月 / at most 6 months" in response.content.decode()
    assert not Report.objects.exists()


def test_a_student_cannot_report_on_someone_elses_record(student, other_student) -> None:
    credential = graduate(student)
    response = create(login(other_student), f"credential:{credential.pk}")
    assert response.status_code == 400
    assert "请选择您档案中的记录" in response.content.decode()
    assert not Report.objects.exists()


def test_extend_close_and_new_code_from_the_page(student) -> None:
    enrollment = enrollment_of(student)
    client = login(student)
    create(client, f"enrollment:{enrollment.pk}", months=1)
    report = Report.objects.get()
    assert f'action="/archive/reports/{report.pk}/extend/"' in client.get("/archive/reports/").content.decode()
    client.post(f"/archive/reports/{report.pk}/extend/", {"months": "2"})
    report.refresh_from_db()
    assert report.months == 2

    client.post(f"/archive/reports/{report.pk}/replace/", {})
    report.refresh_from_db()
    new = report.replaced_by
    assert report.state == ReportState.REPLACED
    assert new.state == ReportState.ACTIVE

    response = client.post(f"/archive/reports/{new.pk}/close/", {}, follow=True)
    new.refresh_from_db()
    assert new.state == ReportState.CLOSED
    assert "报告已关闭" in response.content.decode()


def test_extending_too_early_explains_when_it_opens(student) -> None:
    enrollment = enrollment_of(student)
    client = login(student)
    create(client, f"enrollment:{enrollment.pk}", months=6)
    report = Report.objects.get()
    response = client.post(f"/archive/reports/{report.pk}/extend/", {"months": "1"}, follow=True)
    opens = (report.valid_until - timedelta(days=31)).isoformat()[:7]
    assert "到期前一个月内" in response.content.decode()
    assert opens in response.content.decode()
    assert Report.objects.get().valid_until == report.valid_until


def test_another_student_gets_404_for_every_action_on_my_report(student, other_student) -> None:
    enrollment = enrollment_of(student)
    create(login(student), f"enrollment:{enrollment.pk}")
    report = Report.objects.get()
    other = login(other_student)
    for action in ("extend", "close", "replace"):
        assert other.post(f"/archive/reports/{report.pk}/{action}/", {"months": "1"}).status_code == 404
    assert other.get(f"/archive/reports/{report.pk}/qr.svg").status_code == 404
    assert Report.objects.get().state == ReportState.ACTIVE


def test_the_qr_code_encodes_the_verification_link(student) -> None:
    enrollment = enrollment_of(student)
    client = login(student)
    create(client, f"enrollment:{enrollment.pk}")
    report = Report.objects.get()
    response = client.get(f"/archive/reports/{report.pk}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_a_closed_report_cannot_be_downloaded(student) -> None:
    enrollment = enrollment_of(student)
    client = login(student)
    create(client, f"enrollment:{enrollment.pk}")
    report = Report.objects.get()
    client.post(f"/archive/reports/{report.pk}/close/")
    response = client.get(f"/archive/reports/{report.pk}/download/", follow=True)
    assert "不能下载" in response.content.decode()
