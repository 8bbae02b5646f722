"""Celery for background jobs. Without REDIS_URL tasks run in-process (CELERY_TASK_ALWAYS_EAGER)."""

import os
import sys
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuedang.settings")

app = Celery("xuedang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_unsafe_configuration(**kwargs: Any) -> None:
    """A worker or beat does not start on unsafe production settings (core/checks.py): a worker
    would write personal data under keys anyone can derive. Celery logs and swallows exceptions
    of signal handlers, so this exits the process itself, with the message."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from xuedang.core.checks import refuse_unsafe_configuration

    try:
        refuse_unsafe_configuration()
    except ImproperlyConfigured as error:
        sys.exit(str(error))
