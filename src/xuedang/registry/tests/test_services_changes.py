"""Cancellations with their working-day deadline, year changes and transfers."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from xuedang.conftest import make_enrollment
from xuedang.institutions.models import Institution
from xuedang.registry import services
from xuedang.registry.models import Enrollment, EnrollmentChange

pytestmark = pytest.mark.django_db


def _cancel(recorded_on: date, **kwargs) -> services.Cancellation:
    enrollment = make_enrollment(**kwargs)
    return services.enrollment_cancel(
        actor=None,
        enrollment=enrollment,
        state="withdrawn",
        decision_date=date(2024, 9, 27),
        reason="自动退学",
        recorded_on=recorded_on,
    )


def test_a_cancellation_15_working_days_after_the_decision_is_on_time() -> None:
    result = _cancel(date(2024, 10, 23))  # National Day 10-01..07 and the 调休 days counted
    assert result.deadline == date(2024, 10, 23)
    assert not result.late
    assert not result.estimated
    assert result.change.change_code == "31"
    assert not result.change.late
    assert Enrollment.objects.get().state == "withdrawn"


def test_a_cancellation_16_working_days_after_the_decision_is_flagged_late() -> None:
    result = _cancel(date(2024, 10, 24))
    assert result.late
    assert result.change.late


def test_a_year_without_a_published_calendar_is_an_estimate_not_an_error() -> None:
    enrollment = make_enrollment()
    result = services.enrollment_cancel(
        actor=None,
        enrollment=enrollment,
        state="deceased",
        decision_date=date(2026, 12, 28),
        reason="病故",
        recorded_on=date(2027, 1, 5),
    )
    assert result.estimated
    assert not result.late
    assert result.change.change_code == "51"


def test_only_active_enrollments_are_cancelled_and_only_with_a_cancellation_state() -> None:
    result = _cancel(date(2024, 10, 8))
    with pytest.raises(ValidationError):
        services.enrollment_cancel(
            actor=None,
            enrollment=result.change.enrollment,
            state="expelled",
            decision_date=date(2024, 10, 8),
            reason="x",
            recorded_on=date(2024, 10, 9),
        )
    other = make_enrollment(school="10246", student_number="F7")
    with pytest.raises(ValidationError):
        services.enrollment_cancel(
            actor=None,
            enrollment=other,
            state="graduated",
            decision_date=date(2024, 10, 8),
            reason="x",
            recorded_on=date(2024, 10, 9),
        )


def test_a_credit_system_school_refuses_repeating_a_year() -> None:
    enrollment = make_enrollment()
    Institution.objects.filter(pk=enrollment.institution_id).update(credit_system=True)
    with pytest.raises(ValidationError) as error:
        services.enrollment_change_record(
            actor=None,
            enrollment=enrollment,
            change_code="02",
            change_date=date(2023, 9, 1),
            changes={"expected_graduation_date": date(2026, 7, 1)},
            reason="留级",
            decision_number="校〔2022〕1号",
        )
    assert error.value.message_dict["change_code"][0].startswith("学分制学校")
    Institution.objects.filter(pk=enrollment.institution_id).update(credit_system=False)
    change = services.enrollment_change_record(
        actor=None,
        enrollment=enrollment,
        change_code="02",
        change_date=date(2023, 9, 1),
        changes={"expected_graduation_date": date(2026, 7, 1)},
        reason="留级",
        decision_number="校〔2022〕1号",
    )
    assert change.before == {"expected_graduation_date": "2025-07-01"}


def test_a_transfer_records_both_sides_and_keeps_the_history_continuous() -> None:
    source = make_enrollment()
    fudan = Institution.objects.get(code="10246")
    target = services.enrollment_transfer(
        actor=None,
        enrollment=source,
        to_institution=fudan,
        student_number="22300001",
        transfer_date=date(2022, 9, 1),
        reason="转学",
    )
    source.refresh_from_db()
    assert source.state == "transferred_out"
    assert target.state == "registered"
    assert target.identity_digest == source.identity_digest
    assert target.name == source.name
    out = EnrollmentChange.objects.get(enrollment=source, change_code="21")
    into = EnrollmentChange.objects.get(enrollment=target, change_code="22")
    assert out.counterpart == target
    assert into.counterpart == source
    assert into.before == {"institution": "10001", "student_number": "2001001"}


def test_rewards_penalties_and_study_certificates_are_recorded_and_audited() -> None:
    from xuedang.core.models import AuditEntry

    enrollment = make_enrollment()
    note = services.enrollment_note_add(
        actor=None,
        enrollment=enrollment,
        kind="reward",
        title="国家奖学金",
        decided_on=date(2022, 11, 1),
        decision_number="教财〔2022〕1号",
    )
    assert note.kind == "reward"
    assert enrollment.notes.count() == 1
    assert AuditEntry.objects.filter(action="registry.enrollment.reward").exists()
    with pytest.raises(ValidationError):
        services.enrollment_note_add(
            actor=None, enrollment=enrollment, kind="penalty", title="x", decided_on=date(2019, 1, 1)
        )


def test_due_complete_credentials_are_published_together() -> None:
    import io

    from PIL import Image

    from xuedang.institutions.services import president_appoint

    first = make_enrollment()
    president_appoint(institution=first.institution, name="龚旗煌", start_date=date(2022, 6, 1))
    second = make_enrollment(student_number="S2", document_number="440304200306151232", name="张三")
    out = io.BytesIO()
    Image.new("RGB", (480, 640), (67, 142, 219)).save(out, format="JPEG")
    photo = services.photo_register(actor=None, enrollment=first, purpose="graduation", image=out.getvalue())
    services.credential_register(
        actor=None, enrollment=first, kind="graduation", study_end=date(2025, 7, 1), photo=photo
    )
    services.credential_register(actor=None, enrollment=second, kind="graduation", study_end=date(2025, 7, 1))
    assert services.credentials_publish_due(actor=None, institution=first.institution, today=date(2025, 6, 30)) == (
        0,
        0,
    )
    assert services.credentials_publish_due(actor=None, institution=first.institution, today=date(2025, 7, 1)) == (1, 1)
