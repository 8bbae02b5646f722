"""Killing the worker in the middle of an import leaves no partial rows (DESIGN.md §6).

The import runs in a real separate process against its own database (an SQLite file, or a
fresh PostgreSQL database in the PostgreSQL pass); it is killed with SIGKILL while its load
transaction is open, with the rows already inserted, and the database is then inspected.
"""

from __future__ import annotations

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
