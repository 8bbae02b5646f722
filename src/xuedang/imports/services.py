"""The bulk registration pipeline: store the upload, validate the whole file, then load it
all or nothing (DESIGN.md §6).

Phase 1 streams the file once, validating every row and writing the clean rows to a staging
file; progress is committed as it goes so the school's page can show it. If any row is bad,
nothing is written and every error is reported. Phase 2 runs in one transaction: staging
table, cross-row and registry checks in SQL, one INSERT … SELECT, audit entries in bulk. A
crash anywhere in phase 2 rolls the whole file back. Rows already registered (same school,
student number and person) are skipped, so uploading a file twice adds its rows once.
"""

from __future__ import annotations

import csv
import hashlib
import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from xuedang.core.audit import AuditDraft, audit_log, audit_log_bulk, audit_rows_copy
from xuedang.imports import loaders
from xuedang.imports.exports import error_report_xlsx
from xuedang.imports.kinds import KINDS, Kind
from xuedang.imports.models import ImportJob, ImportState
from xuedang.imports.parsing import ImportFileError, RowError, iter_rows
from xuedang.imports.schemas import Lookups, RowInvalid, header_map
from xuedang.institutions.models import Institution

PROGRESS_EVERY = 2000
KEEP_ERRORS = 200  # shown on the page and in the API; the XLSX report has up to MAX_ERRORS
MAX_ERRORS = 100_000


def imports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_file(job: ImportJob, suffix: str) -> Path:
    return imports_dir() / f"job-{job.pk}.{suffix}"


@transaction.atomic
def import_job_create(*, actor: Any, institution: Institution, kind: str, upload: BinaryIO,
                      filename: str) -> ImportJob:
    """Store an upload and queue its import (the task starts when this transaction commits)."""
    job = ImportJob.objects.create(institution=institution, kind=kind, filename=filename[:200], sha256="",
                                   created_by=actor if getattr(actor, "pk", None) else None)
    digest = hashlib.sha256()
    with job_file(job, "upload").open("wb") as out:
        for chunk in iter(lambda: upload.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
    job.sha256 = digest.hexdigest()
    job.save(update_fields=["sha256"])
    audit_log(actor=actor, action="imports.job.created", target=job,
              after={"kind": kind, "filename": job.filename, "sha256": job.sha256, "institution": institution.code})
    from xuedang.imports.tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Validate, then load. Never raises for bad input: the job records what happened."""
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportState.PENDING).update(state=ImportState.VALIDATING)
    job = ImportJob.objects.select_related("institution", "created_by").get(pk=job_id)
    if not claimed:  # another worker has it, or it already ran
        return job
    try:
        errors = _validate(job)
        if errors:  # report cross-row problems of the good rows in the same go
            errors = sorted(errors + _staging_errors(job), key=lambda e: (e.row, e.column))
            return _finish(job, ImportState.INVALID, errors=errors)
        _set(job, state=ImportState.LOADING)
        _load(job)
    except ImportFileError as error:
        return _finish(job, ImportState.INVALID, message=str(error))
    except RowsRejected as rejected:
        return _finish(job, ImportState.INVALID, errors=rejected.errors)
    finally:
        for suffix in ("upload", "rows.csv"):
            job_file(job, suffix).unlink(missing_ok=True)
    return job


class RowsRejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} rows rejected")
        self.errors = errors


def _set(job: ImportJob, **fields: Any) -> None:
    fields["heartbeat_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


STALE_AFTER = timedelta(minutes=30)
INTERRUPTED = ("处理中断（工作进程已退出），未写入任何数据，请重新上传 / the import was interrupted (its worker "
               "stopped); nothing was written, upload the file again")


def import_jobs_reap(*, now: datetime | None = None) -> int:
    """Mark jobs whose worker died as failed. Their load transaction rolled back with the worker,
    so nothing was written; the school is told to upload again."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = ImportJob.objects.filter(state__in=[ImportState.VALIDATING, ImportState.LOADING],
                                     heartbeat_at__lt=cutoff)
    count = 0
    for job in stale:
        _finish(job, ImportState.FAILED, message=INTERRUPTED)
        for suffix in ("upload", "rows.csv"):
            job_file(job, suffix).unlink(missing_ok=True)
        count += 1
    return count


