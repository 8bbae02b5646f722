"""转学: the transfer itself (21 out, 22 in) and the request that reaches it in three steps —
receiving school, sending school, receiving province (decision 0008) — or lapses."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution
from xuedang.registry.access import may_answer_as_sending, may_decide_as_province, may_file_transfer, may_withdraw
from xuedang.registry.models import (
    ACTIVE_ENROLLMENT_STATES,
    OPEN_TRANSFER_STATES,
    Enrollment,
    EnrollmentChange,
    EnrollmentState,
    TransferRequest,
    TransferState,
)
from xuedang.registry.services.common import _fail, _save_unique
from xuedang.registry.services.enrollments import Identity, _flow_change_record, enrollment_register
from xuedang.registry.services.transfer_steps import _transfer_step


@transaction.atomic
def enrollment_transfer(
    *,
    actor: Any,
    enrollment: Enrollment,
    to_institution: Institution,
    student_number: str,
    transfer_date: date,
    reason: str,
    major_code: str | None = None,
    major_name: str | None = None,
    department: str = "",
    decision_number: str = "",
) -> Enrollment:
    """转学 — out of one school (21) and into another (22); both sides point at each other."""
    source = Enrollment.objects.select_for_update().select_related("institution").get(pk=enrollment.pk)
    if not source.is_active:
        raise _fail("enrollment", "该学籍已不在籍，不能转学 / this enrollment is no longer active")
    if to_institution.pk == source.institution_id:
        raise _fail("to_institution", "转入学校不能是原学校 / a transfer goes to another institution")
    out = _flow_change_record(
        actor=actor,
        enrollment=source,
        change_code="21",
        change_date=transfer_date,
        changes={"state": EnrollmentState.TRANSFERRED_OUT},
        reason=reason,
        decision_number=decision_number,
    )
    identity = Identity(
        source.name, source.gender, source.birth_date, source.ethnicity, source.document_type, source.document_number
    )
    target = enrollment_register(
        actor=actor,
        institution=to_institution,
        student_number=student_number,
        identity=identity,
        major_code=major_code or source.major_code,
        major_name=major_name or source.major_name,
        level=source.level,
        study_form=source.study_form,
        length_years=source.length_years,
        entry_date=transfer_date,
        expected_graduation_date=source.expected_graduation_date,
        education_type=source.education_type,
        is_full_time=source.is_full_time,
        department=department,
        admission_type=source.admission_type,
        exam_number=source.exam_number,
        reason=f"转学转入，原学校 {source.institution.code} / transferred in",
    )
    EnrollmentChange.objects.create(
        enrollment=target,
        change_code="22",
        change_date=transfer_date,
        reason=reason,
        decision_number=decision_number,
        before={"institution": source.institution.code, "student_number": source.student_number},
        after={"institution": to_institution.code, "student_number": student_number},
        counterpart=source,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    out.counterpart = target
    out.save(update_fields=["counterpart"])
    audit_log(
        actor=actor,
        action="registry.enrollment.transferred",
        target=target,
        before={"institution": source.institution.code, "enrollment": source.pk},
        after={"institution": to_institution.code, "enrollment": target.pk},
        reason=reason,
    )
    return target


TRANSFER_NOT_FOUND = (
    "转出学校没有与该学号和证件号码相符的在籍学籍 / the sending institution has no active enrollment "
    "with this student number and document number"
)
TRANSFER_OPEN = (
    "该学生已有一份待处理的转学申请，须先办结或撤回 / this student already has an open transfer request; "
    "it must be decided or withdrawn first"
)
TRANSFER_FORBIDDEN = "无权处理该转学申请 / you may not act on this transfer request"


def _transfer_source(
    *, from_code: str, from_student_number: str, document_type: str, document_number: str
) -> Enrollment:
    """The sending school's active enrollment named by its student number and the student's own
    document number. A wrong number and a missing record get the same answer."""
    try:
        number = validators.normalize_document(document_type, document_number)
    except ValidationError as error:
        raise ValidationError({"document_number": error.messages}) from error
    source = (
        Enrollment.objects.select_related("institution")
        .filter(
            institution__code=from_code,
            student_number=from_student_number.strip(),
            identity_digest=crypto.identity_digest(document_type, number),
            state__in=ACTIVE_ENROLLMENT_STATES,
        )
        .first()
    )
    if source is None:
        raise _fail("from_student_number", TRANSFER_NOT_FOUND, code="not_found")
    return source


def _transfer_required(**values: str) -> None:
    labels = {
        "student_number": "转入后学号 / the new student number",
        "decision_number": "转学批准文号 / the approval document number",
        "reason": "转学原因 / the reason",
    }
    for field, value in values.items():
        if not value.strip():
            raise _fail(
                field,
                f"请填写{labels[field].split(' / ')[0]} / {labels[field].split(' / ')[1]} is required",
                code="required",
            )


@transaction.atomic
def transfer_request_file(
    *,
    actor: Any,
    to_institution: Institution,
    from_code: str,
    from_student_number: str,
    document_type: str,
    document_number: str,
    student_number: str,
    transfer_date: date,
    decision_number: str,
    reason: str,
    major_code: str = "",
    major_name: str = "",
    department: str = "",
) -> TransferRequest:
    """转学申请 — filed by the receiving school. It writes nothing to either enrollment: the
    sending school must agree and the receiving school's province approve first (decision 0008)."""
    if not may_file_transfer(actor, to_institution.pk):
        raise _fail(
            "institution",
            "只能为本校提出转入申请 / you may file transfers into your own institution only",
            code="forbidden",
        )
    _transfer_required(student_number=student_number, decision_number=decision_number, reason=reason)
    if from_code == to_institution.code:
        raise _fail("from_code", "转出学校不能是本校 / the sending institution must be another institution")
    source = _transfer_source(
        from_code=from_code,
        from_student_number=from_student_number,
        document_type=document_type,
        document_number=document_number,
    )
    if not source.entry_date < transfer_date < source.expected_graduation_date:
        raise _fail(
            "transfer_date",
            "转学日期须晚于原入学日期、早于预计毕业日期 / the transfer date must fall between "
            "the entry date and the expected graduation date",
        )
    student_number = student_number.strip()
    if Enrollment.objects.filter(institution=to_institution, student_number=student_number).exists():
        raise _fail(
            "student_number",
            f"学号“{student_number}”在本校已存在 / this student number is already registered at this institution",
            code="duplicate",
        )
    if TransferRequest.objects.filter(source=source, state__in=OPEN_TRANSFER_STATES).exists():
        raise _fail("from_student_number", TRANSFER_OPEN, code="open_request")
    transfer = TransferRequest(
        source=source,
        from_institution=source.institution,
        to_institution=to_institution,
        student_number=student_number,
        transfer_date=transfer_date,
        decision_number=decision_number.strip(),
        reason=reason.strip(),
        major_code=major_code.strip(),
        major_name=major_name.strip(),
        department=department.strip(),
        filed_by=actor,
    )
    _save_unique(transfer, "from_student_number", TRANSFER_OPEN)  # the one-open-request index wins a race
    _transfer_step(
        transfer,
        actor=actor,
        action="filed",
        reason=transfer.reason,
        text="转入学校已提出转学申请，待原学校同意 / the receiving school filed a transfer request",
    )
    return transfer


