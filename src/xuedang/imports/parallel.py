"""Phase 1 of an import across processes.

Validation is pure CPU work and each row stands alone, so a large file is shared between
forked processes: process k takes spreadsheet rows k, k+n, k+2n … Each writes its clean rows
to its own staging file (COPY text format) and, when asked, also streams them — already in
the registry table's column order — through a pipe to the parent, which passes the bytes to
PostgreSQL's COPY while validation is still going on.
Children use no database connection (code tables are read before the fork) and leave with
`os._exit`; their count and row errors come back in a small JSON file.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
from collections.abc import Callable, Generator
from typing import IO, Any

from xuedang.imports import loaders
from xuedang.imports.budget import Deadline, TimeBudgetExceeded, alarm, die_with_parent
from xuedang.imports.files import job_file
from xuedang.imports.kinds import Kind
from xuedang.imports.models import ImportJob
from xuedang.imports.parsing import ImportFileError, RowError, iter_rows
from xuedang.imports.schemas import Lookups, RowInvalid, validated_headers
from xuedang.registry.selectors import semester_starts

MAX_ERRORS = 100_000
PROGRESS_EVERY = 2000
PIPE_BATCH = 1000
Progress = Callable[[int], None]


class ValidationCrashed(RuntimeError):
    """A validating process died (killed, out of memory): the job fails, nothing was written."""


class ValidationWork:
    """One file's validation, split into `shares` interleaved parts."""

    def __init__(self, job: ImportJob, kind: Kind, shares: int, *, today: Any, deadline: Deadline) -> None:
        self.job, self.kind, self.shares, self.today = job, kind, shares, today
        self.deadline = deadline
        self.lookups = Lookups()
        self.lookups.institution_code = job.institution.code
        self.lookups.semester_starts = semester_starts(job.institution)

    def run(
        self,
        share: int,
        *,
        progress: Progress | None = None,
        pipe: IO[bytes] | None = None,
        convert: Callable[[str], str] | None = None,
    ) -> tuple[int, list[RowError]]:
        """Validate one share; clean rows go to its staging file (and, `convert`ed, to `pipe`);
        errors are returned."""
        errors: list[RowError] = []
        count, validate, batch = 0, None, []
        with (
            job_file(self.job, "upload").open("rb") as stream,
            job_file(self.job, f"rows-{share}.copy").open("w", encoding="utf-8", newline="\n") as out,
        ):
            for row in iter_rows(stream, filename=self.job.filename, share=(share, self.shares)):
                self.deadline.check()
                if validate is None:
                    headers = validated_headers(self.kind.title, self.kind.columns, list(row.values))
                    validate = self.kind.validator(headers, self.lookups, today=self.today)
                count += 1
                try:
                    line = loaders.copy_line(self.kind.staging_values(validate(row), row.number))
                    out.write(line)
                    if convert:
                        batch.append(convert(line))
                except RowInvalid as invalid:
                    if len(errors) < MAX_ERRORS:  # a wholly wrong file must not fill the memory
                        errors.extend(invalid.errors)
                if progress and count % PROGRESS_EVERY == 0:
                    progress(count * self.shares)
                if pipe and len(batch) >= PIPE_BATCH:
                    pipe.write("".join(batch).encode())
                    batch = []
        if pipe and batch:
            pipe.write("".join(batch).encode())
        return count, errors

    def fork(self, share: int, *, stream: Callable[[str], str] | None = None) -> Child:
        """A child validating `share`; with `stream`, its rows also come through a pipe, converted."""
        read_end, write_end = os.pipe() if stream else (-1, -1)
        pid = os.fork()
        if pid == 0:  # the child: validate one share, write the outcome, leave without cleanup
            status = 1
            try:
                die_with_parent()
                if stream:
                    os.close(read_end)
                pipe = os.fdopen(write_end, "wb", buffering=1 << 16) if stream else None
                try:
                    with alarm(self.deadline):
                        count, errors = self.run(share, pipe=pipe, convert=stream)
                    outcome: dict[str, Any] = {"count": count, "errors": [e.__dict__ for e in errors]}
                except ImportFileError as error:
                    outcome = {"file_error": str(error)}
                except TimeBudgetExceeded:
                    outcome = {"over_budget": True}
                if pipe:
                    pipe.close()
                job_file(self.job, f"share-{share}.json").write_text(json.dumps(outcome, ensure_ascii=False))
                status = 0
            finally:
                os._exit(status)
        if stream:
            os.close(write_end)
        return Child(self.job, share, pid, read_end if stream else None)


class Child:
    """A forked validator seen from the parent."""

    def __init__(self, job: ImportJob, share: int, pid: int, fd: int | None) -> None:
        self.job, self.share, self.pid, self.fd = job, share, pid, fd
        self.reaped = False  # once waited for, the pid may belong to another process: never signal it

    def kill(self) -> None:
        """Stop the child now and reap it (its work is abandoned with the job)."""
        if self.reaped:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.reaped = True

    def collect(self) -> tuple[int, list[RowError]]:
        """Wait for the child; its count and errors, or ImportFileError if it could not read the file."""
        _, status = os.waitpid(self.pid, 0)
        self.reaped = True
        result = job_file(self.job, f"share-{self.share}.json")
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not result.exists():
            raise ValidationCrashed(f"validation process {self.share} of import job {self.job.pk} failed")
        outcome = json.loads(result.read_text())
        if "over_budget" in outcome:
            raise TimeBudgetExceeded()
        if "file_error" in outcome:
            raise ImportFileError(outcome["file_error"])
        return outcome["count"], [RowError(**e) for e in outcome["errors"]]


def collect_all(children: list[Child]) -> tuple[int, list[RowError]]:
    """Every child's outcome (all are waited for, even when one failed)."""
    count, errors, failure = 0, [], None
    for child in children:
        try:
            share_count, share_errors = child.collect()
        except (ImportFileError, ValidationCrashed, TimeBudgetExceeded) as error:
            failure = failure or error
            continue
        count += share_count
        errors.extend(share_errors)
    if failure:
        raise failure
    return count, errors


def streamed_chunks(children: list[Child], progress: Progress) -> Generator[bytes, None, None]:
    """The children's converted rows as they arrive — whole lines only, one child's at a time —
    from every pipe until each closes. Progress counts the rows passed on."""
    chooser = selectors.DefaultSelector()
    pending: dict[int, bytes] = {}
    for child in children:
        assert child.fd is not None
        chooser.register(child.fd, selectors.EVENT_READ)
        pending[child.fd] = b""
    done = reported = 0
    try:
        while pending:
            for key, _ in chooser.select():
                fd = key.fd
                data = os.read(fd, 1 << 16)
                if not data:
                    chooser.unregister(fd)
                    os.close(fd)
                    pending.pop(fd)
                    continue
                data = pending[fd] + data
                end = data.rfind(b"\n") + 1
                pending[fd] = data[end:]
                if end:
                    done += data.count(b"\n", 0, end)
                    if done - reported >= PROGRESS_EVERY:
                        progress(done)
                        reported = done
                    yield data[:end]
    finally:
        chooser.close()
        for fd in pending:
            os.close(fd)
