"""Public verification benchmark (issue 6, DESIGN.md §5): the verification page against a constant view.

    python bench/verify.py --credentials 1000000

Seeds N published credentials, each with an active verification report, into a fresh
PostgreSQL database (psycopg COPY), serves the project with gunicorn under production settings
(DEBUG off, Redis cache for the rate limits, persistent connections; sync workers, see
--workers), then drives `GET /verify/<code>` for random valid codes with wrk at 16 connections
(every verification writes its access-log row, as in production) and, in the same run and on
the same server, a constant-response Django view behind the same middleware (a bench-only
URLconf, bench/verify_urls.py), and a view doing one indexed ORM lookup by code (MEASURED.md's
baseline; reported as lookup_ratio and verify_to_lookup), and a view running only the statement
a verification cannot do without (the prepared lookup that writes the access-log row) with a
constant JSON answer (floor_ratio: the ceiling of the verification page here). For each view it
prints the CPU time per request of each process group (gunicorn, PostgreSQL, Redis, wrk) and of
the kernel, read from /proc, to show where a request's cost goes when all share the cores.
Also times signed PDFs through bench/pdf.py when it is present. The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

NAMES = ["吉𠮷", "阿依古丽·买买提", "张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄𡒄"]
ENROLLMENT_COLUMNS = ", ".join(
    (
        "id",
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "document_type",
        "document_number",
        "identity_digest",
        "institution_id",
        "student_number",
        "exam_number",
        "department",
        "major_code",
        "major_name",
        "level",
        "education_type",
        "study_form",
        "is_full_time",
        "length_years",
        "entry_date",
        "expected_graduation_date",
        "admission_type",
        "preparatory",
        "class_name",
        "state",
        "state_date",
        "created_at",
        "updated_at",
    )
)
CREDENTIAL_COLUMNS = ", ".join(
    (
        "id",
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "document_type",
        "document_number",
        "identity_digest",
        "enrollment_id",
        "institution_id",
        "kind",
        "certificate_number",
        "certificate_key",
        "institution_name",
        "president_name",
        "major_code",
        "major_name",
        "level",
        "education_type",
        "study_form",
        "length_years",
        "study_start",
        "study_end",
        "issue_date",
        "minor",
        "lost_certificate_note",
        "state",
        "published_at",
        "created_at",
        "updated_at",
        "source",
        "province_code",
    )
)
REPORT_COLUMNS = ", ".join(
    (
        "id",
        "code",
        "kind",
        "lang",
        "user_id",
        "credential_id",
        "identity_digest",
        "snapshot",
        "months",
        "valid_until",
        "state",
        "created_at",
    )
)
LUA = """
local codes = {}
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("id", counter)
end
init = function(args)
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
  prefix = args[2] or "/verify/"
  math.randomseed(os.time() * 1000 + id)
