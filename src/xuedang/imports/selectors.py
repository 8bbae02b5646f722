"""Reads of import jobs for the school's pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from xuedang.imports.models import ImportJob, ImportState


@dataclass(frozen=True)
class JobProgress:
    processed: int
    total: int
    percent: int


def job_progress(job: ImportJob) -> JobProgress:
    """How far a job has got. While a streaming import holds its connection in COPY, its
    progress lives in the cache (imports.services._progress), not yet in its row."""
    processed = job.processed_rows
    if job.state in (ImportState.VALIDATING, ImportState.LOADING):
        from xuedang.imports.services import progress_key

        processed = max(processed, cache.get(progress_key(job.pk)) or 0)
    total = max(job.total_rows, processed)
    if job.state in (ImportState.DONE, ImportState.INVALID, ImportState.FAILED):
        percent = 100
    else:
        percent = min(99, processed * 100 // total) if total else 0
    return JobProgress(processed, total, percent)
