"""The bulk registration pipeline: store the upload, validate the whole file, then load it
all or nothing (DESIGN.md §6; docs/decisions/0003-import-pipeline.md).

Phase 1 streams the file once (split between processes for large files), validating every
row and writing the clean rows to staging files; progress is shown as it goes. If any row is
bad, nothing is written and every error is reported. Phase 2 runs in one transaction: COPY
straight into the registry where the kind allows it, otherwise (or when that clashes) a
staging table, cross-row and registry checks in SQL and one INSERT … SELECT; then the audit
entries. A crash anywhere in phase 2 rolls the whole file back. Rows already registered
(same school, student number and person) are skipped, so uploading a file twice adds its
rows once. On PostgreSQL, large new-student files run both phases at once (streaming).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, WorkerLostError
from celery.signals import task_failure
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from xuedang.core.audit import AuditDraft, audit_log, audit_log_bulk, audit_rows_copy
from xuedang.imports import loaders
from xuedang.imports.access import ADMISSIONS_FROM_PROVINCE, admissions_submitter
from xuedang.imports.budget import Deadline, TimeBudgetExceeded, alarm
from xuedang.imports.exports import error_report_xlsx, masked_errors
from xuedang.imports.files import expired_job_files, job_file, remove_work_files, staging_files
from xuedang.imports.kinds import KINDS, Kind
from xuedang.imports.models import ImportJob, ImportKind, ImportState
from xuedang.imports.parallel import MAX_ERRORS, ValidationCrashed, ValidationWork, collect_all, streamed_chunks
from xuedang.imports.parsing import ImportFileError, RowError
from xuedang.institutions.models import ApiKey, Institution

if TYPE_CHECKING:
    from _typeshed import SupportsRead

log = logging.getLogger(__name__)
PARALLEL_FROM_ROWS = 20_000  # below this, one process validates (forking costs more than it saves)
KEEP_ERRORS = 200  # shown on the page and in the API; the XLSX report has up to MAX_ERRORS


@transaction.atomic
def import_job_create(
    *,
    actor: Any,
    institution: Institution,
    kind: str,
    upload: SupportsRead[bytes],
    filename: str,
    api_key: ApiKey | None = None,
) -> ImportJob:
    """Store an upload and queue its import (the task starts when this transaction commits).
    录取 only from the province's admissions office (`imports.access.admissions_submitter`)."""
    if kind == ImportKind.ADMISSIONS and not admissions_submitter(actor, institution, api_key):
        raise ValidationError({"kind": [ValidationError(ADMISSIONS_FROM_PROVINCE, code="province_only")]})
    job = ImportJob.objects.create(
        institution=institution,
        kind=kind,
        filename=filename[:200],
        sha256="",
        created_by=actor if getattr(actor, "pk", None) else None,
        api_key=api_key,
    )
    digest = hashlib.sha256()
    with job_file(job, "upload").open("wb") as out:
        for chunk in iter(lambda: upload.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
    job.sha256 = digest.hexdigest()
    job.save(update_fields=["sha256"])
    audit_log(
        actor=actor,
        action="imports.job.created",
        target=job,
        after={
            "kind": kind,
            "filename": job.filename,
            "sha256": job.sha256,
            "institution": institution.code,
            "api_key": api_key.prefix if api_key else "",
        },
    )
    queue = import_queue(institution.code)
    transaction.on_commit(lambda: run_import_job.apply_async((job.pk,), queue=queue))
    return job


def import_queue(institution_code: str) -> str:
    """The Celery queue of an institution's import jobs (settings.IMPORT_QUEUE_SLOTS): the same
    for all its files, so a school that sends fifty files queues them behind each other, while the
    workers take from the queues in turn (the Redis transport's round robin) and every other
    school's file waits only for the few jobs in its own queue."""
    slot = int(hashlib.sha256(institution_code.encode()).hexdigest()[:8], 16) % settings.IMPORT_QUEUE_SLOTS
    return f"imports.{slot}"


def import_job_run(*, job_id: int, after_lost_worker: bool = False) -> ImportJob:
    """Validate, then load. Never raises for bad input: the job records what happened.

    `after_lost_worker`: Celery runs the job again because the process running it died (see
    run_import_job); that process's load transaction went with it, so nothing was written and the
    job is taken back from the state it left, with the staging files it left removed."""
    states = [ImportState.PENDING]
    if after_lost_worker:
        states += [ImportState.VALIDATING, ImportState.LOADING]
    claimed = ImportJob.objects.filter(pk=job_id, state__in=states).update(state=ImportState.VALIDATING)
    job = ImportJob.objects.select_related("institution", "created_by").get(pk=job_id)
    if not claimed:  # another worker has it, or it already ran
        return job
    if after_lost_worker:
        log.warning("import job %s: its worker process died; running it again", job.pk)
        remove_work_files(job, keep_upload=True)
    deadline = Deadline(settings.IMPORT_TIME_BUDGET_SECONDS)
    try:
        with alarm(deadline):
            errors = _validate_and_load(job, deadline)
        if errors:
            return _finish(job, ImportState.INVALID, errors=errors)
    except (TimeBudgetExceeded, SoftTimeLimitExceeded):
        log.warning("import job %s: over its time budget, stopped", job.pk)
        return _finish(job, ImportState.FAILED, message=str(TimeBudgetExceeded()))
    except ImportFileError as error:
        return _finish(job, ImportState.INVALID, message=str(error))
    except RowsRejected as rejected:
        return _finish(job, ImportState.INVALID, errors=rejected.errors)
    except ValidationCrashed:
        log.exception("import job %s: a validation process failed", job.pk)
        return _finish(job, ImportState.FAILED, message=INTERRUPTED)
    finally:
        remove_work_files(job)
    return job


def _validate_and_load(job: ImportJob, deadline: Deadline) -> list[RowError]:
    """Both phases; the rows' errors if there were any (then nothing was written)."""
    kind = KINDS[job.kind]
    estimate = _estimate_rows(job_file(job, "upload"))
    _set(job, state=ImportState.VALIDATING, total_rows=estimate)
    shares = _shares(estimate)
    if kind.direct and shares > 1:
        errors = _validate_streaming(job, kind, shares, deadline)
    else:
        errors = _validate(job, kind, shares, deadline)
        if not errors:
            _set(job, state=ImportState.LOADING)
            _load(job, kind)
    if errors:  # report cross-row problems of the good rows in the same go
        return sorted(errors + _staging_errors(job), key=lambda e: (e.row, e.column))
    return []


class RowsRejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} rows rejected")
        self.errors = errors