end
request = function()
  return wrk.format("GET", prefix .. codes[math.random(#codes)])
end
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--credentials", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xuedang_bench_verify")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2 on a 2-core machine)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker; above 1 runs gunicorn's gthread")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run")
    parser.add_argument("--sample", type=int, default=200_000, help="codes handed to wrk to pick from")
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database of the same size")
    return parser.parse_args()


def production_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Production-like settings, the same for the seeding process and the server."""
    secret = hashlib.sha256(b"xuedang bench verify").digest()
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        # signs with the development CA (bench/pdf.py): a staging system, which this is
        "SIGNING_ALLOW_DEV_CA": "true",
        # wrk speaks plain HTTP to gunicorn, as nginx does once it has ended TLS (docs/deploy.md):
        # without this every request would be answered by the redirect to https
        "SECURE_SSL_REDIRECT": "false",
        "SECRET_KEY": base64.b64encode(secret).decode() + "-bench-only",
        "PII_KEYS": "bench:" + base64.b64encode(hashlib.sha256(b"pii").digest()).decode(),
        "PII_HMAC_KEY": base64.b64encode(hashlib.sha256(b"hmac").digest()).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://xuedang.example",
        "REPORTS_VERIFY_RATE": "1000000000/h",  # the limit is checked on every request, never reached here
        "LOG_LEVEL": "WARNING",
    }


def fresh_database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def database_exists(server: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


# --- Seeding -------------------------------------------------------------------------------------
def _identity(n: int) -> tuple[str, date]:
    from xuedang.core import validators

    birth = date(1990, 1, 1) + timedelta(days=n % 3650)
    area = ("440304", "440305", "440306", "440307")[n // 3_650_000 % 4]  # unique ID numbers up to 14.6 million
    return validators.compose_resident_id(area, birth, n // 3650 % 1000), birth


def _certificate(n: int) -> str:
    from xuedang.core import validators

    return validators.build_certificate_number(
        school_code="10001", education_type="1", year=2025 - n // 999_999, level="05", serial=n % 999_999 + 1
    )


def _person(n: int) -> tuple[str, str, str, date]:
    number, birth = _identity(n)
    return NAMES[n % len(NAMES)], "1" if int(number[16]) % 2 else "2", number, birth


def _copy_records(raw, count: int, school, now) -> None:
    """Enrollments, then credentials (one COPY at a time: a connection carries one COPY)."""
    from xuedang.core import crypto

    sealed = {}
    with raw.copy(f"COPY registry_enrollment ({ENROLLMENT_COLUMNS}) FROM STDIN") as copy:
        for n in range(count):
            name, gender, number, birth = _person(n)
            sealed[n] = (crypto.seal(number), crypto.identity_digest("resident_id", number))
            copy.write_row(
                (
                    n + 1,
                    name,
                    gender,
                    birth,
                    "01",
                    "resident_id",
                    *sealed[n],
                    school.pk,
                    f"B{n:09d}",
                    "",
                    "信息科学技术学院",
                    "080901",
                    "计算机科学与技术",
                    "05",
                    "1",
                    "1",
                    True,
                    4,
                    date(2021, 9, 1),
                    date(2025, 7, 1),
                    "",
                    False,
                    "",
                    "graduated",
                    date(2025, 7, 1),
                    now,
                    now,
                )
            )
    with raw.copy(f"COPY registry_credential ({CREDENTIAL_COLUMNS}) FROM STDIN") as copy:
        for n in range(count):
            name, gender, _number, birth = _person(n)
            certificate = _certificate(n)
            copy.write_row(
                (
                    n + 1,
                    name,
                    gender,
                    birth,
                    "01",
                    "resident_id",
                    *sealed.pop(n),
                    n + 1,
                    school.pk,
                    "graduation",
                    certificate,
                    certificate,
                    school.name,
                    "龚旗煌",
                    "080901",
                    "计算机科学与技术",
                    "05",
                    "1",
                    "1",
                    4,
                    date(2021, 9, 1),
                    date(2025, 7, 1),
                    date(2025, 7, 1),
                    "",
                    "",
                    "published",
                    now,
                    now,
                    now,
                    "enrollment",  # a school's graduate (not 自考 or 补录): no province of its own
                    "",
                )
            )


def _snapshot(n: int, school, updated_on: str) -> dict:
    """What credential_facts reads from the seeded credential, as report_create would store it."""
    from xuedang.core.masking import mask_document

    name, gender, number, birth = _person(n)
    return {
        "name": name,
        "gender": gender,
        "document": mask_document(number),
        "birth_date": birth.isoformat(),
        "study_start": "2021-09-01",
        "study_end": "2025-07-01",
        "institution": school.name,
        "institution_en": school.name_en,
        "major": "计算机科学与技术",
        "length_years": "4",
        "level": "05",
        "education_type": "1",
        "study_form": "1",
        "credential_kind": "graduation",
        "certificate_number": _certificate(n),
        "president": "龚旗煌",
        "minor": "",
        "lost_certificate_note": "",
        "state": "published",
        "updated_on": updated_on,
        "photo_id": None,
    }


def _copy_reports(raw, count: int, school, owner, now) -> list[str]:
    from django.utils import timezone

    from xuedang.core import crypto
    from xuedang.reports.codes import new_code

    codes, seen = [], set()
    updated_on, until = timezone.localdate(now).isoformat(), timezone.localdate(now) + timedelta(days=180)
    with raw.copy(f"COPY reports_report ({REPORT_COLUMNS}) FROM STDIN") as copy:
        for n in range(count):
            code = new_code()
            while code in seen:
                code = new_code()
            seen.add(code)
            codes.append(code)
            digest = crypto.identity_digest("resident_id", _person(n)[2])
            copy.write_row(
                (
                    n + 1,
                    code,
                    "credential",
                    "zh" if n % 4 else "en",
                    owner.pk,
                    n + 1,
                    digest,
                    json.dumps(_snapshot(n, school, updated_on), ensure_ascii=False),
                    6,
                    until,
                    "active",
                    now,
                )
            )
    return codes


def seed(count: int) -> list[str]:
    """COPY `count` enrollments, credentials and reports; returns every report code."""
    from django.db import connection
    from django.utils import timezone

    from xuedang.accounts.services import user_create
    from xuedang.institutions.models import Institution

    school = Institution.objects.get(code="10001")
    owner = user_create(actor=None, username="bench_owner", password=secrets.token_urlsafe(16), real_name="基准")
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        _copy_records(cursor.cursor, count, school, now)
        print(f"seeded {count} enrollments and credentials in {time.perf_counter() - started:.0f} s", flush=True)
        codes = _copy_reports(cursor.cursor, count, school, owner, now)
        for table in ("registry_enrollment", "registry_credential", "reports_report"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cursor.execute(f"ANALYZE {table}")
    print(f"seeded {count} reports in {time.perf_counter() - started:.0f} s in all", flush=True)
    return codes


def check_sample(codes: list[str]) -> None:
    """The seeded reports verify as valid through the real selector (the benchmark measures real work)."""
    from xuedang.reports.selectors import Status, report_verify

    for code in random.sample(codes, min(50, len(codes))):
        verification = report_verify(typed=code)
        if verification.status != Status.VALID:
            raise SystemExit(f"seeded report {code[:4]}… verifies as {verification.status}, not valid")


def existing_codes(count: int) -> list[str] | None:
    from xuedang.reports.models import Report

    if Report.objects.count() != count:
        return None
    return list(Report.objects.values_list("code", flat=True))


LOOKUP = "/bench/lookup/"  # one indexed ORM lookup of a report by its code (bench/verify_urls.py)
FLOOR = "/bench/floor/"  # the verification's own lookup + log statement, nothing else (bench/verify_urls.py)


# --- Where the CPU goes ------------------------------------------------------------------------------
GROUPS = (("gunicorn", "gunicorn"), ("postgres", "postgres"), ("redis", "redis"))
TICKS = os.sysconf("SC_CLK_TCK")


def _process_ticks() -> dict[str, int]:
    """CPU ticks (user + system) of every live process, summed by group."""
    totals = dict.fromkeys([name for name, _ in GROUPS] + ["other"], 0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        group = next((name for name, prefix in GROUPS if comm.startswith(prefix)), "other")
        totals[group] += int(fields[11]) + int(fields[12])
    return totals


def _machine_ticks() -> tuple[int, int, int]:
    """(all, idle, softirq) ticks of the whole machine from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values), values[3] + values[4], values[6]


