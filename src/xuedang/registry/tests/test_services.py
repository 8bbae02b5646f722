"""The rules of the 办法 as the registry enforces them, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from PIL import Image

from xuedang.conftest import make_enrollment, record_semester_start
from xuedang.core.models import AuditEntry
from xuedang.registry import services
from xuedang.registry.models import Credential, CredentialState, Enrollment, EnrollmentState, Photo

pytestmark = pytest.mark.django_db

OTHER_ID = "310104199909094569"


def _photo_bytes(size=(480, 640), fmt="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (67, 142, 219)).save(out, format=fmt)
    return out.getvalue()


def _graduate(enrollment: Enrollment, **kwargs) -> Credential:
    photo = services.photo_register(actor=None, enrollment=enrollment, purpose="graduation", image=_photo_bytes())
    return services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1), photo=photo, **kwargs
    )


def test_it_rejects_a_second_full_time_enrollment_with_a_clear_message() -> None:
    make_enrollment()
    with pytest.raises(ValidationError) as error:
        make_enrollment(school="10246", student_number="F1")
    assert error.value.message_dict["document_number"][0].startswith("该学生已有在籍的普通全日制学籍")
    assert Enrollment.objects.count() == 1


def test_the_database_refuses_a_second_active_full_time_enrollment_too() -> None:
    first = make_enrollment()
    clone = Enrollment.objects.get(pk=first.pk)
    clone.pk, clone.student_number = None, "RACE-2"
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_a_part_time_or_finished_enrollment_does_not_block_a_new_one() -> None:
    make_enrollment(is_full_time=False, study_form="2", student_number="P1")
    first = make_enrollment(student_number="F1")
    services.enrollment_cancel(
        actor=None,
        enrollment=first,
        state="withdrawn",
        decision_date=date(2023, 3, 1),
        decision_number="校学〔2023〕3号",
        reason="自动退学 / withdrew",
        recorded_on=date(2023, 3, 2),
    )
    again = make_enrollment(school="10246", student_number="F2")
    assert again.state == EnrollmentState.REGISTERED


def test_returning_to_school_is_refused_while_another_full_time_enrollment_is_active() -> None:
    first = make_enrollment()
    services.enrollment_cancel(
        actor=None,
        enrollment=first,
        state="withdrawn",
        decision_date=date(2023, 3, 1),
        decision_number="校学〔2023〕3号",
        reason="退学",
        recorded_on=date(2023, 3, 2),
    )
    make_enrollment(school="10246", student_number="F2")
    with pytest.raises(ValidationError):
        services.enrollment_change_record(
            actor=None,
            enrollment=first,
            change_code="17",
            change_date=date(2023, 9, 1),
            changes={"state": "registered"},
            reason="恢复学籍",
            decision_number="校〔2022〕1号",
        )
    first.refresh_from_db()
    assert first.state == "withdrawn"


def test_student_numbers_are_unique_within_a_school() -> None:
    make_enrollment(student_number="S1")
    with pytest.raises(ValidationError) as error:
        make_enrollment(student_number="S1", document_number=OTHER_ID, name="王五")
    assert "student_number" in error.value.message_dict


def test_an_identity_that_contradicts_its_id_number_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        services.identity_validate(
            name="王五",
            gender="2",
            birth_date=date(2000, 1, 1),
            ethnicity="01",
            document_type="resident_id",
            document_number=OTHER_ID,
        )
    assert set(error.value.message_dict) == {"birth_date"}


def test_a_change_keeps_the_values_before_it_and_is_audited() -> None:
    enrollment = make_enrollment()
    change = services.enrollment_change_record(
        actor=None,
        enrollment=enrollment,
        change_code="23",
        change_date=date(2022, 9, 1),
        changes={"major_code": "080717T", "major_name": "人工智能"},
        reason="转专业",
        decision_number="校〔2022〕1号",
    )
    assert change.before == {"major_code": "080901", "major_name": "计算机科学与技术"}
    assert change.after == {"major_code": "080717T", "major_name": "人工智能"}
    entry = AuditEntry.objects.filter(action="registry.enrollment.changed").get()
    assert entry.before["major_name"] == "计算机科学与技术"


def test_an_unknown_change_code_is_refused() -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        services.enrollment_change_record(
            actor=None,
            enrollment=enrollment,
            change_code="00",
            change_date=date(2022, 9, 1),
            changes={},
            reason="x",
            decision_number="校〔2022〕1号",
        )
    assert "change_code" in error.value.message_dict


def test_annual_registration_is_late_after_one_month_and_only_once_a_year() -> None:
    enrollment = make_enrollment()
    record_semester_start(2022, date(2022, 8, 31))
    record_semester_start(2023, date(2023, 9, 4))
    on_time = services.annual_registration_record(
        actor=None,
        enrollment=enrollment,
        academic_year=2022,
        status="registered",
        semester_start=date(2022, 8, 31),
        registered_on=date(2022, 9, 30),
    )
    assert on_time.deadline == date(2022, 9, 30)
    assert not on_time.late
    late = services.annual_registration_record(
        actor=None,
        enrollment=enrollment,
        academic_year=2023,
        status="registered",
        semester_start=date(2023, 9, 4),
        registered_on=date(2023, 10, 5),
    )
    assert late.late
    with pytest.raises(ValidationError):
        services.annual_registration_record(
            actor=None,
            enrollment=enrollment,
            academic_year=2023,
            status="deferred",
            semester_start=date(2023, 9, 4),
            registered_on=date(2023, 10, 6),
        )


def test_a_credential_gets_an_official_number_and_one_per_enrollment() -> None:
    enrollment = make_enrollment()
    credential = _graduate(enrollment)
    assert credential.certificate_number == "100011202505000001"
    assert credential.name == "吉𠮷"
    with pytest.raises(ValidationError) as error:
        _graduate(Enrollment.objects.get(pk=enrollment.pk))
    assert error.value.message_dict["enrollment"][0].startswith("该学籍已注册学历")


def test_the_database_refuses_a_second_credential_and_a_reused_number() -> None:
    credential = _graduate(make_enrollment())
    twin = Credential.objects.get(pk=credential.pk)
    twin.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()  # same enrollment
    other = make_enrollment(school="10246", student_number="F9", document_number=OTHER_ID, name="王五")
    twin.enrollment = other
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()  # same certificate number


def test_a_supplied_number_must_belong_to_the_school_and_year() -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        _graduate(enrollment, certificate_number="100031202505000001")
    assert "certificate_number" in error.value.message_dict
    assert _graduate(enrollment, certificate_number="100011202505001223").certificate_number.endswith("1223")


def test_an_incomplete_credential_stays_unpublished_and_names_what_is_missing() -> None:
    enrollment = make_enrollment()
    credential = services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1)
    )
    with pytest.raises(ValidationError) as error:
        services.credential_publish(actor=None, credential=credential, today=date(2025, 7, 1))
    message = error.value.message_dict["state"][0]
    assert "照片" in message
    assert "校（院）长姓名" in message
    credential.refresh_from_db()
    assert credential.state == CredentialState.DRAFT


def test_publication_waits_for_the_issue_date_then_freezes_the_credential() -> None:
    from xuedang.institutions.services import president_appoint

    enrollment = make_enrollment()
    president_appoint(institution=enrollment.institution, name="龚旗煌", start_date=date(2022, 10, 1))
    credential = _graduate(enrollment)
    assert credential.president_name == "龚旗煌"
    with pytest.raises(ValidationError):
        services.credential_publish(actor=None, credential=credential, today=date(2025, 6, 30))
    services.credential_publish(actor=None, credential=credential, today=date(2025, 7, 1))
    enrollment.refresh_from_db()
    assert enrollment.state == EnrollmentState.GRADUATED
    with pytest.raises(ValidationError) as error:
        services.credential_update(actor=None, credential=credential, changes={"major_name": "x"}, reason="改")
    assert error.value.message_dict["state"][0].startswith("学历已发布")
    noted = services.credential_annotate(
        actor=None, credential=credential, reason="遗失补办", lost_certificate_note="2026-03-01 出具学历证明书"
    )
    assert noted.lost_certificate_note.startswith("2026")


def test_photos_must_be_480_by_640_jpeg_within_40_kb() -> None:
    enrollment = make_enrollment()
    for image, word in (
        (_photo_bytes((400, 600)), "480×640"),
        (_photo_bytes(fmt="PNG"), "JPEG"),
        (b"not an image", "无法识别"),
        (b"\xff" * 50_000, "40 KB"),
    ):
        with pytest.raises(ValidationError) as error:
            services.photo_register(actor=None, enrollment=enrollment, purpose="graduation", image=image)
        assert word in error.value.message_dict["image"][0]
    assert not Photo.objects.exists()