def _estimate_rows(path: Path) -> int:
    with path.open("rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            return 0
        handle.seek(0)
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)


def _validate(job: ImportJob) -> list[RowError]:
    """Phase 1: every row checked, clean rows written to the staging file."""
    kind = KINDS[job.kind]
    upload = job_file(job, "upload")
    _set(job, state=ImportState.VALIDATING, total_rows=_estimate_rows(upload))
    lookups, errors, count = Lookups(), [], 0
    lookups.institution_code = job.institution.code
    today = timezone.localdate(job.created_at)
    with upload.open("rb") as stream, job_file(job, "rows.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        validate = None
        for row in iter_rows(stream, filename=job.filename):
            if validate is None:
                validate = kind.validator(_headers(kind, list(row.values)), lookups, today=today)
            count += 1
            try:
                writer.writerow(_csv_values(kind.staging_values(validate(row), row.number)))
            except RowInvalid as invalid:
                if len(errors) < MAX_ERRORS:  # a wholly wrong file must not fill the memory
                    errors.extend(invalid.errors)
            if count % PROGRESS_EVERY == 0:
                _set(job, processed_rows=count, total_rows=max(job.total_rows, count))
    if count == 0:
        raise ImportFileError("文件中没有数据行 / the file has no data rows")
    _set(job, processed_rows=count, total_rows=count)
    return errors


def _headers(kind: Kind, found: list[str]) -> dict[str, str]:
    mapping = header_map(found, kind.columns)
    missing = [c.zh for c in kind.columns if c.required and c.key not in mapping]
    known = {c.zh for c in kind.columns} | {c.en for c in kind.columns}
    unknown = [name for name in found if name not in known]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"缺少必填列：{'、'.join(missing)} / missing required columns")
        if unknown:
            parts.append(f"无法识别的列：{'、'.join(unknown)} / unknown columns")
        raise ImportFileError(f"{kind.title}文件：" + "；".join(parts))
    return mapping


NULL = "\\N"


def _csv_values(values: list[Any]) -> list[str]:
    return [NULL if v is None else "t" if v is True else "f" if v is False else str(v) for v in values]


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
    loaders.fill_staging(loaders.read_staging_file(str(job_file(job, "rows.csv"))), kind.staging)
    kind.prepare(job.institution_id)


def _load(job: ImportJob) -> None:
    """Phase 2: all rows or none, in one transaction."""
    with transaction.atomic():
        _stage(job)
        kind = KINDS[job.kind]
        errors = kind.check(job.institution_id)
        if errors:
            raise RowsRejected(errors)
        now = timezone.now()
        inserted = kind.insert(job.institution_id, now, job.created_by_id)
        for chunk in kind.inserted(job.institution_id, now):
            _audit_chunk(job, kind, chunk, now)
        pause = float(os.environ.get("XUEDANG_IMPORT_FAULT_PAUSE", "0"))  # fault-injection for tests
        if pause:
            job_file(job, "paused").touch()  # tells the crash test the transaction is open
            time.sleep(pause)
        job.inserted_rows = inserted
        job.skipped_rows = job.processed_rows - inserted
        _finish(job, ImportState.DONE)


def _audit_chunk(job: ImportJob, kind: Kind, chunk: list[tuple[str, dict[str, Any]]], now: Any) -> None:
    """One audit entry per inserted row, written in bulk."""
    reason = f"批量导入 / import job {job.pk}"
    rows = ((target_id, {**after, "import_job": job.pk}) for target_id, after in chunk)
    if connection.vendor == "postgresql":
        audit_rows_copy(actor=job.created_by, action=kind.audit_action, target_type=kind.audit_target, at=now,
                        reason=reason, rows=rows)
        return
    audit_log_bulk(AuditDraft(action=kind.audit_action, target_type=kind.audit_target, target_id=target_id,
                              actor=job.created_by, at=now, reason=reason, after=after)
                   for target_id, after in rows)


def _finish(job: ImportJob, state: str, *, errors: list[RowError] | None = None, message: str = "") -> ImportJob:
    job.state = state
    job.finished_at = timezone.now()
    job.message = message
    if errors:
        job.error_count = len(errors)
        job.errors = [e.__dict__ for e in errors[:KEEP_ERRORS]]
        with job_file(job, "errors.xlsx").open("wb") as out:
            error_report_xlsx(errors, out)
    job.save()
    return job
