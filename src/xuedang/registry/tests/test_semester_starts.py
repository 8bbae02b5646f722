"""开学日期 and 学年注册 deadlines the registrar cannot declare for themselves (issue 14 item 4)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xuedang.conftest import login, make_enrollment, record_semester_start
from xuedang.core.models import AuditEntry
from xuedang.institutions.models import Institution
from xuedang.registry import selectors, services
from xuedang.registry.models import AnnualRegistration

pytestmark = pytest.mark.django_db


def _register(enrollment, year: int, registered_on: date, **extra) -> AnnualRegistration:
    return services.annual_registration_record(
        actor=None, enrollment=enrollment, academic_year=year, status="registered", registered_on=registered_on, **extra
    )


def test_a_registration_without_a_recorded_start_is_refused_naming_the_year() -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        _register(enrollment, 2022, date(2022, 9, 5))
    assert "尚未登记 2022-2023 学年第一学期开学日期" in error.value.message_dict["academic_year"][0]
    assert not AnnualRegistration.objects.exists()


def test_the_deadline_is_one_month_after_the_recorded_start_and_a_typed_start_cannot_move_it() -> None:
    enrollment = make_enrollment()
    record_semester_start(2022, date(2022, 9, 1))
    with pytest.raises(ValidationError) as error:
        _register(enrollment, 2022, date(2022, 10, 20), semester_start=date(2022, 9, 25))
    assert "2022-09-01" in error.value.message_dict["semester_start"][0]
    registration = _register(enrollment, 2022, date(2022, 10, 2))
    assert (registration.semester_start, registration.deadline, registration.late) == (
        date(2022, 9, 1),
        date(2022, 10, 1),
        True,
    )


def test_a_change_needs_a_reason_is_audited_with_before_and_after_and_redates_the_year(registrar) -> None:
    enrollment = make_enrollment()
    record_semester_start(2022, date(2022, 9, 1), actor=registrar)
    late = _register(enrollment, 2022, date(2022, 10, 5))
    assert late.late
    institution = Institution.objects.get(code="10001")
    with pytest.raises(ValidationError) as error:
        services.semester_start_record(
            actor=registrar, institution=institution, academic_year=2022, starts_on=date(2022, 9, 10)
        )
    assert "reason" in error.value.message_dict
    province = _province_approver()
    services.semester_start_record(
        actor=province,
        institution=institution,
        academic_year=2022,
        starts_on=date(2022, 9, 10),
        reason="开学推迟（防汛）",
    )
    late.refresh_from_db()
    assert (late.deadline, late.late) == (date(2022, 10, 10), False)
    entry = AuditEntry.objects.filter(action="registry.semester_start.recorded").order_by("-id").first()
    assert entry.before == {"starts_on": "2022-09-01", "deadline": "2022-10-01"}
    assert entry.after["starts_on"] == "2022-09-10"
    assert entry.reason == "开学推迟（防汛）"


def test_after_the_deadline_the_school_cannot_move_its_own_start(registrar) -> None:
    record_semester_start(2022, date(2022, 9, 1), actor=registrar)
    with pytest.raises(ValidationError) as error:
        services.semester_start_record(
            actor=registrar,
            institution=Institution.objects.get(code="10001"),
            academic_year=2022,
            starts_on=date(2022, 9, 20),
            reason="记错了",
        )
    assert "只能由省级教育行政部门修改" in error.value.message_dict["starts_on"][0]


def test_a_start_outside_the_academic_year_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        record_semester_start(2022, date(2024, 2, 20))
    assert "starts_on" in error.value.message_dict


def test_the_registrars_list_shows_who_has_not_registered_with_the_countdown(registrar) -> None:
    due = make_enrollment(student_number="S1")
    done = make_enrollment(student_number="S2", document_number="440304200306151232", name="阿依古丽·买买提")
    make_enrollment(  # graduates before the year starts: owes nothing
        student_number="S3",
        document_number="110105200001010016",
        name="王五",
        expected_graduation_date=date(2022, 6, 30),
    )
    record_semester_start(2022, date(2022, 9, 1), actor=registrar)
    _register(done, 2022, date(2022, 9, 5))
    institution = Institution.objects.get(code="10001")
    missing = selectors.annual_registration_missing(institution=institution, recorded=institution.semester_starts.get())
    assert [e.student_number for e in missing] == ["S1"]
    page = login(registrar).get("/school/semester-starts/?year=2022").content.decode()
    assert "2022-10-01" in page
    assert selectors.countdown(date(2022, 10, 1), timezone.localdate()).label in page
    assert f"/school/enrollments/{due.pk}/" in page
    assert f"/school/enrollments/{done.pk}/" not in page


def test_the_countdown_counts_days_left_and_days_overdue() -> None:
    assert selectors.countdown(date(2026, 10, 1), date(2026, 9, 21)).label.startswith("还剩 10 天")
    assert selectors.countdown(date(2026, 10, 1), date(2026, 10, 1)).label.startswith("今天截止")
    overdue = selectors.countdown(date(2026, 10, 1), date(2026, 10, 4))
    assert overdue.overdue
    assert overdue.label.startswith("已逾期 3 天")


def test_the_province_sees_the_start_dates_and_their_history_but_another_school_does_not(
    registrar, province_officer, other_school_registrar
) -> None:
    record_semester_start(2022, date(2022, 9, 1), actor=registrar)
    page = login(province_officer).get("/school/semester-starts/?institution=10001").content.decode()
    assert "2022-09-01" in page
    assert "2022-10-01" in page
    assert "工作人员" in page  # who recorded it
    assert login(other_school_registrar).get("/school/semester-starts/?institution=10001").status_code == 404


def test_the_registrar_records_the_start_on_the_page(registrar) -> None:
    client = login(registrar)
    response = client.post(
        "/school/semester-starts/?institution=10001", {"academic_year": "2026", "starts_on": "2026-09-01"}
    )
    assert response.status_code == 302
    assert Institution.objects.get(code="10001").semester_starts.get().deadline == date(2026, 10, 1)
    refused = client.post(
        "/school/semester-starts/?institution=10001", {"academic_year": "2026", "starts_on": "2028-09-01"}
    )
    assert "开学日期不在该学年内" in refused.content.decode()


def _province_approver():
    from xuedang.conftest import _staff

    return _staff("province_registry", "province", "approver", province="11")