def _set(job: ImportJob, **fields: Any) -> None:
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def _progress(job: ImportJob, *, streaming: bool = False) -> Callable[[int], None]:
    """Progress for the school's page: in the job's row (with the worker's heartbeat), or, while
    the job's own connection is busy feeding COPY, in the cache (selectors.job_progress)."""

    def report(done: int) -> None:
        if streaming:
            cache.set(progress_key(job.pk), done, timeout=24 * 3600)
        else:
            _set(job, processed_rows=done, total_rows=max(job.total_rows, done))

    return report


def progress_key(job_id: int) -> str:
    return f"imports:progress:{job_id}"


STALE_AFTER = timedelta(minutes=30)
INTERRUPTED = (
    "处理中断（工作进程已退出），未写入任何数据，请重新上传 / the import was interrupted (its worker "
    "stopped); nothing was written, upload the file again"
)


def import_job_interrupted(*, job_id: int) -> None:
    """The job's worker process died on its last attempt (run_import_job): failed, nothing written,
    the school is told to upload again, without waiting for the reaper."""
    for job in ImportJob.objects.filter(pk=job_id, state__in=[ImportState.VALIDATING, ImportState.LOADING]):
        log.error("import job %s: its worker process died on every attempt; failed", job.pk)
        _finish(job, ImportState.FAILED, message=INTERRUPTED)
        remove_work_files(job)


def import_jobs_reap(*, now: datetime | None = None) -> int:
    """Mark jobs whose worker died as failed. Their load transaction rolled back with the worker,
    so nothing was written; the school is told to upload again."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = ImportJob.objects.filter(state__in=[ImportState.VALIDATING, ImportState.LOADING], heartbeat_at__lt=cutoff)
    count = 0
    for job in stale:
        _finish(job, ImportState.FAILED, message=INTERRUPTED)
        remove_work_files(job)
        count += 1
    return count


def import_files_expire(*, now: datetime | None = None) -> int:
    """Delete what jobs left on disk (the error report, and the upload of a job that never ran to
    its end) once IMPORT_FILES_RETENTION_DAYS have passed since the job was created. Returns how
    many files went. The job row stays: counts, state and masked errors are its history."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.IMPORT_FILES_RETENTION_DAYS)
    old = ImportJob.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)
    removed = 0
    for path in expired_job_files(set(old)):
        path.unlink(missing_ok=True)
        removed += 1
    if removed:
        log.info("import files expired: %d removed", removed)
    return removed


