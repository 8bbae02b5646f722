"""The WSGI application gunicorn serves. It refuses to load on unsafe production settings
(core/checks.py): gunicorn's workers then fail to boot and gunicorn exits, naming the variable."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuedang.settings")
application = get_wsgi_application()

from xuedang.core.checks import refuse_unsafe_configuration  # noqa: E402 — needs the apps loaded above

refuse_unsafe_configuration()
