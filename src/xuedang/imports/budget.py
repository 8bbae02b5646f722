"""An import's time budget: past it, every process working on the job stops (decision 0019).

Three layers, because a hostile file can hold a process anywhere:
- `check()` between rows, in the worker and in each forked validator;
- a SIGALRM timer in each of those processes (main thread only), which raises even while a
  parser spins before yielding its first row;
- Celery's soft and hard time limits on the task (`services.run_import_job`): the hard one kills
  the worker process itself, and forked validators die with it (`die_with_parent`).
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

from django.conf import settings


class TimeBudgetExceeded(Exception):
    """The job ran past IMPORT_TIME_BUDGET_SECONDS; the message is "中文 / English"."""

    def __init__(self, seconds: float | None = None) -> None:
        seconds = settings.IMPORT_TIME_BUDGET_SECONDS if seconds is None else seconds
        zh, en = (
            (f"{seconds / 60:g} 分钟", f"{seconds / 60:g} minutes")
            if seconds % 60 == 0
            else (f"{seconds:g} 秒", f"{seconds:g} s")
        )
        super().__init__(
            f"导入超过处理时限 {zh}，已停止，未写入任何数据；请拆分文件后重新上传 / the import exceeded its "
            f"time limit of {en} and was stopped; nothing was written; split the file and upload again"
        )


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return self.at - time.monotonic()

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise TimeBudgetExceeded(self.seconds)


@contextlib.contextmanager
def alarm(deadline: Deadline) -> Iterator[None]:
    """Raise TimeBudgetExceeded in this process when the deadline passes, wherever it is."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield  # threads cannot take signals; the row checks and Celery's limits still apply
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeBudgetExceeded(deadline.seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(deadline.left(), 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a forked validator: be killed when the worker that forked it dies (Linux), so a worker
    killed at its hard time limit leaves no validator spinning."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
