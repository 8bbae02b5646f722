"""Throwaway PostgreSQL clusters for tests that need a server of their own: a primary and a
streaming standby (initdb, pg_basebackup -R) in a temporary directory on free ports 55410–55419,
with Debian's binaries. Nothing of the machine's own PostgreSQL configuration is used. As root the
servers run as the postgres user (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PORTS = range(55410, 55420)
# A port stays locked (a file lock, released with the process) from the moment it is chosen until its
# server is removed: the two passes of `make test` run at the same time, and initdb takes seconds
# before the server binds its port.
_locks: dict[int, int] = {}


def available() -> bool:
    return (PG_BIN / "initdb").exists() and (os.geteuid() != 0 or shutil.which("runuser") is not None)


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def run(command: list[str]) -> str:
    done = subprocess.run(_as_postgres(command), capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr or done.stdout}")
    return done.stdout


def free_port(taken: set[int]) -> int:
    for port in PORTS:
        if port in taken:
            continue
        lock = os.open(f"/tmp/xuedang-pgcluster-{port}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                os.close(lock)
                continue
        _locks[port] = lock
        return port
    raise RuntimeError("no free port in 55410–55419")


@dataclass
class Server:
    data: Path
    port: int
    base: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def start(self) -> None:
        run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.data.with_suffix(".log")), "-w", "start"])

    def stop(self) -> None:
        run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


def make_base() -> Path:
    base = Path(tempfile.mkdtemp(prefix="xuedang-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    return base


def primary(base: Path, taken: set[int]) -> Server:
    port = free_port(taken)
    data = base / "primary"
    run([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
    settings = (
        f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{base}'\n"
        "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 32MB\n"
        "max_connections = 40\nwal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
    )
    run(["sh", "-c", f"cat >> {data / 'postgresql.conf'} <<'EOF'\n{settings}EOF"])
    server = Server(data, port, base)
    server.start()
    return server


def standby(of: Server, taken: set[int]) -> Server:
    port = free_port(taken | {of.port})
    data = of.base / "standby"
    run(
        [
            *(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(of.port), "-U", "postgres"),
            *("-D", str(data), "-R", "-X", "stream", "-c", "fast"),
        ]
    )
    run(["sh", "-c", f"echo 'port = {port}' >> {data / 'postgresql.auto.conf'}"])
    server = Server(data, port, of.base)
    server.start()
    return server


def remove(base: Path, *servers: Server) -> None:
    for server in servers:
        if server.running():
            with contextlib.suppress(RuntimeError):
                server.stop()
        if server.port in _locks:
            os.close(_locks.pop(server.port))
    shutil.rmtree(base, ignore_errors=True)
