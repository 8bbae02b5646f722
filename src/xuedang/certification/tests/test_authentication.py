"""学历认证 (decision 0030): 申请 → 受理 → 学校核查 → 认证通过; 不予认证 with reasons; the decision
deadline in working days across a holiday; scans re-encoded without EXIF; the progress page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from xuedang.certification.authentication import (
    application_accept,
    application_decide,
    application_submit,
    school_check_answer,
    school_check_request,
)
from xuedang.certification.models import ApplicationState, PaymentState, Scan
from xuedang.conftest import _staff, login
from xuedang.core.audit import AuditEntry
from xuedang.core.models import HolidayCalendarDay
from xuedang.institutions.models import Institution

pytestmark = pytest.mark.django_db


def scan_bytes(kind: str = "JPEG") -> bytes:
    image = Image.new("RGB", (800, 600), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "GeoTagger 1.0"  # Software
    out = io.BytesIO()
    image.save(out, kind, **({"exif": exif} if kind == "JPEG" else {}))
    return out.getvalue()


SCANS = {"certificate": scan_bytes(), "id_card": scan_bytes("PNG")}


@pytest.fixture
def reviewer(db):
    return _staff("centre_reviewer", "centre", "approver")


def apply(student, **overrides):
    fields = dict(
        scans=SCANS,
        report_zh=True,
        report_en=True,
        institution=Institution.objects.get(code="10001"),
        certificate_number="NO.00100001",
        graduation_year=1988,
        level="05",
        major_name="物理学",
    )
    return application_submit(applicant=student, **(fields | overrides))


def test_a_described_credential_goes_from_application_to_authenticated(student, reviewer, registrar) -> None:
    application = apply(student)
    assert application.payment_state == PaymentState.NOT_REQUIRED  # fee 0 skips payment
    application_accept(actor=reviewer, application=application, today=date(2025, 3, 3))
    application.refresh_from_db()
    assert application.state == ApplicationState.ACCEPTED
    with pytest.raises(ValidationError):  # neither the registry nor the school has confirmed it yet
        application_decide(actor=reviewer, application=application, approve=True)
    check = school_check_request(actor=reviewer, application=application, today=date(2025, 3, 3))
    application.refresh_from_db()
    assert application.state == ApplicationState.SCHOOL_CHECK
    school_check_answer(actor=registrar, check=check, confirm=True, evidence="1988 届毕业生名册第 12 页")
    application_decide(actor=reviewer, application=application, approve=True)
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    steps = [step.state for step in application.steps.all()]
    assert steps == ["submitted", "accepted", "school_check", "accepted", "approved"]
    assert AuditEntry.objects.filter(action__startswith="certification.").count() == 5
    page = login(student).get(f"/certification/{application.pk}/").content.decode()
    assert 'data-state="approved"' in page
    assert "已受理" in page


def test_a_second_application_is_refused_with_its_reasons_shown_to_the_applicant(student, reviewer) -> None:
    application = apply(student)
    application_accept(actor=reviewer, application=application)
    with pytest.raises(ValidationError):
        application_decide(actor=reviewer, application=application, approve=False, reasons="  ")
    application_decide(
        actor=reviewer, application=application, approve=False, reasons="学校查无此人 / no such graduate"
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.REFUSED
    page = login(student).get(f"/certification/{application.pk}/").content.decode()
    assert 'id="refusal-reasons"' in page
    assert "学校查无此人" in page


def test_the_decision_deadline_counts_working_days_across_a_holiday(student, reviewer) -> None:
    for day in range(1, 8):  # a week of national holiday, 2031-10-01 … 07, and one make-up Saturday
        HolidayCalendarDay.objects.update_or_create(date=date(2031, 10, day), defaults={"is_workday": False})
    HolidayCalendarDay.objects.update_or_create(date=date(2031, 10, 11), defaults={"is_workday": True})
    application = apply(student)
    application_accept(actor=reviewer, application=application, today=date(2031, 9, 26))  # a Friday
    application.refresh_from_db()
    # 20 working days: Sep 29, 30; Oct 8, 9, 10, 11 (Sat, make-up); 13–17; 20–24; 27–30 → Oct 30
    # (Monday to Friday alone would give Oct 24)
    assert application.decision_due == date(2031, 10, 30)
    assert not application.decision_due_estimated


def test_scans_are_re_encoded_without_their_metadata_and_bounded(student) -> None:
    application = apply(student)
    certificate = application.scans.get(kind=Scan.Kind.CERTIFICATE)
    stored = Image.open(io.BytesIO(bytes(certificate.image)))
    assert not stored.getexif()
    assert b"PhoneMaker" not in bytes(certificate.image)
    with pytest.raises(ValidationError):
        apply(student, scans={"certificate": b"%PDF-1.4 not an image", "id_card": SCANS["id_card"]})
    with pytest.raises(ValidationError):
        apply(student, scans={"certificate": b"\xff\xd8" + b"0" * (2 * 1024 * 1024 + 1), "id_card": SCANS["id_card"]})


def test_only_a_checked_identity_applies_and_only_for_its_own_credential(student, other_student) -> None:
    other_student.identity_checked_at = None
    other_student.save(update_fields=["identity_checked_at"])
    with pytest.raises(ValidationError):
        apply(other_student)
    with pytest.raises(ValidationError):
        apply(student, report_zh=False, report_en=False)


def test_a_fee_goes_through_the_development_backend_labelled_not_paid_and_blocks_acceptance(
    student, reviewer, settings
) -> None:
    settings.CERTIFICATION_FEE = "365"
    application = apply(student)
    assert application.payment_state == PaymentState.DEVELOPMENT_UNPAID
    assert application.payment_reference.startswith("DEV-")
    with pytest.raises(ValidationError, match="未付"):
        application_accept(actor=reviewer, application=application)
    assert "未付款（开发环境" in login(student).get(f"/certification/{application.pk}/").content.decode()


def test_nobody_else_sees_an_application(student, other_student, reviewer) -> None:
    application = apply(student)
    assert login(other_student).get(f"/certification/{application.pk}/").status_code == 404
    assert login(reviewer).get(f"/certification/{application.pk}/").status_code == 404
