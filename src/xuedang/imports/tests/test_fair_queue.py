"""Fair import queueing (issue 16 item 7): one institution's many files do not make another
institution's file wait behind all of them. A real Celery worker on Redis, one job at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from django.conf import settings

from xuedang.conftest import scratch_database, scratch_database_drop
from xuedang.imports.services import import_queue

SUBMIT = r"""
import io, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "xuedang.settings"
import django
django.setup()
from xuedang.imports.services import import_job_create
from xuedang.imports.tests.helpers import csv_upload, student_row
from xuedang.institutions.models import Institution

busy, other = Institution.objects.get(code=sys.argv[1]), Institution.objects.get(code=sys.argv[2])
for n in range(6):  # the busy school sends six files first
    rows = [student_row(n * 50 + k, **{"学号": f"B{n}{k:04d}"}) for k in range(50)]
    import_job_create(actor=None, institution=busy, kind="enrollments", upload=io.BytesIO(csv_upload(rows)),
                      filename=f"busy-{n}.csv")
rows = [student_row(1000 + k, **{"学号": f"O{k:04d}"}) for k in range(50)]
job = import_job_create(actor=None, institution=other, kind="enrollments", upload=io.BytesIO(csv_upload(rows)),
                        filename="other.csv")
print(job.pk)
"""


def test_every_import_queue_is_consumed() -> None:
    consumed = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert {import_queue(f"{code:05d}") for code in range(10000, 10400)} <= consumed


def test_one_institutions_files_do_not_starve_another(tmp_path, redis_url) -> None:
    busy, other = (
        "10001",
        next(c for c in ("10003", "10246", "10002", "10004") if import_queue(c) != import_queue("10001")),
    )
    url, created = scratch_database(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "XUEDANG_DATA_DIR": str(tmp_path / "var"), "REDIS_URL": redis_url}
    worker = None
    try:
        submitted = subprocess.run(
            [sys.executable, "-c", SUBMIT, busy, other],
            env=env,
            check=True,
            timeout=300,
            capture_output=True,
            text=True,
        )
        other_job = int(submitted.stdout.strip().splitlines()[-1])
        worker = subprocess.Popen(
            [
                *(os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "xuedang", "worker"),
                *(
                    "--concurrency=1",
                    "--prefetch-multiplier=1",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "WARNING",
                ),
            ],
            env=env,
        )
        order = []
        deadline = time.monotonic() + 600
        while len(order) < 7:
            assert time.monotonic() < deadline, f"jobs did not finish: {order}"
            order = _finished_order(url)
            time.sleep(0.5)
        # FIFO on one queue would run it seventh; round robin over the queues, first or second.
        assert order.index(other_job) <= 1, order
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
        scratch_database_drop(created)


def _finished_order(url: str) -> list[int]:
    sql = "SELECT id FROM imports_importjob WHERE finished_at IS NOT NULL ORDER BY finished_at, id"
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return [row[0] for row in conn.execute(sql)]
    import psycopg

    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute(sql)]
