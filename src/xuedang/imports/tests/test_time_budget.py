"""A job over its time budget is stopped — every process working on it — and the institution's
next file runs (docs/decisions/0019-hostile-input.md)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from xuedang.imports import parallel
from xuedang.imports.budget import die_with_parent
from xuedang.imports.models import ImportState
from xuedang.imports.services import run_import_job
from xuedang.imports.tests.helpers import run_import, student_row, write_file
from xuedang.registry.models import Enrollment

pytestmark = pytest.mark.django_db


def _spinning_rows(*args, **kwargs):
    """A parser stuck before its first row, as openpyxl was on a padded dimension."""
    while True:
        pass
    yield  # pragma: no cover - a generator that never yields


def test_a_job_stuck_in_its_parser_is_stopped_and_the_schools_next_file_runs(tmp_path, settings, monkeypatch) -> None:
    settings.IMPORT_TIME_BUDGET_SECONDS = 1
    with monkeypatch.context() as stuck:
        stuck.setattr(parallel, "iter_rows", _spinning_rows)
        job = run_import(write_file(tmp_path, [student_row(n) for n in range(10)]))
    assert job.state == ImportState.FAILED
    assert "导入超过处理时限" in job.message
    assert "导入超过处理时限 1 秒" in job.message
    assert "time limit of 1 s" in job.message
    assert not Enrollment.objects.exists()

    settings.IMPORT_TIME_BUDGET_SECONDS = 3600
    next_job = run_import(write_file(tmp_path, [student_row(n) for n in range(10)]))
    assert next_job.state == ImportState.DONE
    assert Enrollment.objects.count() == 10


def test_forked_validators_past_the_budget_are_stopped_and_reaped(tmp_path, settings, monkeypatch) -> None:
    settings.IMPORT_TIME_BUDGET_SECONDS = 2
    settings.IMPORT_PROCESSES = 2
    children: list[parallel.Child] = []
    real_fork, real_rows = parallel.ValidationWork.fork, parallel.iter_rows

    def fork(self, share, **kwargs):
        children.append(real_fork(self, share, **kwargs))
        return children[-1]

    def rows_spinning_in_the_child(stream, *, share=(0, 1), **kwargs):
        if share[0] == 1:
            return _spinning_rows()
        return real_rows(stream, share=share, **kwargs)

    monkeypatch.setattr(parallel.ValidationWork, "fork", fork)
    monkeypatch.setattr(parallel, "iter_rows", rows_spinning_in_the_child)
    job = run_import(write_file(tmp_path, [student_row(n) for n in range(20_001)]))
    assert job.state == ImportState.FAILED
    assert "导入超过处理时限" in job.message
    assert children
    for child in children:
        assert child.reaped
        with pytest.raises(ChildProcessError):  # gone, and already waited for
            os.waitpid(child.pid, os.WNOHANG)
    assert not Enrollment.objects.exists()


def test_celery_interrupts_the_task_after_the_budget_and_kills_its_worker_soon_after(settings) -> None:
    budget = settings.IMPORT_TIME_BUDGET_SECONDS
    assert budget < run_import_job.soft_time_limit < run_import_job.time_limit <= budget + 300


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux only (prctl)")
def test_a_validator_dies_with_the_worker_that_forked_it() -> None:
    pid_r, pid_w = os.pipe()  # the validator tells the test its pid once armed
    armed_r, armed_w = os.pipe()  # … and tells the worker it may die
    worker = os.fork()
    if worker == 0:
        validator = os.fork()
        if validator == 0:
            die_with_parent()
            os.write(pid_w, f"{os.getpid()}".encode())
            os.write(armed_w, b"x")
            time.sleep(120)
            os._exit(0)
        os.read(armed_r, 1)
        os._exit(0)  # the worker dies (as at Celery's hard time limit)
    for fd in (pid_w, armed_w, armed_r):
        os.close(fd)
    validator_pid = int(os.read(pid_r, 32))
    os.close(pid_r)
    os.waitpid(worker, 0)
    give_up = time.monotonic() + 30
    while _alive(validator_pid) and time.monotonic() < give_up:
        time.sleep(0.05)
    assert not _alive(validator_pid)
