"""Where an import's files live while it runs: the upload, the staging parts, the error report.

.. pii: the upload and staging parts hold students' identities (ID numbers sealed in the
   parts); both are removed when the job finishes. The error report (ID numbers masked) stays
   for download until IMPORT_FILES_RETENTION_DAYS have passed (services.import_files_expire).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from xuedang.imports.models import ImportJob


def imports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_file(job: ImportJob, suffix: str) -> Path:
    return imports_dir() / f"job-{job.pk}.{suffix}"


def staging_files(job: ImportJob) -> list[Path]:
    """The validated rows, one file per validating process, in COPY text format."""
    return sorted(imports_dir().glob(f"job-{job.pk}.rows-*.copy"))


def remove_work_files(job: ImportJob, *, keep_upload: bool = False) -> None:
    if not keep_upload:
        job_file(job, "upload").unlink(missing_ok=True)
    for path in imports_dir().glob(f"job-{job.pk}.*"):
        if path.suffix in (".copy", ".json"):
            path.unlink(missing_ok=True)


_JOB_FILE = re.compile(r"^job-(\d+)\.")


def expired_job_files(job_ids: set[int]) -> Iterator[Path]:
    """Every file under the imports directory that belongs to one of these jobs."""
    for path in imports_dir().iterdir():
        found = _JOB_FILE.match(path.name)
        if found and int(found.group(1)) in job_ids:
            yield path