def cpu_measured(run) -> tuple[dict[str, float], dict[str, float]]:
    """Run `run` (a wrk run) and return its figures and the CPU µs per request it cost each group:
    gunicorn (the Django workers), postgres, redis, wrk (a waited-for child, from rusage), kernel
    softirq (network), idle, and the machine in all."""
    import resource

    before, machine, children = _process_ticks(), _machine_ticks(), resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = run()
    after, machine_after = _process_ticks(), _machine_ticks()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    per = 1e6 / figures["requests"]
    cpu = {name: (after[name] - before[name]) / TICKS * per for name, _ in GROUPS}
    cpu["wrk"] = (children_after.ru_utime + children_after.ru_stime - children.ru_utime - children.ru_stime) * per
    cpu["softirq"] = (machine_after[2] - machine[2]) / TICKS * per
    cpu["idle"] = (machine_after[1] - machine[1]) / TICKS * per
    cpu["machine"] = (machine_after[0] - machine[0]) / TICKS * per
    return figures, cpu


def cpu_line(name: str, figures: dict[str, float], cpu: dict[str, float]) -> str:
    parts = " ".join(f"{key}={value:.0f}" for key, value in cpu.items())
    return f"cpu_us_per_request view={name} rps={figures['rps']:.0f} {parts}"


# --- Serving and load ------------------------------------------------------------------------------
def serve(env: dict[str, str], workers: int, threads: int, port: int) -> subprocess.Popen:
    worker_class = ["--worker-class", "sync"]
    if threads > 1:
        worker_class = ["--worker-class", "gthread", "--threads", str(threads)]
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "xuedang.wsgi:application",
        "--workers",
        str(workers),
        *worker_class,
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    server_env = {
        **os.environ,
        **env,
        "DJANGO_SETTINGS_MODULE": "verify_settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT / "src")]),
    }
    process = subprocess.Popen(command, env=server_env, start_new_session=True)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def wrk(
    url: str,
    *,
    connections: int,
    duration: int,
    script: Path | None = None,
    codes: Path | None = None,
    prefix: str = "/verify/",
) -> dict[str, float]:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if codes:
        command += ["--", str(codes), prefix]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if errors or socket_errors:
        raise SystemExit(f"wrk saw failed requests against {url}:\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p99_ms": _ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "p50_ms": _ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "requests": float(re.search(r"(\d+) requests in", output).group(1)),
    }