def _estimate_rows(path: Path) -> int:
    with path.open("rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            return 0
        handle.seek(0)
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)


def _shares(estimated_rows: int) -> int:
    """How many processes validate the file: all cores for a large file where fork exists."""
    if estimated_rows < PARALLEL_FROM_ROWS or not hasattr(os, "fork"):
        return 1
    return max(1, settings.IMPORT_PROCESSES or os.cpu_count() or 1)


def _validate(job: ImportJob, kind: Kind, shares: int, deadline: Deadline) -> list[RowError]:
    """Phase 1: every row checked, clean rows written to staging files; this process takes
    share 0 and forked children the others (parallel.py)."""
    work = ValidationWork(job, kind, shares, today=timezone.localdate(job.created_at), deadline=deadline)
    children = [work.fork(share) for share in range(1, shares)]
    try:
        count, errors = work.run(0, progress=_progress(job))
        outcome = collect_all(children)
    except BaseException:  # a bad file, the time budget: the other shares' work is moot
        for child in children:
            child.kill()
        raise
    return _checked(job, count + outcome[0], errors + outcome[1])


def _checked(job: ImportJob, count: int, errors: list[RowError]) -> list[RowError]:
    if count == 0:
        raise ImportFileError("文件中没有数据行 / the file has no data rows")
    _set(job, processed_rows=count, total_rows=count)
    return sorted(errors, key=lambda e: (e.row, e.column))[:MAX_ERRORS]


class _Discard(Exception):
    """Rolls back a load whose file turned out to have bad rows or to clash with the registry."""


def _validate_streaming(job: ImportJob, kind: Kind, shares: int, deadline: Deadline) -> list[RowError]:
    """Phases 1 and 2 at once (PostgreSQL): forked validators stream clean rows to this process,
    which feeds them to COPY into the registry inside the load transaction. Only if every row
    proves valid and nothing clashes is it committed; otherwise it is rolled back and the job
    takes the ordinary path on the staging files the validators wrote as well."""
    work = ValidationWork(job, kind, shares, today=timezone.localdate(job.created_at), deadline=deadline)
    now = timezone.now()
    convert = kind.direct_line(job.institution_id, now, job.pk)
    children = [work.fork(share, stream=convert) for share in range(shares)]
    chunks = streamed_chunks(children, _progress(job, streaming=True))
    clash = False
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    inserted = kind.copy_direct(chunks)
            except psycopg.errors.IntegrityError:
                clash = True
            for _ in chunks:  # after a clash, the validators still have to finish
                pass
            errors = _checked(job, *collect_all(children))
            if errors or clash:
                raise _Discard
            _loaded(job, kind, inserted, now)
    except _Discard:
        if errors:
            return errors
        _set(job, state=ImportState.LOADING)
        _load(job, kind)
    except BaseException:
        for child in children:
            child.kill()
        raise
    finally:
        chunks.close()
    return []


def _staging_errors(job: ImportJob) -> list[RowError]:
    """Cross-row and registry checks of the valid rows, in a transaction always rolled back."""
    try:
        with transaction.atomic():
            _stage(job)
            raise RowsRejected(KINDS[job.kind].check(job.institution_id))
    except RowsRejected as rejected:
        return rejected.errors


def _stage(job: ImportJob) -> None:
    kind = KINDS[job.kind]
    loaders.create_staging(kind.staging)
    loaders.fill_staging(staging_files(job), kind.staging)
    kind.prepare(job.institution_id)


def _load(job: ImportJob, kind: Kind) -> None:
    """Phase 2: all rows or none, in one transaction."""
    with transaction.atomic():
        now = timezone.now()
        inserted = _load_direct(job, kind, now)
        if inserted is None:
            _stage(job)
            errors = kind.check(job.institution_id)
            if errors:
                raise RowsRejected(errors)
            inserted = kind.insert(job.institution_id, now, job.created_by_id, job.pk)
        _loaded(job, kind, inserted, now)


def _load_direct(job: ImportJob, kind: Kind, now: datetime) -> int | None:
    """The fast path: staging files straight into the registry. A clash with the registry or
    within the file fails one of the table's constraints; the savepoint is then rolled back and
    the staging path finds, skips or reports each clash row by row."""
    if not kind.direct:
        return None
    try:
        with transaction.atomic():
            convert = kind.direct_line(job.institution_id, now, job.pk)
            return kind.copy_direct(loaders.file_chunks(staging_files(job), convert))
    except psycopg.errors.IntegrityError:
        return None


