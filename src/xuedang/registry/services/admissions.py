"""录取: a school's answer to an admission — 新生学籍注册 from its data, or 放弃 / 保留 /
取消入学资格."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from xuedang.core.audit import audit_log
from xuedang.registry.models import Admission, AdmissionReview, AdmissionState, Enrollment, StudyForm
from xuedang.registry.services.common import _fail
from xuedang.registry.services.enrollments import Identity, enrollment_register

ADMISSION_OUTCOMES = {  # the school's answer to an admission, and its 学籍异动-style code
    AdmissionState.DECLINED: "放弃入学资格",
    AdmissionState.DEFERRED: "14",  # 保留入学资格
    AdmissionState.CANCELLED: "16",  # 取消入学资格
}


@transaction.atomic
def admission_confirm(
    *,
    actor: Any,
    admission: Admission,
    student_number: str,
    entry_date: date,
    length_years: Decimal,
    expected_graduation_date: date,
    department: str = "",
    class_name: str = "",
) -> Enrollment:
    """新生学籍注册 from 录取 data: the admission type and 预科 carry onto the 学籍."""
    admission = Admission.objects.select_for_update().select_related("institution").get(pk=admission.pk)
    if admission.review != AdmissionReview.CENTRE_APPROVED:
        raise _fail("review", "该录取数据尚未通过省级审核和中心复核 / this admission has not been reviewed yet")
    if admission.state not in (AdmissionState.ADMITTED, AdmissionState.DEFERRED):
        raise _fail(
            "state",
            f"该考生状态为“{admission.get_state_display()}”，不能注册学籍 / this admission "
            "cannot be registered in its current state",
        )
    identity = Identity(
        admission.name,
        admission.gender,
        admission.birth_date,
        admission.ethnicity,
        admission.document_type,
        admission.document_number,
    )
    enrollment = enrollment_register(
        actor=actor,
        institution=admission.institution,
        student_number=student_number,
        identity=identity,
        major_code=admission.major_code,
        major_name=admission.major_name,
        level=admission.level,
        study_form=admission.study_form,
        length_years=length_years,
        entry_date=entry_date,
        expected_graduation_date=expected_graduation_date,
        education_type=admission.education_type,
        is_full_time=admission.study_form == StudyForm.FULL_TIME,
        department=department,
        class_name=class_name,
        admission_type=admission.admission_type,
        preparatory=admission.preparatory,
        exam_number=admission.exam_number,
        reason=f"录取考生号 {admission.exam_number} / from admission",
    )
    enrollment.admission = admission
    enrollment.save(update_fields=["admission"])
    before = {"state": admission.state}
    admission.state = AdmissionState.REGISTERED
    admission.save(update_fields=["state"])
    audit_log(
        actor=actor,
        action="registry.admission.registered",
        target=admission,
        before=before,
        after={"state": admission.state, "enrollment": enrollment.pk},
    )
    return enrollment


@transaction.atomic
def admission_decline(*, actor: Any, admission: Admission, state: str, reason: str) -> Admission:
    """放弃 / 保留 / 取消入学资格, with the reason."""
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.review != AdmissionReview.CENTRE_APPROVED:
        raise _fail("review", "该录取数据尚未通过省级审核和中心复核 / this admission has not been reviewed yet")
    if state not in ADMISSION_OUTCOMES:
        raise _fail("state", "应为放弃、保留或取消入学资格 / choose declined, deferred or cancelled")
    if admission.state not in (AdmissionState.ADMITTED, AdmissionState.DEFERRED):
        raise _fail("state", "该考生已注册学籍或已处理 / this admission has already been handled")
    if not reason.strip():
        raise _fail("reason", "请填写原因 / the reason is required")
    before = {"state": admission.state}
    admission.state, admission.state_reason = state, reason.strip()
    admission.save(update_fields=["state", "state_reason"])
    audit_log(
        actor=actor,
        action="registry.admission.answered",
        target=admission,
        before=before,
        after={"state": state},
        reason=reason,
    )
    return admission
