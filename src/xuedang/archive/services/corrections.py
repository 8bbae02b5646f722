"""Corrections (纠错): a student flags one field of one of their records; the school accepts,
rejects or forwards it; the province decides what 第十九条 reserves to it; an accepted value is
written on the record with its audit history (and carried to the linked record for identity)."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.urls import reverse

from xuedang.accounts.notify import notify
from xuedang.archive.models import CORRECTABLE, IDENTITY_FIELDS, Correction, CorrectionState, CorrectionStep
from xuedang.archive.services.common import _fail
from xuedang.archive.services.evidence import evidence_check_into
from xuedang.core import codetables, crypto, validators
from xuedang.core.audit import audit_log
from xuedang.institutions.selectors import staff_label
from xuedang.registry.models import Credential, CredentialState, Enrollment, Gender


def _record_kind(record: Model) -> str:
    return "credential" if isinstance(record, Credential) else "enrollment"


def _parse_value(kind: str, raw: str) -> Any:
    value = raw.strip()
    if not value:
        raise _fail("new_value", "请填写正确的值 / give the correct value", "required")
    if kind == "date":
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise _fail("new_value", "日期格式应为 YYYY-MM-DD / a date is written YYYY-MM-DD") from error
    if kind == "gender":
        if value not in Gender.values:
            raise _fail("new_value", "性别应为 1（男）或 2（女）等代码 / gender must be a GB/T 2261.1 code")
        return value
    if kind == "ethnicity":
        if value not in dict(codetables.code_choices("ethnicity")):
            raise _fail("new_value", f"民族代码“{value[:10]}”无效 / unknown ethnicity code")
        return value
    try:
        if kind == "name":
            return validators.normalize_name(value)
        if kind == "resident_id":
            return validators.normalize_resident_id(value)
    except ValidationError as error:
        raise ValidationError({"new_value": error.messages}) from error
    if len(value) > 100:
        raise _fail("new_value", "不超过 100 个字符 / at most 100 characters")
    return value


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def correction_needs_province(correction: Correction) -> bool:
    """第十九条: after publication only with provincial approval; identity always goes up."""
    if correction.field in IDENTITY_FIELDS:
        return True
    return correction.credential is not None and correction.credential.state != CredentialState.DRAFT


@transaction.atomic
def correction_file(
    *,
    user: Any,
    record: Enrollment | Credential,
    field: str,
    new_value: str,
    reason: str,
    evidence: bytes,
    evidence_name: str,
) -> Correction:
    """纠错 — the student flags one field of one of their records (the caller's door checked it is theirs)."""
    fields = CORRECTABLE[_record_kind(record)]
    if field not in fields:
        raise _fail("field", "该字段不能在此申请更正 / this field cannot be corrected here")
    value = _parse_value(fields[field][1], new_value)
    errors: dict[str, list[str]] = {}
    if _as_text(value) == _as_text(getattr(record, field)):
        errors["new_value"] = ["与现有值相同 / this is the value already registered"]
    if not reason.strip():
        errors["reason"] = ["请说明理由 / give the reason"]
    evidence, content_type = evidence_check_into(errors, evidence, evidence_name)
    if errors:
        raise ValidationError(errors)
    kind = _record_kind(record)
    if Correction.objects.filter(
        **{kind: record}, field=field, state__in=[CorrectionState.SCHOOL, CorrectionState.PROVINCE]
    ).exists():
        raise _fail("field", "该字段已有一个处理中的更正申请 / a request for this field is already open", "duplicate")
    correction = Correction(
        user=user,
        institution_id=record.institution_id,
        field=field,
        old_value=_as_text(getattr(record, field)),
        new_value=_as_text(value),
        reason=reason.strip(),
        evidence=evidence,
        evidence_type=content_type,
        evidence_name=evidence_name[:200],
        evidence_sha256=hashlib.sha256(evidence).hexdigest(),
        **{kind: record},
    )
    correction.needs_province = correction_needs_province(correction)
    correction.save()
    _step(correction, actor=user, action="filed", note=reason.strip())
    notify(
        user=user,
        text=f"纠错申请 #{correction.pk} 已提交，等待学校审核 / correction filed, with the school",
        url=reverse("archive:correction_detail", args=[correction.pk]),
    )
    return correction


def _step(correction: Correction, *, actor: Any, action: str, note: str = "", approved_by: Any = None) -> None:
    label = "学生本人 / the student" if actor == correction.user else staff_label(actor)
    CorrectionStep.objects.create(correction=correction, action=action, actor=actor, actor_label=label, note=note)
    audit_log(
        actor=actor,
        action=f"archive.correction.{action}",
        target=correction,
        after={"state": correction.state, "field": correction.field},
        reason=note,
        approved_by=approved_by,
    )


def _locked(correction: Correction, expected: str) -> Correction:
    """The request row locked for this transaction, still in `expected` state: of two officers
    acting at once, the second waits for the first's commit, then finds the state moved on."""
    locked = Correction.objects.select_for_update().get(pk=correction.pk)
    if locked.state != expected:
        raise _fail(
            "__all__",
            f"该申请已被处理（当前状态：{locked.get_state_display()}）/ this request has already been handled",
            "decided",
        )
    return locked


SCHOOL_DECISIONS = ("accept", "reject", "forward")


@transaction.atomic
def correction_school_review(*, actor: Any, correction: Correction, decision: str, note: str = "") -> Correction:
    """The school: accept (applied at once when the province is not needed), reject with a reason,
    or forward to the province."""
    if decision not in SCHOOL_DECISIONS:
        raise _fail("decision", "请选择处理方式 / choose a decision")
    correction = _locked(correction, CorrectionState.SCHOOL)
    if decision == "reject" and not note.strip():
        raise _fail("note", "请填写不予更正的理由 / give the reason for rejecting")
    if decision == "accept" and correction_needs_province(correction):
        raise _fail(
            "decision",
            "该更正涉及身份信息或已发布的学历，须报省级教育行政部门审核 / this change touches "
            "identity or a published credential: forward it to the province (第十九条)",
            "province",
        )
    if decision == "accept":
        _apply(correction, actor=actor, approved_by=None, note=note)
    elif decision == "reject":
        _finish(
            correction,
            actor=actor,
            state=CorrectionState.REJECTED,
            action="school_rejected",
            note=note,
            text="学校未同意更正 / the school rejected the correction",
        )
    else:
        correction.needs_province = True  # the province's queue lists what was sent to it
        _finish(
            correction,
            actor=actor,
            state=CorrectionState.PROVINCE,
            action="forwarded",
            note=note,
            text="学校已报省级教育行政部门审核 / forwarded to the province",
        )
    return correction


@transaction.atomic
def correction_province_decide(*, actor: Any, correction: Correction, approve: bool, note: str = "") -> Correction:
    """The province approves (applied at once) or rejects a forwarded correction."""
    correction = _locked(correction, CorrectionState.PROVINCE)
    if not approve and not note.strip():
        raise _fail("note", "请填写不予批准的理由 / give the reason for rejecting")
    if approve:
        _apply(correction, actor=actor, approved_by=actor, note=note)
    else:
        _finish(
            correction,
            actor=actor,
            state=CorrectionState.REJECTED,
            action="province_rejected",
            note=note,
            text="省级教育行政部门未批准更正 / the province rejected the correction",
        )
    return correction


def _finish(
    correction: Correction, *, actor: Any, state: str, action: str, note: str, text: str, approved_by: Any = None
) -> None:
    correction.state = state
    correction.save(update_fields=["state", "needs_province", "updated_at"])
    _step(correction, actor=actor, action=action, note=note.strip(), approved_by=approved_by)
    notify(
        user=correction.user,
        text=f"纠错申请 #{correction.pk}：{text}",
        url=reverse("archive:correction_detail", args=[correction.pk]),
    )


def _apply(correction: Correction, *, actor: Any, approved_by: Any, note: str) -> None:
    """Write the new value on the record, keeping the old one in its audit history."""
    model = Credential if correction.credential_id else Enrollment
    pk = correction.credential_id or correction.enrollment_id
    assert pk is not None  # correction_one_record: exactly one of the two is set
    record = model.objects.select_for_update().get(pk=pk)
    value = _parse_value(CORRECTABLE[_record_kind(record)][correction.field][1], correction.new_value)
    _write_corrected(
        record,
        correction.field,
        value,
        actor=actor,
        approved_by=approved_by,
        reason=f"纠错申请 #{correction.pk}：{correction.reason}",
    )
    carried = _carry_identity(correction, record, value, actor=actor, approved_by=approved_by)
    text = "已更正 / the correction has been applied"
    if carried:
        text = "已更正，关联的学籍、学历一并更正 / applied, and to the linked enrollment or credential too"
    _finish(
        correction,
        actor=actor,
        state=CorrectionState.APPLIED,
        action="applied",
        note=note,
        text=text,
        approved_by=approved_by,
    )


def _carry_identity(
    correction: Correction, record: Enrollment | Credential, value: Any, *, actor: Any, approved_by: Any
) -> int:
    """A name or ID number is the person's, not one record's: once the province has approved it
    (identity corrections always go up), the enrollment's credential — or the credential's
    enrollment — takes the same value in the same transaction, each with its own audit entry.
    Otherwise a corrected 学籍 would graduate into a 学历 with the old name. Returns how many."""
    if correction.field not in IDENTITY_FIELDS:
        return 0
    if isinstance(record, Enrollment):
        linked: list[Enrollment | Credential] = list(Credential.objects.select_for_update().filter(enrollment=record))
    elif record.enrollment_id is not None:
        linked = list(Enrollment.objects.select_for_update().filter(pk=record.enrollment_id))
    else:  # 自考 and 补录 credentials stand alone (decision 0029)
        linked = []
    carried = 0
    for other in linked:
        if _as_text(getattr(other, correction.field)) == _as_text(value):
            continue
        _write_corrected(
            other,
            correction.field,
            value,
            actor=actor,
            approved_by=approved_by,
            reason=f"随纠错申请 #{correction.pk} 一并更正 / carried over from correction #{correction.pk}",
        )
        carried += 1
    return carried


def _write_corrected(
    record: Enrollment | Credential, field: str, value: Any, *, actor: Any, approved_by: Any, reason: str
) -> None:
    """Write one corrected value (and the identity digest with an ID number), audited with the value before."""
    before = {field: getattr(record, field)}
    setattr(record, field, value)
    updated = [field, "updated_at"]
    if field == "document_number":
        record.identity_digest = crypto.identity_digest(record.document_type, value)
        updated.append("identity_digest")
    record.save(update_fields=updated)
    audit_log(
        actor=actor,
        action=f"registry.{_record_kind(record)}.corrected",
        target=record,
        before=before,
        after={field: value},
        reason=reason,
        approved_by=approved_by,
    )