def _loaded(job: ImportJob, kind: Kind, inserted: int, now: datetime) -> None:
    """The end of every load, in its transaction: audit entries, then the job is done."""
    if kind.audit_per_row:
        for chunk in kind.inserted(job.institution_id, now):
            _audit_chunk(job, kind, chunk, now)
    job.inserted_rows = inserted
    job.skipped_rows = job.processed_rows - inserted
    audit_log(
        actor=job.created_by,
        action="imports.job.loaded",
        target=job,
        at=now,
        after={
            "kind": job.kind,
            "institution": job.institution.code,
            "sha256": job.sha256,
            "inserted": inserted,
            "skipped": job.skipped_rows,
        },
        reason=f"批量导入 / import job {job.pk}",
    )
    _finish(job, ImportState.DONE)


def _audit_chunk(job: ImportJob, kind: Kind, chunk: list[tuple[str, dict[str, Any]]], now: Any) -> None:
    """One audit entry per changed row, written in bulk."""
    reason = f"批量导入 / import job {job.pk}"
    rows = ((target_id, {**after, "import_job": job.pk}) for target_id, after in chunk)
    if connection.vendor == "postgresql":
        audit_rows_copy(
            actor=job.created_by,
            action=kind.audit_action,
            target_type=kind.audit_target,
            at=now,
            reason=reason,
            rows=rows,
        )
        return
    audit_log_bulk(
        AuditDraft(
            action=kind.audit_action,
            target_type=kind.audit_target,
            target_id=target_id,
            actor=job.created_by,
            at=now,
            reason=reason,
            after=after,
        )
        for target_id, after in rows
    )


def _finish(job: ImportJob, state: str, *, errors: list[RowError] | None = None, message: str = "") -> ImportJob:
    job.state = state
    job.finished_at = timezone.now()
    job.message = message
    if errors:
        job.error_count = len(errors)
        job.errors = [e.__dict__ for e in masked_errors(errors[:KEEP_ERRORS])]
        with job_file(job, "errors.xlsx").open("wb") as out:
            error_report_xlsx(errors, out)
    job.save()
    return job


# --- Tasks: beside the services they run (pretix's layout); `tasks.py` re-exports them for Celery's
# autodiscovery and keeps their names, which queued messages and the beat schedule carry.


@shared_task(  # type: ignore[call-overload]  # celery-types does not know retry_on_worker_lost (Celery 5.7)
    bind=True,
    name="xuedang.imports.tasks.run_import_job",
    acks_late=True,
    # A pool process killed under the job (the kernel's OOM killer, a crash) takes its load
    # transaction with it: nothing was written. Celery runs the job again in a fresh process, twice
    # at most; a file that keeps killing its worker is then failed clearly (_import_worker_lost).
    # A whole worker killed with its main process leaves the job to the reaper (import_jobs_reap).
    retry_on_worker_lost=True,
    max_retries=2,
    default_retry_delay=5,
    # Past the budget the task is interrupted (soft), and a worker that does not return is killed
    # and replaced (hard), so the institution's next file runs (decision 0019).
    soft_time_limit=settings.IMPORT_TIME_BUDGET_SECONDS + 30,
    time_limit=settings.IMPORT_TIME_BUDGET_SECONDS + 120,
)
def run_import_job(self: Task, job_id: int) -> None:
    import_job_run(job_id=job_id, after_lost_worker=self.request.retries > 0)


@task_failure.connect
def _import_worker_lost(sender: Any = None, exception: BaseException | None = None, **kwargs: Any) -> None:
    """In the worker's main process, when a job's last attempt lost its pool process."""
    if getattr(sender, "name", "") != "xuedang.imports.tasks.run_import_job":
        return
    if isinstance(exception, WorkerLostError):
        job_id = (kwargs.get("args") or [None])[0] or (kwargs.get("kwargs") or {}).get("job_id")
        if job_id is not None:
            import_job_interrupted(job_id=job_id)


@shared_task(name="xuedang.imports.tasks.expire_import_files")
def expire_import_files() -> int:
    """Run daily (celery beat): error reports and left-over uploads past their retention go."""
    return import_files_expire()


@shared_task(name="xuedang.imports.tasks.reap_import_jobs")
def reap_import_jobs() -> int:
    """Run every few minutes (celery beat): jobs whose worker died are marked failed."""
    return import_jobs_reap()
