"""Supervision's Celery task, defined beside the service it runs (`supervision.services`)."""

from xuedang.supervision.services import refresh_figures

__all__ = ["refresh_figures"]
