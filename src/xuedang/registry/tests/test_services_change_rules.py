"""Status changes mean what they say (issue 13 items 7 and 11): the code moves the state and
carries its fields; no credential for an enrollment that is not studying; 提前毕业 first."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from xuedang.conftest import login, make_enrollment, record_semester_start
from xuedang.core.models import AuditEntry
from xuedang.registry import services
from xuedang.registry.models import Credential, EnrollmentChange, EnrollmentState

pytestmark = pytest.mark.django_db


def change(enrollment, code: str, on: date = date(2023, 3, 1), **changes):
    return services.enrollment_change_record(
        actor=None,
        enrollment=enrollment,
        change_code=code,
        change_date=on,
        changes=changes,
        reason="学校决定",
        decision_number="校学〔2023〕7号",
        decision_date=date(2023, 2, 20),
    )


def test_suspension_and_return_move_the_state_and_keep_the_decision() -> None:
    enrollment = make_enrollment()
    suspended = change(enrollment, "11")
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.state_date) == (EnrollmentState.SUSPENDED, date(2023, 3, 1))
    assert (suspended.decision_number, suspended.decision_date) == ("校学〔2023〕7号", date(2023, 2, 20))
    change(enrollment, "12", date(2023, 9, 1))
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.REGISTERED
    audit = AuditEntry.objects.filter(action="registry.enrollment.changed").order_by("id")
    assert [entry.after["state"] for entry in audit] == ["suspended", "registered"]


def test_a_return_without_a_suspension_is_refused() -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        change(enrollment, "12")
    assert error.value.message_dict["change_code"][0].startswith("学籍状态为“注册学籍”，不能办理“复学”")
    assert not EnrollmentChange.objects.exists()


def test_a_change_of_major_needs_the_new_major_which_then_applies() -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        change(enrollment, "23")
    assert set(error.value.message_dict) == {"major_code", "major_name"}
    change(enrollment, "23", major_code="080717T", major_name="人工智能")
    enrollment.refresh_from_db()
    assert (enrollment.major_code, enrollment.major_name) == ("080717T", "人工智能")


def test_a_state_that_contradicts_the_code_is_refused() -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        change(enrollment, "11", state="registered")
    assert "state" in error.value.message_dict
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.REGISTERED


def test_every_change_needs_the_schools_decision_number() -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        services.enrollment_change_record(
            actor=None,
            enrollment=enrollment,
            change_code="11",
            change_date=date(2023, 3, 1),
            changes={},
            reason="疾病",
            decision_number=" ",
        )
    assert "decision_number" in error.value.message_dict


@pytest.mark.parametrize("code", ["31", "21", "62", "14"])
def test_cancellation_transfer_completion_and_admission_codes_are_not_plain_changes(code: str) -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        change(enrollment, code)
    assert error.value.error_dict["change_code"][0].code == "elsewhere"


def test_a_finished_enrollment_takes_no_more_changes() -> None:
    enrollment = make_enrollment()
    change(enrollment, "63")  # 肄业
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.LEFT
    with pytest.raises(ValidationError) as error:
        change(enrollment, "99")
    assert error.value.error_dict["enrollment"][0].code == "inactive"


def test_junior_college_to_bachelor_sets_the_level_and_only_applies_to_junior_college() -> None:
    bachelor = make_enrollment()
    with pytest.raises(ValidationError):
        change(bachelor, "24", major_code="080901", major_name="计算机", expected_graduation_date=date(2026, 7, 1))
    junior = make_enrollment(
        student_number="Z1", document_number="440304200306151232", name="张三", level="06", is_full_time=False
    )
    change(junior, "24", major_code="080901", major_name="计算机", expected_graduation_date=date(2026, 7, 1))
    junior.refresh_from_db()
    assert junior.level == "05"


@pytest.mark.parametrize("state", ["suspended", "reserved"])
def test_no_credential_for_a_student_on_suspension_or_reserve(state: str) -> None:
    enrollment = make_enrollment()
    change(enrollment, "11" if state == "suspended" else "19")
    with pytest.raises(ValidationError) as error:
        services.credential_register(actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1))
    assert error.value.error_dict["enrollment"][0].code == "wrong_state"
    assert not Credential.objects.exists()


def test_no_credential_for_a_withdrawn_enrollment() -> None:
    enrollment = make_enrollment()
    services.enrollment_cancel(
        actor=None,
        enrollment=enrollment,
        state="withdrawn",
        decision_date=date(2023, 3, 1),
        decision_number="校学〔2023〕3号",
        reason="退学",
        recorded_on=date(2023, 3, 2),
    )
    with pytest.raises(ValidationError) as error:
        services.credential_register(actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1))
    assert error.value.error_dict["enrollment"][0].code == "wrong_state"


def test_a_draft_is_not_published_once_its_student_went_on_suspension() -> None:
    enrollment = make_enrollment()
    credential = services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1)
    )
    change(enrollment, "11", date(2025, 3, 1))
    with pytest.raises(ValidationError) as error:
        services.credential_publish(actor=None, credential=credential, today=date(2025, 7, 2))
    assert error.value.error_dict["enrollment"][0].code == "wrong_state"


def test_an_early_credential_needs_early_graduation_first() -> None:
    enrollment = make_enrollment()  # expected to graduate 2025-07-01
    with pytest.raises(ValidationError) as error:
        services.credential_register(actor=None, enrollment=enrollment, kind="graduation", study_end=date(2024, 7, 1))
    assert error.value.error_dict["study_end"][0].code == "early"
    change(enrollment, "61", date(2024, 3, 1), expected_graduation_date=date(2024, 7, 1))
    credential = services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2024, 7, 1)
    )
    assert credential.study_end == date(2024, 7, 1)


def test_the_timeline_shows_changes_in_words(registrar) -> None:
    enrollment = make_enrollment()
    change(enrollment, "11")
    page = login(registrar).get(f"/school/enrollments/{enrollment.pk}/").content.decode()
    assert "学籍异动：休学" in page
    assert "学籍状态 → 休学" in page
    assert "文号 校学〔2023〕7号" in page
    assert "学籍异动 11" not in page


def test_the_change_form_offers_neither_graduation_nor_transfer_nor_a_typed_state(registrar) -> None:
    enrollment = make_enrollment()
    page = login(registrar).get(f"/school/enrollments/{enrollment.pk}/change/").content.decode()
    assert 'value="11"' in page
    for code in ("21", "22", "31", "62"):
        assert f'value="{code}"' not in page
    assert 'name="state"' not in page
    assert 'name="decision_number"' in page


def test_a_deferred_year_shows_as_the_enrollments_state_until_the_year_is_registered() -> None:
    enrollment = make_enrollment()
    for year in (2021, 2022, 2023):
        record_semester_start(year, date(year, 9, 1))
    services.annual_registration_record(
        actor=None,
        enrollment=enrollment,
        academic_year=2022,
        status="deferred",
        semester_start=date(2022, 9, 1),
        registered_on=date(2022, 9, 5),
    )
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.DEFERRED
    services.annual_registration_record(
        actor=None,
        enrollment=enrollment,
        academic_year=2021,  # an earlier year recorded late changes nothing
        status="registered",
        semester_start=date(2021, 9, 1),
        registered_on=date(2022, 9, 6),
    )
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.DEFERRED
    services.annual_registration_record(
        actor=None,
        enrollment=enrollment,
        academic_year=2023,
        status="registered",
        semester_start=date(2023, 9, 1),
        registered_on=date(2023, 9, 5),
    )
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.REGISTERED