def pdf_figures(count: int) -> tuple[str, str]:
    """Median ms and KB of signed report PDFs from bench/pdf.py (written with the PDF module)."""
    try:
        import pdf as pdf_bench  # bench/pdf.py
    except ImportError:
        return "n/a", "n/a"
    result = pdf_bench.measure(count)
    if isinstance(result, dict):
        median, size = result.get("median_ms"), result.get("kb", result.get("pdf_kb"))
    else:
        median, size = result[0], result[1]
    return f"{float(median):.1f}", f"{float(size):.0f}"


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    name = args.database
    url = f"{args.server}/{name}"
    reuse = args.reuse and database_exists(args.server, name)
    if not reuse:
        fresh_database(args.server, name)
    env = production_env(url, args.redis)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "xuedang.settings"
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    from xuedang.registry.models import AccessEvent

    call_command("migrate", verbosity=0)
    codes = existing_codes(args.credentials) if reuse else None
    if codes is None:
        if reuse:  # another size: start again
            from django.db import connections

            connections.close_all()
            fresh_database(args.server, name)
            call_command("migrate", verbosity=0)
        codes = seed(args.credentials)
    check_sample(codes)
    cache.clear()
    from django.db import connection

    with connection.cursor() as cursor:  # start steady: no dead rows for autovacuum, no checkpoint due
        cursor.execute(f"TRUNCATE {AccessEvent._meta.db_table}")
        cursor.execute("CHECKPOINT")

    workdir = Path(tempfile.mkdtemp(prefix="xuedang-bench-verify-"))
    script, code_file = workdir / "verify.lua", workdir / "codes.txt"
    script.write_text(LUA)
    code_file.write_text("\n".join(random.sample(codes, min(args.sample, len(codes)))) + "\n")
    port = 18000 + os.getpid() % 1000
    server = serve(env, args.workers, args.threads, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wrk(f"{base}/bench/constant", connections=args.connections, duration=3)  # warm up both paths
        wrk(base, connections=args.connections, duration=3, script=script, codes=code_file)
        wrk(base, connections=args.connections, duration=3, script=script, codes=code_file, prefix=LOOKUP)
        wrk(base, connections=args.connections, duration=3, script=script, codes=code_file, prefix=FLOOR)
        logged_before = AccessEvent.objects.count()
        constant, constant_cpu = cpu_measured(
            lambda: wrk(f"{base}/bench/constant", connections=args.connections, duration=args.duration)
        )
        verify, verify_cpu = cpu_measured(
            lambda: wrk(base, connections=args.connections, duration=args.duration, script=script, codes=code_file)
        )
        logged = AccessEvent.objects.count() - logged_before
        lookup, lookup_cpu = cpu_measured(
            lambda: wrk(
                base,
                connections=args.connections,
                duration=args.duration,
                script=script,
                codes=code_file,
                prefix=LOOKUP,
            )
        )
        floor, floor_cpu = cpu_measured(
            lambda: wrk(
                base, connections=args.connections, duration=args.duration, script=script, codes=code_file, prefix=FLOOR
            )
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    if logged < verify["requests"]:
        raise SystemExit(f"only {logged} of {verify['requests']:.0f} verifications were logged")
    pdf_median, pdf_kb = pdf_figures(args.pdfs)
    for name, figures, cpu in (
        ("constant", constant, constant_cpu),
        ("verify", verify, verify_cpu),
        ("lookup", lookup, lookup_cpu),
        ("floor", floor, floor_cpu),
    ):
        print(cpu_line(name, figures, cpu))
    print(
        f"credentials={args.credentials} workers={args.workers} threads={args.threads} "
        f"connections={args.connections} lookup_rps={lookup['rps']:.0f} "
        f"lookup_ratio={lookup['rps'] / constant['rps']:.2f} verify_to_lookup={verify['rps'] / lookup['rps']:.2f} "
        f"floor_ratio={floor['rps'] / constant['rps']:.2f} verify_to_floor={verify['rps'] / floor['rps']:.2f} "
        f"constant_p50_ms={constant['p50_ms']:.2f} "
        f"verify_p50_ms={verify['p50_ms']:.2f} constant_p99_ms={constant['p99_ms']:.2f} logged={logged}"
    )
    print(
        f"verify_rps={verify['rps']:.0f} constant_rps={constant['rps']:.0f} "
        f"ratio={verify['rps'] / constant['rps']:.2f} p99_ms={verify['p99_ms']:.2f} "
        f"pdf_median_ms={pdf_median} pdf_kb={pdf_kb}"
    )


if __name__ == "__main__":
    main()
