"""CPU floor of the September storm (issue 16 item 7): CPU-seconds per imported row, on one core.

    python bench/floor.py --schools 10 --rows 5000

Loads --schools new-student files of --rows rows each (the storm's file size) through the real
pipeline (`import_job_create` + `import_job_run`, what the Celery worker runs for an upload) into a
fresh PostgreSQL database, with IMPORT_PROCESSES=1 (no forked validators: one core's work), and
counts the CPU time spent: this process and its children (getrusage) plus the PostgreSQL backend
serving its connection (/proc/PID/stat of pg_backend_pid(), same machine). CPU time, unlike wall
time, is what the other sessions on a shared machine do not inflate much. The per-verification
floor comes from bench/verify.py (cpu_us_per_request). The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def own_cpu_s() -> float:
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def _bench_import():
    """bench/import.py (a module name Python cannot import by statement)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_import", BENCH / "import.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_school_file(path: Path, rows: int, school: int) -> None:
    """A school's new-student file (as bench/import.py writes it); every school's students are
    different people (one active full-time enrollment per person, decision 0001)."""
    from datetime import date, timedelta

    from xuedang.core import validators
    from xuedang.imports.schemas import ENROLLMENT_COLUMNS

    names = ["吉𠮷", "阿依古丽·买买提", "张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄𡒄"]
    per_school = rows // 3000 + 1
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(c.zh for c in ENROLLMENT_COLUMNS) + "\n")
        for n in range(rows):
            birth = date(2000, 1, 1) + timedelta(days=n % 3000)
            number = validators.compose_resident_id("440304", birth, school * per_school + n // 3000)
            gender = "男" if int(number[16]) % 2 else "女"
            out.write(
                f"B{n:09d},{names[n % 10]},{gender},{birth.isoformat()},汉族,居民身份证,{number},"
                f"信息学院,080901,计算机科学与技术,本科,全日制,4,2026-09-01,2030-07-01,"
                f"统招（普通批次）,,计算机26级{n % 30 + 1}班\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xuedang_bench_floor")
    args = parser.parse_args()

    bench_import = _bench_import()
    tmp = Path(tempfile.mkdtemp(prefix="xuedang-floor-"))
    url = bench_import.fresh_database(args.server, args.database)
    os.environ.update(DATABASE_URL=url, XUEDANG_DATA_DIR=str(tmp / "var"), DJANGO_SETTINGS_MODULE="xuedang.settings")
    os.environ.update(IMPORT_PROCESSES="1", DEBUG="true")  # DEBUG only for the development keys
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from xuedang.imports.models import ImportState
    from xuedang.imports.services import import_job_create, import_job_run
    from xuedang.institutions.models import Institution

    call_command("migrate", verbosity=0)
    schools = list(Institution.objects.order_by("code")[: args.schools])
    files = []
    for index, school in enumerate(schools):
        path = tmp / f"school-{school.code}.csv"
        write_school_file(path, args.rows, index)
        files.append((school, path))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu0, pg0, wall0 = own_cpu_s(), process_cpu_s(backend), time.perf_counter()
    loaded = 0
    for school, path in files:
        with path.open("rb") as upload, transaction.atomic():
            job = import_job_create(
                actor=None, institution=school, kind="enrollments", upload=upload, filename=path.name
            )
        job = import_job_run(job_id=job.pk)
        if job.state != ImportState.DONE:
            sys.exit(f"{school.code}: {job.state} {job.message} {job.errors[:2]}")
        loaded += args.rows
    cpu, pg, wall = own_cpu_s() - cpu0, process_cpu_s(backend) - pg0, time.perf_counter() - wall0
    per_row_us = (cpu + pg) / loaded * 1e6
    target_rows = 200 * 5000
    print(f"{loaded} rows in {len(files)} files: wall {wall:.1f} s, python {cpu:.1f} CPU-s, postgres {pg:.1f} CPU-s")
    print(
        f"rows={loaded} cpu_us_per_row={per_row_us:.0f} python_us_per_row={cpu / loaded * 1e6:.0f} "
        f"postgres_us_per_row={pg / loaded * 1e6:.0f} storm_cpu_s={per_row_us * target_rows / 1e6:.0f}"
    )


if __name__ == "__main__":
    main()
