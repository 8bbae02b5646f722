"""A real Celery worker on a real Redis broker runs a queued import (the production path)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from xuedang.conftest import scratch_database, scratch_database_drop
from xuedang.imports.tests.helpers import count_in, student_row, write_file


def test_a_celery_worker_runs_a_queued_import(tmp_path, redis_url) -> None:
    url, created = scratch_database(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "XUEDANG_DATA_DIR": str(tmp_path / "var"),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "xuedang.settings",
    }
    manage = [sys.executable, "-m", "xuedang.manage"]
    worker = None
    try:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "xuedang",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            env=env,
        )
        path = write_file(tmp_path, [student_row(n) for n in range(40)])
        queued = subprocess.run(
            [*manage, "import_file", str(path), "--institution", "10001", "--background"],
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        assert "已排队" in queued.stdout
        deadline, state = time.monotonic() + 90, ""
        while time.monotonic() < deadline and state != "done":
            state = _state(url)
            time.sleep(0.3)
        assert state == "done"
        assert count_in(url, "SELECT COUNT(*) FROM registry_enrollment") == 40
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
        scratch_database_drop(created)


def _state(url: str) -> str:
    sql = "SELECT state FROM imports_importjob ORDER BY id DESC LIMIT 1"
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            row = conn.execute(sql).fetchone()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            row = conn.execute(sql).fetchone()
    return row[0] if row else ""
