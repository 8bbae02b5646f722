"""录取 reviewed before a school sees it (issue 14 item 1, 第七条): each batch the province's
admissions office submits goes 已提交 → 省级审核通过 (the province's approvers) → 中心复核通过 (the
centre's approvers); at either step single rows go back with their reason. Audited; concurrent
reviews of one batch cannot both win (the batch row is locked)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from xuedang.core.audit import audit_log
from xuedang.institutions.access import APPROVING, memberships
from xuedang.institutions.models import Institution, Scope
from xuedang.registry.models import Admission, AdmissionBatch, AdmissionReview
from xuedang.registry.services.common import _fail

NEXT = {
    AdmissionReview.SUBMITTED: AdmissionReview.PROVINCE_APPROVED,
    AdmissionReview.PROVINCE_APPROVED: AdmissionReview.CENTRE_APPROVED,
}


def admission_batch_open(*, actor_id: int | None, institution_id: int, import_job_id: int) -> AdmissionBatch:
    """The batch of one admissions file (created as its rows are inserted)."""
    batch, _ = AdmissionBatch.objects.get_or_create(
        import_job_id=import_job_id, defaults={"institution_id": institution_id, "submitted_by_id": actor_id}
    )
    return batch


def admission_reviewer_stage(actor: Any, institution: Institution) -> str:
    """The review step the actor performs for `institution`'s batches: the province's approvers
    the first, the centre's approvers the second; "" for anyone else."""
    approvers = memberships(actor, APPROVING)
    if approvers.filter(scope=Scope.CENTRE).exists():
        return AdmissionReview.PROVINCE_APPROVED
    if approvers.filter(scope=Scope.PROVINCE, province_code=institution.province_code).exists():
        return AdmissionReview.SUBMITTED
    return ""


@transaction.atomic
def admission_batch_review(*, actor: Any, batch: AdmissionBatch, returned: dict[int, str]) -> AdmissionBatch:
    """Pass the batch to its next step; rows in `returned` ({admission id: reason}) go back."""
    batch = AdmissionBatch.objects.select_for_update().select_related("institution").get(pk=batch.pk)
    if batch.state not in NEXT or admission_reviewer_stage(actor, batch.institution) != batch.state:
        raise _fail("batch", "该批次不在您的审核环节 / this batch is not at your step of the review")
    rows = {a.pk: a for a in Admission.objects.select_for_update().filter(batch=batch, review=batch.state)}
    unknown = set(returned) - set(rows)
    if unknown:
        raise _fail("returned", "退回的记录不在本批次待审之列 / a returned row is not waiting in this batch")
    missing = [pk for pk, reason in returned.items() if not reason.strip()]
    if missing:
        raise _fail("returned", "退回的每一条记录都须说明原因 / say why each returned row goes back")
    step = NEXT[AdmissionReview(batch.state)]
    Admission.objects.filter(pk__in=list(returned)).update(review=AdmissionReview.RETURNED)
    for pk, reason in returned.items():
        Admission.objects.filter(pk=pk).update(review_note=reason.strip()[:500])
    passed = Admission.objects.filter(pk__in=set(rows) - set(returned))
    count = passed.update(review=step)
    before = batch.state
    batch.state = step if count else AdmissionReview.RETURNED
    if before == AdmissionReview.SUBMITTED:
        batch.province_reviewed_by, batch.province_reviewed_at = actor, timezone.now()
    else:
        batch.centre_reviewed_by, batch.centre_reviewed_at = actor, timezone.now()
    batch.save()
    audit_log(
        actor=actor,
        action="registry.admission_batch.reviewed",
        target=batch,
        before={"state": before},
        after={
            "state": batch.state,
            "passed": count,
            "returned": {rows[pk].exam_number: reason.strip()[:500] for pk, reason in returned.items()},
        },
    )
    return batch
