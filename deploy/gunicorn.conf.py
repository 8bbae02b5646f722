"""gunicorn for xuedang: `gunicorn -c deploy/gunicorn.conf.py xuedang.wsgi:application`.

Used by deploy/xuedang-web.service and `make run-prod` (docs/deploy.md). Sync workers behind
nginx, which buffers slow clients; each worker recycles after GUNICORN_MAX_REQUESTS requests so
no process grows without bound through September. The access log never carries a query string,
a referrer, a verification code (`/verify/<code>` is written `/verify/[code]`) or an ID or phone
number in a path. Prometheus samples of all workers are summed from PROMETHEUS_MULTIPROC_DIR.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from gunicorn.glogging import Logger

from xuedang.core.logging import redact
from xuedang.reports.logging import redact_codes

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # an import upload of 200 MB over a fast link
graceful_timeout = 30
keepalive = 5  # nginx keeps upstream connections open (deploy/nginx-xuedang.conf)
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = ""  # client addresses come from TRUSTED_PROXIES in Django (decision 0010), not gunicorn
proxy_allow_ips = ""
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Every worker writes its metric samples here; /metrics sums them (core/metrics.py). Without the
# variable (a developer starting gunicorn by hand) a fresh directory of this run is used.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="xuedang-metrics-"))
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def clean_path(path: str) -> str:
    """A request path as the access log may keep it."""
    return redact_codes(redact(path))


class AccessLogWithoutSecrets(Logger):
    """gunicorn's logger with the request line rebuilt from the path alone (no query string)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = clean_path(atoms["U"])
        atoms["U"] = path
        atoms["q"] = ""
        atoms["r"] = f"{atoms['m']} {path} {atoms['H']}"
        atoms["f"] = "-"
        for name in list(atoms):
            if name.startswith("{") and name.lower() in {"{referer}i", "{cookie}i", "{authorization}i"}:
                atoms[name] = "-"
        return atoms


logger_class = AccessLogWithoutSecrets


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
