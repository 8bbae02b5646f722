"""录取数据更正 (issue 14 item 3, 第十条): the school files a correction of one field of an admission
row with evidence; the province's approvers review it, the centre's approvers re-check it, and only
then the row changes — and the 学籍 registered from it, and a draft credential of that 学籍. The old
value stays on the correction and in the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.core import validators
from xuedang.core.audit import audit_log
from xuedang.institutions.access import APPROVING, memberships
from xuedang.institutions.models import Scope
from xuedang.registry.access import may_supervise
from xuedang.registry.models import (
    Admission,
    AdmissionCorrection,
    AdmissionCorrectionState,
    AdmissionReview,
    Gender,
)
from xuedang.registry.services.common import _check_major_code, _code_exists, _fail

ADMISSION_CORRECTABLE = {
    "name": "姓名 / name",
    "gender": "性别 / gender",
    "birth_date": "出生日期 / birth date",
    "ethnicity": "民族 / ethnicity",
    "major_code": "专业代码 / major code",
    "major_name": "专业名称 / major",
}
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_TYPES = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}


def _clean_value(admission: Admission, field: str, value: str) -> Any:
    value = value.strip()
    if field == "name":
        try:
            return validators.normalize_name(value)
        except ValidationError as error:  # the validator's own message, on the form's field
            raise _fail("new_value", error.messages[0]) from error
    if field == "gender":
        if value not in Gender.values:
            raise _fail("new_value", "性别代码无效 / not a gender code")
        return value
    if field == "birth_date":
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise _fail("new_value", "日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD") from error
    if field == "ethnicity" and not _code_exists("ethnicity", value):
        raise _fail("new_value", "民族代码无效 / not an ethnicity code")
    if field == "major_code":
        _check_major_code(admission.level, value)
    if not value or len(value) > 100:
        raise _fail("new_value", "新值不能为空且不超过 100 字 / the new value is required, at most 100 characters")
    return value


def _evidence_type(evidence: bytes) -> str:
    if not evidence or len(evidence) > EVIDENCE_MAX_BYTES:
        raise _fail("evidence", "证明材料须为 5 MB 以内的文件 / the evidence must be a file of at most 5 MB")
    for magic, kind in EVIDENCE_TYPES.items():
        if evidence.startswith(magic):
            return kind
    raise _fail("evidence", "证明材料须为 PDF、JPEG 或 PNG / the evidence must be a PDF, JPEG or PNG file")


@transaction.atomic
def admission_correction_file(
    *, actor: Any, admission: Admission, field: str, new_value: str, reason: str, evidence: bytes, evidence_name: str
) -> AdmissionCorrection:
    """The school's request (its door checked by the caller), for the province to review."""
    if admission.review != AdmissionReview.CENTRE_APPROVED:
        raise _fail("admission", "只能更正已复核的录取数据 / only reviewed admissions are corrected this way")
    if field not in ADMISSION_CORRECTABLE:
        raise _fail("field", "该字段不能更正 / this field cannot be corrected here")
    if not reason.strip():
        raise _fail("reason", "请说明更正理由 / the reason is required")
    value = _clean_value(admission, field, new_value)
    if value == getattr(admission, field):
        raise _fail("new_value", "新值与原值相同 / the new value equals the current one")
    if AdmissionCorrection.objects.filter(
        admission=admission,
        state__in=(AdmissionCorrectionState.PENDING_PROVINCE, AdmissionCorrectionState.PENDING_CENTRE),
    ).exists():
        raise _fail("admission", "该录取数据已有待审核的更正 / a correction of this admission is already open")
    correction = AdmissionCorrection.objects.create(
        admission=admission,
        institution=admission.institution,
        field=field,
        old_value=str(getattr(admission, field)),
        new_value=str(value),
        reason=reason.strip(),
        evidence=evidence,
        evidence_name=evidence_name[:200],
        evidence_type=_evidence_type(evidence),
        filed_by=actor,
    )
    audit_log(
        actor=actor,
        action="registry.admission_correction.filed",
        target=correction,
        before={field: correction.old_value},
        after={field: correction.new_value},
        reason=reason.strip(),
    )
    return correction


def admission_correction_step(actor: Any, correction: AdmissionCorrection) -> bool:
    """Whether the actor decides the correction's current step."""
    if correction.state == AdmissionCorrectionState.PENDING_PROVINCE:
        return (
            memberships(actor, APPROVING)
            .filter(scope=Scope.PROVINCE, province_code=correction.institution.province_code)
            .exists()
        )
    if correction.state == AdmissionCorrectionState.PENDING_CENTRE:
        return memberships(actor, APPROVING).filter(scope=Scope.CENTRE).exists()
    return False


@transaction.atomic
def admission_correction_decide(
    *, actor: Any, correction: AdmissionCorrection, approve: bool, note: str = ""
) -> AdmissionCorrection:
    """The province's step, then the centre's; the centre's approval applies the correction."""
    correction = AdmissionCorrection.objects.select_for_update().select_related("institution").get(pk=correction.pk)
    if not admission_correction_step(actor, correction) or not may_supervise(actor, correction.institution):
        raise _fail("correction", "该更正不在您的审核环节 / this correction is not at your step")
    if not approve and not note.strip():
        raise _fail("note", "不予通过须说明理由 / say why it is rejected")
    before = correction.state
    now = timezone.now()
    if before == AdmissionCorrectionState.PENDING_PROVINCE:
        correction.province_by, correction.province_at = actor, now
        correction.state = AdmissionCorrectionState.PENDING_CENTRE if approve else AdmissionCorrectionState.REJECTED
    else:
        correction.centre_by, correction.centre_at = actor, now
        correction.state = AdmissionCorrectionState.APPLIED if approve else AdmissionCorrectionState.REJECTED
    correction.decision_note = note.strip()
    correction.save()
    if correction.state == AdmissionCorrectionState.APPLIED:
        _apply(actor, correction)
    audit_log(
        actor=actor,
        action="registry.admission_correction.decided",
        target=correction,
        before={"state": before},
        after={"state": correction.state},
        reason=note.strip(),
        approved_by=actor if approve else None,
    )
    return correction


def _apply(actor: Any, correction: AdmissionCorrection) -> None:
    """The admission changes; so does the 学籍 registered from it, and its draft credential."""
    admission = Admission.objects.select_for_update().get(pk=correction.admission_id)
    value = _clean_value(admission, correction.field, correction.new_value)
    setattr(admission, correction.field, value)
    admission.save(update_fields=[correction.field])
    enrollment = getattr(admission, "enrollment", None)
    if enrollment is not None:
        setattr(enrollment, correction.field, value)
        enrollment.save(update_fields=[correction.field, "updated_at"])
        credential = getattr(enrollment, "credential", None)
        if credential is not None and credential.state == "draft":
            setattr(credential, correction.field, value)
            credential.save(update_fields=[correction.field, "updated_at"])
    audit_log(
        actor=actor,
        action="registry.admission.corrected",
        target=admission,
        before={correction.field: correction.old_value},
        after={correction.field: correction.new_value, "enrollment": enrollment.pk if enrollment else None},
        reason=correction.reason,
        approved_by=actor,
    )
