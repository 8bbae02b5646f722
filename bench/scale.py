"""Lookups at scale (DESIGN.md §5): the hot reads at 10,000,000 rows against the same reads at 100,000.

    python bench/scale.py --small 100000 --large 10000000     # ~25 min to seed the large one
    python bench/scale.py --small 100000 --large 1000000 --reuse

For each size it seeds (or, with --reuse, keeps) a PostgreSQL database of N enrollments, N
published credentials and N active verification reports with bench/verify.py's COPY seeding,
then, in a fresh process per size, times the reads that every page of a national service
leans on, each through the project's own code:

- verification: `reports.selectors.report_verify` for a random report code (read only);
- 零散查询: `reports.selectors.credential_lookup` by certificate number and name;
- binding: the candidate query of `archive.services.bindings_refresh` (records under one
  identity digest and name that no account holds yet), for enrollments and credentials.

Each read runs for `--samples` random keys drawn across the whole table (after a warm-up of
a tenth as many other keys), and the median and p95 are reported. The target is the large
database's median within 1.5× of the small one's. The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

TARGET = 1.5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    parser.add_argument("--samples", type=int, default=3_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true", help="keep already seeded databases of the same sizes")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # internal: one size, in its own process
    return parser.parse_args()


def database_name(size: int) -> str:
    return f"xuedang_bench_scale_{size}"


def _setup(server: str, size: int) -> None:
    import verify  # bench/verify.py: the production-like settings and the COPY seeding

    env = verify.production_env(f"{server}/{database_name(size)}", os.environ.get("REDIS_URL", ""))
    env.pop("REDIS_URL")
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "xuedang.settings"
    import django

    django.setup()


def prepare(server: str, size: int, reuse: bool) -> None:
    """Seed the database for `size` (in this process: it becomes that database's process)."""
    import verify

    name = database_name(size)
    if not (reuse and verify.database_exists(server, name)):
        verify.fresh_database(server, name)
    _setup(server, size)
    from django.core.management import call_command

    from xuedang.reports.models import Report

    call_command("migrate", verbosity=0)
    if Report.objects.count() != size:
        from django.db import connections

        connections.close_all()
        verify.fresh_database(server, name)
        call_command("migrate", verbosity=0)
        verify.seed(size)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _timed(run, keys: list) -> dict[str, float]:
    warm, keys = keys[: len(keys) // 11], keys[len(keys) // 11 :]
    for key in warm:
        run(key)
    times = []
    for key in keys:
        started = time.perf_counter()
        run(key)
        times.append((time.perf_counter() - started) * 1e6)
    times.sort()
    return {"median_us": statistics.median(times), "p95_us": times[int(len(times) * 0.95)]}


def measure(server: str, size: int, samples: int) -> dict[str, dict[str, float]]:
    """Time each read for random keys across the whole table; returns {read: {median_us, p95_us}}."""
    _setup(server, size)
    from django.db import connection
    from django.db.models import Exists, OuterRef

    from xuedang.archive.models import Binding
    from xuedang.archive.selectors import identity_condition
    from xuedang.registry.models import Credential, Enrollment
    from xuedang.reports.selectors import Status, credential_lookup, report_verify

    count = samples + samples // 10
    ids = random.sample(range(1, size + 1), min(count, size))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.code, c.certificate_number, c.name, c.identity_digest FROM reports_report r "
            "JOIN registry_credential c ON c.id = r.credential_id WHERE r.id = ANY(%s)",
            [ids],
        )
        rows = cursor.fetchall()
    random.shuffle(rows)

    def verification(row) -> None:
        assert report_verify(typed=row[0]).status == Status.VALID

    def lookup(row) -> None:
        assert credential_lookup(certificate_number=row[1], name=row[2]) is not None

    def binding(row) -> None:
        found = 0
        for model, field in ((Enrollment, "enrollment"), (Credential, "credential")):
            bound = Binding.objects.filter(**{field: OuterRef("pk")})
            found += len(model.objects.filter(identity_condition([(row[3], row[2])])).filter(~Exists(bound)))
        assert found >= 2  # past 3.65 million the seeding repeats ID numbers: one person, several records

    return {
        name: _timed(run, rows)
        for name, run in (("verification", verification), ("lookup", lookup), ("binding", binding))
    }


def main() -> None:
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.server, args.measure, args.samples)))
        return
    results = {}
    for size in (args.small, args.large):
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.path[:0] = {[str(BENCH), str(ROOT / 'src')]!r}; "
                f"import scale; scale.prepare({args.server!r}, {size}, {args.reuse})",
            ],
            check=True,
        )
        print(f"size={size} ready in {time.perf_counter() - started:.0f} s", flush=True)
        output = subprocess.run(
            [sys.executable, __file__, "--server", args.server, "--samples", str(args.samples), "--measure", str(size)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        results[size] = json.loads(output.strip().splitlines()[-1])
        for name, figures in results[size].items():
            print(
                f"size={size} read={name} median_us={figures['median_us']:.0f} p95_us={figures['p95_us']:.0f}",
                flush=True,
            )
    small, large = results[args.small], results[args.large]
    ratios = {name: large[name]["median_us"] / small[name]["median_us"] for name in small}
    worst = max(ratios.values())
    print(
        f"small={args.small} large={args.large} "
        + " ".join(f"{name}_ratio={ratio:.2f}" for name, ratio in ratios.items())
        + f" worst_ratio={worst:.2f} target={TARGET} met={'yes' if worst <= TARGET else 'no'}"
    )


if __name__ == "__main__":
    main()
