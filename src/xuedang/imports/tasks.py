"""The import's Celery tasks, defined beside the services they run (`imports.services`)."""

from xuedang.imports.services import reap_import_jobs, run_import_job

__all__ = ["reap_import_jobs", "run_import_job"]
