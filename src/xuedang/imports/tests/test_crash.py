"""Killing the worker in the middle of an import leaves no partial rows (DESIGN.md §6).

The import runs in a real separate process against its own database (an SQLite file, or a
fresh PostgreSQL database in the PostgreSQL pass); it is killed with SIGKILL while its load
transaction is open, with the rows already inserted, and the database is then inspected.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from xuedang.conftest import scratch_database, scratch_database_drop
from xuedang.imports.tests.helpers import count_in, student_row, write_file


# 500 rows take the ordinary path; 25,000 rows are validated by forked processes and, on
# PostgreSQL, streamed into COPY while they are validated.
@pytest.mark.parametrize("rows", [500, 25_000])
def test_a_worker_killed_mid_import_leaves_nothing_behind(tmp_path, rows) -> None:
    url, created = scratch_database(tmp_path)
    data_dir = tmp_path / "var"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "XUEDANG_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "xuedang.settings",
    }
    env.pop("REDIS_URL", None)
    try:
        path = write_file(tmp_path, [student_row(n) for n in range(rows)])
        paused_import = [sys.executable, "-m", "xuedang.imports.tests.paused_import"]
        worker = subprocess.Popen([*paused_import, str(path), "--institution", "10001"], env=env)
        marker = None
        deadline = time.monotonic() + 120
        while marker is None and time.monotonic() < deadline:
            marker = next(iter(data_dir.glob("imports/*.paused")), None)
            time.sleep(0.1)
        assert marker is not None, "the import never reached its load transaction"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        assert count_in(url, "SELECT COUNT(*) FROM registry_enrollment") == 0
        assert count_in(url, "SELECT COUNT(*) FROM core_auditentry WHERE action = 'imports.job.loaded'") == 0
    finally:
        scratch_database_drop(created)


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_marked_failed_and_can_be_uploaded_again() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from xuedang.imports.models import ImportJob, ImportState
    from xuedang.imports.services import import_jobs_reap
    from xuedang.institutions.models import Institution

    school = Institution.objects.get(code="10001")
    old = timezone.now() - timedelta(hours=2)
    dead = ImportJob.objects.create(
        institution=school,
        kind="enrollments",
        filename="a.csv",
        sha256="x",
        state=ImportState.LOADING,
        heartbeat_at=old,
    )
    alive = ImportJob.objects.create(
        institution=school,
        kind="enrollments",
        filename="b.csv",
        sha256="y",
        state=ImportState.VALIDATING,
        heartbeat_at=timezone.now(),
    )
    assert import_jobs_reap() == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == ImportState.FAILED
    assert "重新上传" in dead.message
    assert alive.state == ImportState.VALIDATING


# --- A real Celery worker (prefork pool, Redis broker) losing the process that runs the job ------
def _job(url: str) -> tuple[str, str]:
    sql = "SELECT state, message FROM imports_importjob ORDER BY id DESC LIMIT 1"
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            row = conn.execute(sql).fetchone()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            row = conn.execute(sql).fetchone()
    return (row[0], row[1]) if row else ("", "")


def _kill_the_pool_process_when_paused(data_dir, killed: set[int], deadline: float) -> int:
    """Wait until a pool process sits in the load transaction (a marker with a PID not killed yet),
    SIGKILL it as the kernel's OOM killer would, and return its PID."""
    while time.monotonic() < deadline:
        marker = next(iter(data_dir.glob("imports/*.paused")), None)
        text = marker.read_text().strip() if marker else ""
        if text.isdigit() and int(text) not in killed:
            pid = int(text)
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
            return pid
        time.sleep(0.1)
    raise AssertionError("the import never reached its load transaction")


@pytest.fixture
def paused_worker(tmp_path, redis_url, request):
    """Starts `paused_worker` (prefork, one pool process) on a scratch database; yields (url, env, start)."""
    url, created = scratch_database(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "XUEDANG_DATA_DIR": str(tmp_path / "var"),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "xuedang.settings",
    }
    workers: list[subprocess.Popen] = []

    def start(**extra: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "xuedang.imports.tests.paused_worker", "--pool=prefork", "--concurrency=1"]
        command += ["--without-gossip", "--without-mingle", "--loglevel=WARNING"]
        workers.append(subprocess.Popen(command, env={**env, **extra}, start_new_session=True))
        return workers[-1]

    try:
        yield url, env, start
    finally:
        for worker in workers:  # the whole group: the worker and its pool process
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        scratch_database_drop(created)


def _queue_import(env: dict[str, str], tmp_path, rows: int) -> None:
    path = write_file(tmp_path, [student_row(n) for n in range(rows)])
    queued = subprocess.run(
        [sys.executable, "-m", "xuedang.manage", "import_file", str(path), "--institution", "10001", "--background"],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert "已排队" in queued.stdout


def _wait_for_state(url: str, states: set[str], deadline: float) -> tuple[str, str]:
    state, message = _job(url)
    while state not in states:
        assert time.monotonic() < deadline, f"the job stayed {state!r}"
        time.sleep(0.3)
        state, message = _job(url)
    return state, message


ENROLLED = "SELECT COUNT(*) FROM registry_enrollment"
LOADED = "SELECT COUNT(*) FROM core_auditentry WHERE action = 'imports.job.loaded'"


def test_a_celery_pool_process_killed_mid_import_is_retried_to_completion(paused_worker, tmp_path) -> None:
    url, env, start = paused_worker
    start()
    _queue_import(env, tmp_path, 300)
    deadline = time.monotonic() + 240
    _kill_the_pool_process_when_paused(tmp_path / "var", set(), deadline)
    # the rows were inserted, uncommitted, when the process died: none are there
    assert count_in(url, ENROLLED) == 0
    assert count_in(url, LOADED) == 0
    # Celery sees the lost process and runs the job again in a fresh one, which finishes it: once.
    assert _wait_for_state(url, {"done", "failed", "invalid"}, deadline) == ("done", "")
    assert count_in(url, ENROLLED) == 300
    assert count_in(url, LOADED) == 1


def test_a_file_that_keeps_killing_its_worker_is_failed_clearly_with_nothing_written(paused_worker, tmp_path) -> None:
    url, env, start = paused_worker
    worker = start(PAUSE_EVERY_ATTEMPT="1")
    _queue_import(env, tmp_path, 300)
    deadline = time.monotonic() + 300
    killed: set[int] = set()
    for _attempt in range(3):  # the first run and its two retries
        _kill_the_pool_process_when_paused(tmp_path / "var", killed, deadline)
    state, message = _wait_for_state(url, {"done", "failed", "invalid"}, deadline)
    assert state == "failed"
    assert "处理中断" in message
    assert "upload the file again" in message
    assert count_in(url, ENROLLED) == 0
    assert count_in(url, LOADED) == 0
    assert worker.poll() is None  # the worker itself lives on and takes the next file
