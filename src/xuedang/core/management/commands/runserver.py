"""`xuedang runserver`: Django's (with static files), refusing unsafe production settings first.

Django's own runserver runs the system checks inside its autoreloader's child, where a failure
is printed and the reloader waits for a code change instead of exiting. This refuses before the
reloader starts, so the command exits non-zero with the variable named (core/checks.py).
"""

from typing import Any

from django.contrib.staticfiles.management.commands.runserver import Command as StaticfilesRunserver
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from xuedang.core.checks import refuse_unsafe_configuration


class Command(StaticfilesRunserver):
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            refuse_unsafe_configuration()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        super().handle(*args, **options)
