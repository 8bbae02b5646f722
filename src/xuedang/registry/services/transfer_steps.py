"""A transfer request's steps as the other modules record them: the audit entry and the notice
to the student, and the lapse of open requests when their enrollment leaves the active states
(called by `enrollments` and `credentials` as well as `transfers`, so it sits below all three)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from xuedang.core.audit import audit_log
from xuedang.registry.models import OPEN_TRANSFER_STATES, Enrollment, TransferRequest, TransferState
from xuedang.registry.signals import record_step


def _transfer_step(
    transfer: TransferRequest, *, actor: Any, action: str, text: str, reason: str = "", approved_by: Any = None
) -> None:
    """Audit one step (hash-chained) and tell the student, if their archive holds the enrollment
    (`record_step`: the archive, above the registry, knows who holds it)."""
    audit_log(
        actor=actor,
        action=f"registry.transfer.{action}",
        target=transfer,
        reason=reason,
        approved_by=approved_by,
        after={
            "state": transfer.state,
            "source": transfer.source_id,
            "from": transfer.from_institution_id,
            "to": transfer.to_institution_id,
            "student_number": transfer.student_number,
            "transfer_date": transfer.transfer_date,
            "decision_number": transfer.decision_number,
            "target": transfer.target_id,
        },
    )
    record_step.send(sender=Enrollment, record=transfer.source, text=f"转学申请 #{transfer.pk}：{text}")


def _transfers_lapse(*, actor: Any, enrollment: Enrollment) -> None:
    """An enrollment that leaves the active states (退学, 毕业, 转出 …) can no longer be
    transferred: its open request lapses at once, with an audit entry and a notice, instead of
    waiting in a queue for an approval that would fail."""
    state = enrollment.get_state_display().split(" / ")[0]
    for transfer in TransferRequest.objects.select_for_update().filter(
        source=enrollment, state__in=OPEN_TRANSFER_STATES
    ):
        transfer.state, transfer.lapsed_at = TransferState.LAPSED, timezone.now()
        transfer.save(update_fields=["state", "lapsed_at", "updated_at"])
        _transfer_step(
            transfer,
            actor=actor,
            action="lapsed",
            reason=f"学籍状态 / enrollment state: {enrollment.state}",
            text=f"学籍已不在籍（{state}），转学申请已失效 / the enrollment is no longer active; the request lapsed",
        )