def _transfer_locked(transfer: TransferRequest, expected: tuple[str, ...]) -> TransferRequest:
    """The request row locked for this transaction, still in an `expected` state: of two officers
    acting at once, the second waits for the first's commit, then finds the state moved on."""
    locked = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if locked.state not in expected:
        raise _fail(
            "__all__",
            f"该申请已被处理（当前状态：{locked.get_state_display()}）/ this request has already been handled",
            code="decided",
        )
    return locked


@transaction.atomic
def transfer_request_sending_answer(
    *, actor: Any, transfer: TransferRequest, agree: bool, note: str = ""
) -> TransferRequest:
    """The sending school agrees (the request goes to the province) or rejects with a reason."""
    transfer = _transfer_locked(transfer, (TransferState.PENDING_SENDING,))
    if not may_answer_as_sending(actor, transfer):
        raise _fail("__all__", TRANSFER_FORBIDDEN, code="forbidden")
    note = note.strip()
    if not agree and not note:
        raise _fail("note", "请填写不同意的理由 / give the reason for rejecting", code="required")
    if agree and not transfer.source.is_active:
        raise _fail("__all__", "该学籍已不在籍，不能转学 / this enrollment is no longer active", code="inactive")
    transfer.sending_by, transfer.sending_at, transfer.sending_agreed = actor, timezone.now(), agree
    transfer.state = TransferState.PENDING_PROVINCE if agree else TransferState.REJECTED
    transfer.rejection_reason = "" if agree else note
    transfer.save()
    if agree:
        _transfer_step(
            transfer,
            actor=actor,
            action="sending_agreed",
            reason=note,
            text="原学校已同意，待省级教育行政部门审批 / the sending school agreed; with the province",
        )
    else:
        _transfer_step(
            transfer,
            actor=actor,
            action="sending_rejected",
            reason=note,
            text=f"原学校不同意：{note} / the sending school rejected the request",
        )
    return transfer


