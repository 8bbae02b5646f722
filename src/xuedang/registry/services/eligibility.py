"""资格复查 (issue 14 item 2, 第七条/第八条): a new student is registered against a reviewed 录取 row —
考生号, ID and name must all match one the centre re-checked — or, for the students this registry
holds no 录取 for (decision 0026), against the province's approval of an exception."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from xuedang.core import validators
from xuedang.core.audit import audit_log
from xuedang.core.models import DocumentType
from xuedang.institutions.models import Institution
from xuedang.registry.access import may_supervise
from xuedang.registry.models import (
    Admission,
    AdmissionReview,
    AdmissionState,
    EligibilityWaiver,
    Enrollment,
    Level,
    WaiverCategory,
    WaiverState,
)
from xuedang.registry.services.admissions import admission_confirm
from xuedang.registry.services.common import _check_choice, _fail
from xuedang.registry.services.enrollments import Identity, enrollment_register

NO_ADMISSION = (
    "未找到考生号、证件号码和姓名均一致且已通过中心复核的录取数据（资格复查）/ no admission re-checked by the "
    "centre matches this candidate number, ID and name"
)


def waiver_category(*, level: str, document_type: str) -> str:
    """The decision-0026 kind of student that has no 录取 row here ("" for everyone else)."""
    if level in (Level.DOCTORATE, Level.MASTER):
        return WaiverCategory.GRADUATE
    if document_type != DocumentType.RESIDENT_ID:
        return WaiverCategory.HKMT_INTERNATIONAL
    return ""


def _matching_admission(institution: Institution, exam_number: str, identity: Identity) -> Admission:
    admission = (
        Admission.objects.select_for_update()
        .filter(institution=institution, exam_number=exam_number.strip(), review=AdmissionReview.CENTRE_APPROVED)
        .first()
    )
    if admission is None or not exam_number.strip():
        raise _fail("exam_number", NO_ADMISSION)
    if admission.identity_digest != identity.digest:
        raise _fail(
            "document_number", "证件号码与该考生号的录取数据不一致 / the ID differs from this candidate's admission"
        )
    if validators.normalize_name(admission.name) != validators.normalize_name(identity.name):
        raise _fail("name", "姓名与该考生号的录取数据不一致 / the name differs from this candidate's admission")
    if admission.state not in (AdmissionState.ADMITTED, AdmissionState.DEFERRED):
        raise _fail(
            "exam_number", "该考生的录取已注册或已处理 / this admission has already been registered or answered"
        )
    return admission


@transaction.atomic
def new_student_register(
    *,
    actor: Any,
    institution: Institution,
    exam_number: str,
    identity: Identity,
    student_number: str,
    major_code: str,
    major_name: str,
    level: str,
    study_form: str,
    length_years: Decimal,
    entry_date: date,
    expected_graduation_date: date,
    is_full_time: bool = True,
    department: str = "",
    class_name: str = "",
    admission_type: str = "",
) -> Enrollment:
    """新生学籍注册 with 资格复查: a province-approved exception first, else the matching 录取."""
    waiver = (
        EligibilityWaiver.objects.select_for_update()
        .filter(institution=institution, identity_digest=identity.digest, state=WaiverState.APPROVED)
        .filter(enrollment__isnull=True)
        .first()
    )
    if waiver is not None:
        enrollment = enrollment_register(
            actor=actor,
            institution=institution,
            student_number=student_number,
            identity=identity,
            major_code=major_code,
            major_name=major_name,
            level=level,
            study_form=study_form,
            length_years=length_years,
            entry_date=entry_date,
            expected_graduation_date=expected_graduation_date,
            is_full_time=is_full_time,
            department=department,
            class_name=class_name,
            admission_type=admission_type,
            exam_number=exam_number.strip(),
            reason=f"资格复查例外 #{waiver.pk} / eligibility waiver",
        )
        waiver.enrollment = enrollment
        waiver.save(update_fields=["enrollment"])
        return enrollment
    if waiver_category(level=level, document_type=identity.document_type):
        raise _fail(
            "exam_number",
            "该类学生没有省级录取数据，须先经省级教育行政部门批准资格复查例外 / this kind of student has no "
            "province admission here: the province must approve an exception first",
        )
    admission = _matching_admission(institution, exam_number, identity)
    if (admission.major_code, admission.level) != (major_code, level):
        raise _fail("major_code", "专业或层次与录取数据不一致 / the major or level differs from the admission")
    return admission_confirm(
        actor=actor,
        admission=admission,
        student_number=student_number,
        entry_date=entry_date,
        length_years=length_years,
        expected_graduation_date=expected_graduation_date,
        department=department,
        class_name=class_name,
    )


@transaction.atomic
def eligibility_waiver_file(
    *, actor: Any, institution: Institution, category: str, identity: Identity, reason: str
) -> EligibilityWaiver:
    """The school asks its province to allow one student without 录取 (decision 0026)."""
    _check_choice("category", category, WaiverCategory, "类别")
    if not reason.strip():
        raise _fail("reason", "请说明理由 / the reason is required")
    waiver = EligibilityWaiver.objects.create(
        institution=institution,
        category=category,
        name=identity.name,
        document_type=identity.document_type,
        document_number=identity.document_number,
        identity_digest=identity.digest,
        reason=reason.strip(),
        filed_by=actor,
    )
    audit_log(
        actor=actor,
        action="registry.eligibility_waiver.filed",
        target=waiver,
        after={"category": category, "document_number": identity.document_number, "institution": institution.code},
        reason=reason.strip(),
    )
    return waiver


@transaction.atomic
def eligibility_waiver_decide(
    *, actor: Any, waiver: EligibilityWaiver, approve: bool, note: str = ""
) -> EligibilityWaiver:
    """The province's approvers decide; once."""
    waiver = EligibilityWaiver.objects.select_for_update().select_related("institution").get(pk=waiver.pk)
    if not may_supervise(actor, waiver.institution):
        raise _fail("waiver", "只有本省教育行政部门可以审批 / only the institution's province decides")
    if waiver.state != WaiverState.PENDING:
        raise _fail("waiver", "该申请已审批 / this request has already been decided")
    if not approve and not note.strip():
        raise _fail("note", "不予批准须说明理由 / say why it is rejected")
    waiver.state = WaiverState.APPROVED if approve else WaiverState.REJECTED
    waiver.decided_by, waiver.decided_at, waiver.decision_note = actor, timezone.now(), note.strip()
    waiver.save()
    audit_log(
        actor=actor,
        action="registry.eligibility_waiver.decided",
        target=waiver,
        before={"state": WaiverState.PENDING},
        after={"state": waiver.state},
        reason=note.strip(),
        approved_by=actor if approve else None,
    )
    return waiver
