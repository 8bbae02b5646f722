"""Celery for background jobs. Without REDIS_URL tasks run in-process (CELERY_TASK_ALWAYS_EAGER)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuedang.settings")

app = Celery("xuedang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
