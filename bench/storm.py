"""The September storm (issue 16 item 7): schools upload new-student files through the API while
employers keep verifying.

    python bench/storm.py                                   # 200 institutions × 5,000 rows in 60 s
    python bench/storm.py --institutions 8 --rows 500 --window 10 --verify-seconds 5   # this laptop

Runs the production profile of `make run-prod` (deploy/run_prod.py: PostgreSQL, Redis, real
Celery workers, gunicorn with deploy/gunicorn.conf.py) on a fresh database, issues one API key per
institution, measures public verification alone with wrk (idle), then submits every
institution's file through `POST /api/v1/school/imports` spread over --window seconds while wrk
keeps verifying, and follows every job to its end. Verification requests look up codes that do
not exist (the same prepared index lookup as a hit, without the access-log row), with the
per-address limits raised for the bench. Prints, last:

    rows=… lost=… errors=… imports_rows_per_s=… max_job_wait_s=… median_job_wait_s=…
    verify_p99_ms=… verify_ratio_vs_idle=… rss_growth_pct=…

job wait = from the upload's answer to the job leaving the queue (first seen running, polled
every 0.2 s); lost = rows of finished jobs that are not in the database; errors = failed uploads,
failed or invalid jobs; rss_growth_pct = the largest growth of any gunicorn or Celery process
between the first and the last sample.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
BIN = Path(sys.executable).parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--institutions", type=int, default=200)
    parser.add_argument("--rows", type=int, default=5000, help="rows per institution's file")
    parser.add_argument("--window", type=float, default=60, help="seconds over which the files are uploaded")
    parser.add_argument("--verify-seconds", type=int, default=10, help="length of the idle wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8117)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for every job to end")
    return parser.parse_args()


def fresh_database(server: str) -> str:
    import psycopg

    name = f"xuedang_storm_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_service(args: argparse.Namespace, database_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REPORTS_VERIFY_RATE": "100000000/s",
        "REPORTS_MISSES_BEFORE_CAPTCHA": "1000000000",
        "API_KEY_RATE": "100000/m",
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "service.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, str(ROOT / "deploy" / "run_prod.py"), "--port", str(args.port)),
            *("--database-url", database_url, "--redis-url", args.redis_url, "--data-dir", str(data_dir)),
            *("--workers", str(args.web_workers)),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while "Ctrl-C stops it" not in (data_dir / "service.log").read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit((data_dir / "service.log").read_text(errors="replace")[-3000:])
        time.sleep(1)
    return process


def django_in(database_url: str, data_dir: Path, redis_url: str) -> None:
    """This process as one more node of the same deployment (the same keys and database)."""
    import runpy

    run_prod = runpy.run_path(str(ROOT / "deploy" / "run_prod.py"))
    profile = run_prod["profile_env"](
        argparse.Namespace(data_dir=str(data_dir), database_url=database_url, redis_url=redis_url, port=0, workers=1)
    )
    os.environ.update({k: v for k, v in profile.items() if k != "PROMETHEUS_MULTIPROC_DIR"})
    os.environ["DJANGO_SETTINGS_MODULE"] = "xuedang.settings"
    import django

    django.setup()


def issue_keys(count: int) -> list[tuple[str, str]]:
    from xuedang.institutions.models import Institution
    from xuedang.institutions.services import api_key_issue

    institutions = list(Institution.objects.order_by("code")[:count])
    if len(institutions) < count:
        raise SystemExit(f"only {len(institutions)} institutions in the reference data")
    return [(i.code, api_key_issue(actor=None, name="storm", institution=i)[1]) for i in institutions]


def make_files(count: int, rows: int, directory: Path) -> list[Path]:
    from xuedang.imports.tests.helpers import HEADER, student_row

    paths = []
    for i in range(count):
        path = directory / f"storm-{i}.csv"
        with path.open("w", encoding="utf-8") as out:
            out.write(",".join(HEADER) + "\n")
            for k in range(rows):
                row = student_row(i * rows + k, **{"学号": f"S{i:03d}{k:06d}"})
                out.write(",".join(row[h] for h in HEADER) + "\n")
        paths.append(path)
    return paths


def upload(base: str, key: str, path: Path) -> int | None:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nenrollments\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{base}/api/v1/school/imports",
        data=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            import json

            return int(json.loads(response.read())["id"])
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        print(f"upload {path.name} failed: {error}", file=sys.stderr)
        return None


def wrk(base: str, seconds: int, connections: int, directory: Path) -> tuple[float, float]:
    """(requests/s, p99 ms) of verifying random unknown codes."""
    script = directory / "verify.lua"
    codes = ["".join(random.choices(string.ascii_uppercase + "23456789", k=16)) for _ in range(2000)]
    script.write_text(
        "local codes = {" + ",".join(f'"{c}"' for c in codes) + "}\n"
        "request = function() return wrk.format('GET', '/verify/' .. codes[math.random(#codes)]) end\n"
    )
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), base],
        capture_output=True,
        text=True,
        check=True,
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", done.stdout)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return rps, float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")


def rss_by_process(root_pid: int) -> dict[int, int]:
    """RSS (kB) of every gunicorn and Celery process under the service."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(pid)) != os.getpgid(root_pid):
                continue
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            if b"gunicorn" not in cmd and b"celery" not in cmd:
                continue
            status = Path(f"/proc/{pid}/status").read_text()
            found[int(pid)] = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        except (OSError, AttributeError, ProcessLookupError):
            continue
    return found


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (make bench-verify installs it)")
    work = Path(tempfile.mkdtemp(prefix="xuedang-storm-"))
    name = fresh_database(args.server)
    database_url = f"{args.server}/{name}"
    service = None
    try:
        service = start_service(args, database_url, work / "var")
        django_in(database_url, work / "var", args.redis_url)
        from xuedang.imports.models import ImportJob, ImportState

        base = f"http://127.0.0.1:{args.port}"
        keys = issue_keys(args.institutions)
        files = make_files(args.institutions, args.rows, work)
        idle_rps, idle_p99 = wrk(base, args.verify_seconds, args.connections, work)
        print(f"idle verification: {idle_rps:.0f} req/s, p99 {idle_p99:.1f} ms", flush=True)

        uploaded: dict[int, float] = {}  # job id → when its upload was answered
        failed_uploads = 0
        lock = threading.Lock()

        def submit(index: int) -> None:
            nonlocal failed_uploads
            time.sleep(args.window * index / max(1, args.institutions))
            job = upload(base, keys[index][1], files[index])
            with lock:
                if job is None:
                    failed_uploads += 1
                else:
                    uploaded[job] = time.monotonic()

        started = time.monotonic()
        threads = [threading.Thread(target=submit, args=(i,)) for i in range(args.institutions)]
        for thread in threads:
            thread.start()
        storm_verify: list[tuple[float, float]] = []
        first_rss = rss_by_process(service.pid)
        verifier = threading.Thread(
            target=lambda: storm_verify.append(wrk(base, max(5, int(args.window)), args.connections, work))
        )
        verifier.start()
        left_queue: dict[int, float] = {}
        finished: set[int] = set()
        deadline = started + args.timeout
        while time.monotonic() < deadline:
            with lock:
                known = dict(uploaded)
            states = dict(ImportJob.objects.filter(pk__in=known).values_list("pk", "state"))
            now = time.monotonic()
            for job, state in states.items():
                if state != ImportState.PENDING and job not in left_queue:
                    left_queue[job] = now
                if state in (ImportState.DONE, ImportState.FAILED, ImportState.INVALID):
                    finished.add(job)
            if all(not t.is_alive() for t in threads) and len(finished) == len(uploaded):
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        verifier.join()
        last_rss = rss_by_process(service.pid)

        jobs = list(ImportJob.objects.filter(pk__in=uploaded))
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM registry_enrollment e JOIN institutions_institution i "
                "ON i.id = e.institution_id WHERE i.code = ANY(%s)",
                [[code for code, _ in keys]],
            )
            in_database = cursor.fetchone()[0]
        done_rows = sum(job.inserted_rows for job in jobs if job.state == ImportState.DONE)
        errors = failed_uploads + sum(job.state != ImportState.DONE for job in jobs)
        waits = [left_queue.get(job, time.monotonic()) - at for job, at in uploaded.items()]
        growth = [100.0 * (last_rss[pid] - first_rss[pid]) / first_rss[pid] for pid in first_rss if pid in last_rss]
        storm_rps, storm_p99 = storm_verify[0] if storm_verify else (0.0, float("nan"))
        print(f"storm verification: {storm_rps:.0f} req/s, p99 {storm_p99:.1f} ms", flush=True)
        print(
            f"rows={done_rows} lost={max(0, done_rows - in_database)} errors={errors} "
            f"imports_rows_per_s={done_rows / elapsed:.0f} max_job_wait_s={max(waits, default=0):.1f} "
            f"median_job_wait_s={statistics.median(waits) if waits else 0:.1f} verify_p99_ms={storm_p99:.1f} "
            f"verify_ratio_vs_idle={storm_rps / idle_rps if idle_rps else 0:.2f} "
            f"rss_growth_pct={max(growth, default=0):.1f}"
        )
    finally:
        if service is not None and service.poll() is None:
            os.killpg(service.pid, signal.SIGTERM)
            try:
                service.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(service.pid, signal.SIGKILL)
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        drop_database(args.server, name)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
