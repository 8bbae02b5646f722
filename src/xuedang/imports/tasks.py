"""The import's Celery tasks, defined beside the services they run (`imports.services`)."""

from xuedang.imports.services import expire_import_files, reap_import_jobs, run_import_job

__all__ = ["expire_import_files", "reap_import_jobs", "run_import_job"]
