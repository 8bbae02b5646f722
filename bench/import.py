"""Bulk import benchmark (issue 3, DESIGN.md §5): the real pipeline against a raw COPY.

    python bench/import.py --rows 1000000

Generates a new-student file as a school would upload it (Chinese headers, UTF-8 CSV),
loads it into a fresh PostgreSQL database through the real pipeline (validation, staging,
set-based checks, INSERT … SELECT, hash-chained audit entries), then, in the same run,
loads the same final rows with a server-side COPY into a copy of the target table with the
same columns and indexes, and times a naive one-save()-per-row ORM loop on 10,000 rows.
The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--orm-rows", type=int, default=10_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xuedang_bench")
    return parser.parse_args()


def fresh_database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def write_school_file(path: Path, rows: int) -> None:
    from xuedang.core import validators
    from xuedang.imports.schemas import ENROLLMENT_COLUMNS

    names = ["吉𠮷", "阿依古丽·买买提", "张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄𡒄"]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(c.zh for c in ENROLLMENT_COLUMNS) + "\n")
        for n in range(rows):
            birth = date(2000, 1, 1) + timedelta(days=n % 3000)
            number = validators.compose_resident_id("440304", birth, n // 3000 % 1000)
            gender = "男" if int(number[16]) % 2 else "女"
            out.write(
                f"B{n:09d},{names[n % 10]},{gender},{birth.isoformat()},汉族,居民身份证,{number},"
                f"信息学院,080901,计算机科学与技术,本科,全日制,4,2026-09-01,2030-07-01,"
                f"统招（普通批次）,,计算机26级{n % 30 + 1}班\n"
            )


def peak_rss_mb() -> float:
    """The larger of this process's peak and that of its largest child (the forked validators)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run_pipeline(path: Path) -> float:
    from django.db import transaction

    from xuedang.imports.models import ImportState
    from xuedang.imports.services import import_job_create, import_job_run
    from xuedang.institutions.models import Institution

    school = Institution.objects.get(code="10001")
    started = time.perf_counter()
    with path.open("rb") as upload, transaction.atomic():
        job = import_job_create(actor=None, institution=school, kind="enrollments", upload=upload, filename=path.name)
    job = import_job_run(job_id=job.pk)
    elapsed = time.perf_counter() - started
    if job.state != ImportState.DONE:
        sys.exit(f"pipeline failed: {job.state} {job.message} {job.errors[:3]}")
    return elapsed


def run_raw_copy(tmp: Path) -> tuple[int, float]:
    """Server-side COPY of the same final rows into a same-shaped, same-indexed table."""
    from django.db import connection

    dump = tmp / "final_rows.csv"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute("CREATE TABLE bench_copy (LIKE registry_enrollment INCLUDING ALL)")
        cursor.execute(f"COPY registry_enrollment TO '{dump}' WITH (FORMAT csv)")
        cursor.execute("SELECT COUNT(*) FROM registry_enrollment")
        rows = cursor.fetchone()[0]
        cursor.execute("CHECKPOINT")
        started = time.perf_counter()
        cursor.execute(f"COPY bench_copy FROM '{dump}' WITH (FORMAT csv)")
        elapsed = time.perf_counter() - started
    return rows, elapsed


def run_orm_loop(count: int) -> float:
    from decimal import Decimal

    from xuedang.core import crypto, validators
    from xuedang.institutions.models import Institution
    from xuedang.registry.models import Enrollment

    school = Institution.objects.get(code="10003")
    started = time.perf_counter()
    for n in range(count):
        number = validators.compose_resident_id("310104", date(2001, 1, 1) + timedelta(days=n % 3000), n // 3000)
        Enrollment(
            institution=school,
            student_number=f"O{n:08d}",
            name="张伟",
            gender="1",
            birth_date=date(2001, 1, 1),
            ethnicity="01",
            document_type="resident_id",
            document_number=number,
            identity_digest=crypto.identity_digest("resident_id", number),
            major_code="080901",
            major_name="计算机科学与技术",
            level="05",
            study_form="1",
            length_years=Decimal(4),
            entry_date=date(2026, 9, 1),
            expected_graduation_date=date(2030, 7, 1),
            is_full_time=False,
        ).save()
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    url = fresh_database(args.server, args.database)
    tmp = Path(tempfile.mkdtemp(prefix="xuedang-bench-"))
    os.chmod(tmp, 0o777)  # the PostgreSQL server process writes and reads the COPY file here
    os.environ.update(DATABASE_URL=url, XUEDANG_DATA_DIR=str(tmp / "var"), DJANGO_SETTINGS_MODULE="xuedang.settings")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    path = tmp / "students.csv"
    write_school_file(path, args.rows)
    print(f"file: {args.rows} rows, {path.stat().st_size / 1e6:.1f} MB")
    import_s = run_pipeline(path)
    print(f"pipeline: {args.rows} rows in {import_s:.1f} s")
    copy_rows, copy_s = run_raw_copy(tmp)
    print(f"raw COPY: {copy_rows} rows in {copy_s:.1f} s")
    orm_s = run_orm_loop(args.orm_rows)
    print(f"naive ORM save() loop: {args.orm_rows / orm_s:,.0f} rows/s ({args.orm_rows} rows)")
    import_rate, copy_rate = args.rows / import_s, copy_rows / copy_s
    print(
        f"import_rows_per_s={import_rate:.0f} copy_rows_per_s={copy_rate:.0f} "
        f"ratio={import_rate / copy_rate:.2f} peak_rss_mb={peak_rss_mb():.0f}"
    )


if __name__ == "__main__":
    main()
