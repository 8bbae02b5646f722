"""录取数据更正 (issue 14 item 3, 第十条): a correction travels school → province → centre, keeps the
old value, and flows into the 学籍 registered from the admission."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from xuedang.conftest import login, make_reviewed_admission
from xuedang.core.models import AuditEntry
from xuedang.registry import services
from xuedang.registry.models import AdmissionCorrection
from xuedang.registry.tests.test_admissions import reviewer

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% evidence\n"


def _registered_admission():
    admission = make_reviewed_admission()
    enrollment = services.admission_confirm(
        actor=None,
        admission=admission,
        student_number="2026000001",
        entry_date=date(2026, 9, 1),
        length_years=Decimal(4),
        expected_graduation_date=date(2030, 7, 1),
    )
    return admission, enrollment


def test_a_correction_travels_school_province_centre_and_keeps_the_old_row(registrar) -> None:
    admission, enrollment = _registered_admission()
    response = login(registrar).post(
        f"/school/admissions/{admission.pk}/correct/",
        {
            "field": "major_name",
            "new_value": "数学与应用数学（师范）",
            "reason": "招生计划专业名称录入有误",
            "evidence": SimpleUploadedFile("plan.pdf", PDF),
        },
    )
    assert response.status_code == 302
    correction = AdmissionCorrection.objects.get()
    assert correction.state == "pending_province"
    admission.refresh_from_db()
    assert admission.major_name == "数学与应用数学"  # nothing changes before both reviews

    centre, province = reviewer("centre"), reviewer("province")
    with pytest.raises(ValidationError):  # the centre does not go first
        services.admission_correction_decide(actor=centre, correction=correction, approve=True)
    assert (
        login(registrar).post(f"/school/admission-corrections/{correction.pk}/", {"decision": "approve"}).status_code
        == 404
    )
    login(province).post(f"/school/admission-corrections/{correction.pk}/", {"decision": "approve"})
    correction.refresh_from_db()
    assert correction.state == "pending_centre"
    admission.refresh_from_db()
    assert admission.major_name == "数学与应用数学"

    page = login(centre).get(f"/school/admission-corrections/{correction.pk}/").content.decode()
    assert 'id="approve-button"' in page
    login(centre).post(f"/school/admission-corrections/{correction.pk}/", {"decision": "approve"})
    correction.refresh_from_db()
    admission.refresh_from_db()
    enrollment.refresh_from_db()
    assert correction.state == "applied"
    assert (correction.old_value, correction.new_value) == ("数学与应用数学", "数学与应用数学（师范）")
    assert admission.major_name == "数学与应用数学（师范）"
    assert enrollment.major_name == "数学与应用数学（师范）"  # flows into the 学籍
    entry = AuditEntry.objects.get(action="registry.admission.corrected")
    assert entry.before == {"major_name": "数学与应用数学"}
    assert entry.approved_by == centre


def test_a_rejection_needs_a_reason_and_changes_nothing(registrar) -> None:
    admission, _ = _registered_admission()
    correction = services.admission_correction_file(
        actor=registrar,
        admission=admission,
        field="name",
        new_value="吉吉",
        reason="姓名录入错误",
        evidence=PDF,
        evidence_name="a.pdf",
    )
    province = reviewer("province")
    with pytest.raises(ValidationError):
        services.admission_correction_decide(actor=province, correction=correction, approve=False)
    services.admission_correction_decide(actor=province, correction=correction, approve=False, note="证明材料不足")
    admission.refresh_from_db()
    correction.refresh_from_db()
    assert (correction.state, admission.name) == ("rejected", "吉𠮷")


def test_a_correction_needs_evidence_a_known_field_and_a_different_value(registrar) -> None:
    admission, _ = _registered_admission()
    base = {"actor": registrar, "admission": admission, "reason": "x", "evidence_name": "a"}
    with pytest.raises(ValidationError) as not_a_file:
        services.admission_correction_file(field="major_name", new_value="新", evidence=b"MZ\x90", **base)
    assert "PDF、JPEG 或 PNG" in not_a_file.value.messages[0]
    with pytest.raises(ValidationError):
        services.admission_correction_file(field="exam_number", new_value="1", evidence=PDF, **base)
    with pytest.raises(ValidationError) as control:  # the name validator's refusal lands on the field
        services.admission_correction_file(field="name", new_value="吉\x07", evidence=PDF, **base)
    assert "new_value" in control.value.message_dict
    with pytest.raises(ValidationError):
        services.admission_correction_file(field="major_name", new_value="数学与应用数学", evidence=PDF, **base)
    assert not AdmissionCorrection.objects.exists()


def test_another_school_cannot_see_or_file_corrections(registrar, other_school_registrar) -> None:
    admission, _ = _registered_admission()
    assert login(other_school_registrar).get(f"/school/admissions/{admission.pk}/correct/").status_code == 404
    correction = services.admission_correction_file(
        actor=registrar, admission=admission, field="gender", new_value="1", reason="x", evidence=PDF, evidence_name="a"
    )
    assert login(other_school_registrar).get(f"/school/admission-corrections/{correction.pk}/").status_code == 404
    assert login(registrar).get(f"/school/admission-corrections/{correction.pk}/evidence").content == PDF
