"""A real Celery worker whose imports stop inside their load transaction, for the crash test.

`python -m xuedang.imports.tests.paused_worker [celery worker options]`: as in paused_import, the
last step of every load (`services._loaded`, rows inserted, transaction open) is wrapped; it
writes the pool process's PID into a `job-N.paused` marker and sleeps, so the test can SIGKILL
exactly the process running the job. Only the job's first attempt pauses, unless
PAUSE_EVERY_ATTEMPT is set (a file that kills every worker that loads it). The fault lives here,
on the test's side; production code reads no test switch.
"""

from __future__ import annotations

import os
import sys
import time

import django


def main(argv: list[str]) -> None:
    django.setup()
    from xuedang.celery import app
    from xuedang.imports import services
    from xuedang.imports.files import job_file

    loaded = services._loaded
    every_attempt = bool(os.environ.get("PAUSE_EVERY_ATTEMPT"))

    def loaded_then_pause(job, kind, inserted, now) -> None:
        loaded(job, kind, inserted, now)
        marker = job_file(job, "paused")
        if marker.exists() and not every_attempt:
            return
        marker.write_text(str(os.getpid()))  # tells the test the transaction is open, and where
        time.sleep(120)

    services._loaded = loaded_then_pause
    app.worker_main(["worker", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
