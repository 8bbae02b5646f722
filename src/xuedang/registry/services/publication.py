"""发布到期学历 as a background job: the registrar confirms the preview, a job publishes every
complete draft due by the chosen day and counts what it could not publish. In-process without a
broker, a Celery task in production (like the import jobs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution
from xuedang.registry.models import PublicationJob
from xuedang.registry.services.common import _fail
from xuedang.registry.services.credentials import credentials_due_pks, credentials_publish_each

# Progress is written every this many credentials, not after each (one UPDATE per batch).
PROGRESS_EVERY = 50


@transaction.atomic
def publication_job_start(
    *, actor: Any, institution: Institution, due_by: date, today: date | None = None
) -> PublicationJob:
    """Queue the publication of `institution`'s due drafts; it runs after this transaction commits."""
    today = today or timezone.localdate()
    if due_by > today:
        raise _fail("due_by", "发证日期未到的学历不能提前发布（第十八条）/ a credential is published on its issue date")
    job = PublicationJob.objects.create(
        institution=institution,
        due_by=due_by,
        created_by=actor,
        total=len(credentials_due_pks(institution=institution, due_by=due_by)),
    )
    audit_log(
        actor=actor,
        action="registry.publication_job.started",
        target=job,
        after={"institution": institution.code, "due_by": due_by, "total": job.total},
    )
    transaction.on_commit(lambda: run_publication_job.delay(job.pk))
    return job


def publication_job_run(*, job_id: int) -> PublicationJob:
    """Publish the job's drafts, counting as it goes; a second run of the same job does nothing."""
    claimed = PublicationJob.objects.filter(pk=job_id, state=PublicationJob.State.PENDING).update(
        state=PublicationJob.State.RUNNING
    )
    job = PublicationJob.objects.select_related("institution", "created_by").get(pk=job_id)
    if not claimed:
        return job
    today = timezone.localdate()
    pks = credentials_due_pks(institution=job.institution, due_by=min(job.due_by, today))
    PublicationJob.objects.filter(pk=job.pk).update(total=len(pks))
    counts = {"processed": 0, "published": 0, "incomplete": 0}
    try:
        for published in credentials_publish_each(actor=job.created_by, pks=pks, today=today):
            counts["processed"] += 1
            counts["published" if published else "incomplete"] += 1
            if counts["processed"] % PROGRESS_EVERY == 0:
                PublicationJob.objects.filter(pk=job.pk).update(**counts)
    except Exception:
        _finish(job, counts, PublicationJob.State.FAILED)
        raise
    _finish(job, counts, PublicationJob.State.DONE)
    return job


def _finish(job: PublicationJob, counts: dict[str, int], state: str) -> None:
    job.state, job.finished_at = state, timezone.now()
    for field, value in counts.items():
        setattr(job, field, value)
    job.save(update_fields=["state", "finished_at", *counts])
    audit_log(
        actor=job.created_by,
        action=f"registry.publication_job.{state}",
        target=job,
        after={"published": counts["published"], "incomplete": counts["incomplete"]},
    )


@shared_task(name="xuedang.registry.tasks.run_publication_job", acks_late=True)
def run_publication_job(job_id: int) -> None:
    publication_job_run(job_id=job_id)