@transaction.atomic
def transfer_request_province_decide(
    *, actor: Any, transfer: TransferRequest, approve: bool, note: str = ""
) -> TransferRequest:
    """The receiving school's province approves — the transfer is applied on both sides (21/22) in
    this transaction — or rejects with a reason. The request row lock makes a second approval wait
    and then find the request already handled, so a transfer is applied once."""
    transfer = _transfer_locked(transfer, (TransferState.PENDING_PROVINCE,))
    if not may_decide_as_province(actor, transfer):
        raise _fail("__all__", TRANSFER_FORBIDDEN, code="forbidden")
    note = note.strip()
    if not approve and not note:
        raise _fail("note", "请填写不予批准的理由 / give the reason for rejecting", code="required")
    transfer.province_by, transfer.province_at = actor, timezone.now()
    if approve:
        # Closed before the enrollment leaves (21), so the request being applied does not lapse.
        transfer.state = TransferState.APPLIED
        transfer.save(update_fields=["state", "updated_at"])
        transfer.target = enrollment_transfer(
            actor=actor,
            enrollment=transfer.source,
            to_institution=transfer.to_institution,
            student_number=transfer.student_number,
            transfer_date=transfer.transfer_date,
            reason=transfer.reason,
            major_code=transfer.major_code or None,
            major_name=transfer.major_name or None,
            department=transfer.department,
            decision_number=transfer.decision_number,
        )
    else:
        transfer.state, transfer.rejection_reason = TransferState.REJECTED, note
    transfer.save()
    if approve:
        _transfer_step(
            transfer,
            actor=actor,
            action="applied",
            reason=note,
            approved_by=actor,
            text="省级教育行政部门已批准，转学已办理 / approved by the province; the transfer is recorded",
        )
    else:
        _transfer_step(
            transfer,
            actor=actor,
            action="province_rejected",
            reason=note,
            text=f"省级教育行政部门不予批准：{note} / the province rejected the request",
        )
    return transfer


@transaction.atomic
def transfer_request_withdraw(*, actor: Any, transfer: TransferRequest, note: str = "") -> TransferRequest:
    """The receiving school withdraws its request while it is still open."""
    transfer = _transfer_locked(transfer, OPEN_TRANSFER_STATES)
    if not may_withdraw(actor, transfer):
        raise _fail("__all__", TRANSFER_FORBIDDEN, code="forbidden")
    transfer.withdrawn_by, transfer.withdrawn_at = actor, timezone.now()
    transfer.state = TransferState.WITHDRAWN
    transfer.save()
    _transfer_step(
        transfer,
        actor=actor,
        action="withdrawn",
        reason=note.strip(),
        text="转入学校已撤回转学申请 / the receiving school withdrew the request",
    )
    return transfer
