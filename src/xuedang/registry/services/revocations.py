"""撤销 (第二十六条): a school files the revocation of a published credential, or the
cancellation of a 学籍 registered against the rules after its credential was published
(取消学籍); the school's province approves or rejects. Only approval changes the record: the
credential then reads 「已撤销」 in verification, 零散查询 and the archive; the enrollment of a
取消学籍 becomes 取消学籍 (异动 18); the student is told and their open reports stop."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from xuedang.core.audit import audit_log
from xuedang.registry.access import may_decide_revocation
from xuedang.registry.models import (
    Credential,
    CredentialState,
    Enrollment,
    EnrollmentState,
    RevocationKind,
    RevocationRequest,
    RevocationState,
)
from xuedang.registry.services.common import _fail, _save_unique
from xuedang.registry.services.enrollments import _change_apply
from xuedang.registry.services.notices import record_notice
from xuedang.registry.signals import record_revoked, record_step

REVOCATION_PENDING = "该记录已有待审核的撤销申请 / a revocation of this record is already waiting for the province"


@transaction.atomic
def revocation_file(
    *, actor: Any, credential: Credential, kind: str, reason: str, decision_number: str
) -> RevocationRequest:
    """The school asks its province to revoke `credential` (or to cancel its 学籍 as well)."""
    credential = Credential.objects.select_for_update(of=("self",)).select_related("enrollment").get(pk=credential.pk)
    if kind not in RevocationKind.values:
        raise _fail("kind", "请选择撤销学历或取消学籍 / choose revoking the credential or the enrollment")
    if kind == RevocationKind.ENROLLMENT and credential.enrollment_id is None:
        raise _fail("kind", "该学历没有学籍（自考或补录），只能撤销学历 / no 学籍 behind it: revoke the credential")
    if credential.state != CredentialState.PUBLISHED:
        raise _fail(
            "credential",
            "只有已发布的学历需要撤销；未发布的学历由学校直接更正 / only a published credential is revoked; "
            "the school corrects an unpublished one itself",
            code="not_published",
        )
    if not reason.strip():
        raise _fail("reason", "请填写撤销原因 / the reason is required")
    if not decision_number.strip():
        raise _fail("decision_number", "请填写学校决定文号 / the school's decision number is required")
    request = RevocationRequest(
        kind=kind,
        credential=credential,
        institution_id=credential.institution_id,
        reason=reason.strip(),
        decision_number=decision_number.strip(),
        filed_by=actor,
    )
    _save_unique(request, "credential", REVOCATION_PENDING)
    audit_log(
        actor=actor,
        action="registry.revocation.filed",
        target=credential,
        after={"request": request.pk, "kind": kind, "decision_number": request.decision_number},
        reason=request.reason,
    )
    return request


@transaction.atomic
def revocation_decide(*, actor: Any, revocation: RevocationRequest, approve: bool, note: str = "") -> RevocationRequest:
    """The province approves (the record is revoked at once) or rejects (a note is required)."""
    revocation = RevocationRequest.objects.select_for_update().select_related("institution").get(pk=revocation.pk)
    if not may_decide_revocation(actor, revocation):
        raise _fail(
            "state",
            "该申请已处理，或不由您审核 / this request has been decided, or is not yours to decide",
            code="forbidden",
        )
    if not approve and not note.strip():
        raise _fail("note", "不予批准时请说明理由 / give the reason for rejecting")
    revocation.state = RevocationState.APPROVED if approve else RevocationState.REJECTED
    revocation.decided_by, revocation.decided_at, revocation.decision_note = actor, timezone.now(), note.strip()
    revocation.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_log(
        actor=actor,
        action=f"registry.revocation.{revocation.state}",
        target=revocation.credential,
        before={"state": RevocationState.PENDING},
        after={"request": revocation.pk, "state": revocation.state},
        reason=note,
    )
    if approve:
        _revoke(actor=actor, revocation=revocation)
    else:
        record_step.send(
            sender=Credential,
            record=revocation.credential,
            text="学校提出的撤销申请未获省级批准，记录不变 / the revocation was not approved; the record stands",
        )
    return revocation


def _revoke(*, actor: Any, revocation: RevocationRequest) -> None:
    credential = Credential.objects.select_for_update().get(pk=revocation.credential_id)
    credential.state = CredentialState.REVOKED
    credential.save(update_fields=["state", "updated_at"])
    audit_log(
        actor=actor,
        action="registry.credential.revoked",
        target=credential,
        before={"state": CredentialState.PUBLISHED},
        after={"state": credential.state, "request": revocation.pk, "decision_number": revocation.decision_number},
        reason=revocation.reason,
    )
    record_revoked.send(sender=Credential, record=credential, actor=actor)
    words = "" if revocation.kind == RevocationKind.CREDENTIAL else "学籍已取消；"
    reason = f"{words}{revocation.reason}（{revocation.decision_number}）"
    record_notice(record=credential, event="credential.revoked", number=credential.certificate_number, reason=reason)
    if revocation.kind == RevocationKind.ENROLLMENT:
        _enrollment_revoke(actor=actor, revocation=revocation, credential=credential)


def _enrollment_revoke(*, actor: Any, revocation: RevocationRequest, credential: Credential) -> None:
    """取消学籍 after publication: the finished 学籍 itself is revoked (异动 18), with the decision."""
    assert credential.enrollment_id is not None  # revocation_file refuses 取消学籍 without a 学籍
    enrollment = Enrollment.objects.select_for_update().get(pk=credential.enrollment_id)
    _change_apply(
        actor=actor,
        enrollment=enrollment,
        change_code="18",
        change_date=timezone.localdate(),
        changes={"state": EnrollmentState.REVOKED},
        reason=revocation.reason,
        decision_date=timezone.localdate(),
        decision_number=revocation.decision_number,
    )
    record_revoked.send(sender=Enrollment, record=enrollment, actor=actor)
