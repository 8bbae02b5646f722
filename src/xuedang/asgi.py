"""The ASGI application; like wsgi.py it refuses to load on unsafe production settings."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuedang.settings")
application = get_asgi_application()

from xuedang.core.checks import refuse_unsafe_configuration  # noqa: E402 — needs the apps loaded above

refuse_unsafe_configuration()
