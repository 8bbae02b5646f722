"""The registry's Celery tasks, defined beside the services they run (`registry.services`)."""

from xuedang.registry.services.publication import run_publication_job

__all__ = ["run_publication_job"]
