"""The province dashboard at national size (issue 14, DESIGN.md §5): its page at 2,000,000
enrollments against the same page at 20,000, and the refresh of the figures behind it.

    python bench/dashboard.py --small 20000 --large 2000000
    python bench/dashboard.py --small 20000 --large 2000000 --reuse   # keep seeded databases

For each size it seeds a PostgreSQL database with `generate_series` (enrollments spread over all
2,631 institutions, 录取 for a quarter of them, 学年注册 for about half, late 注销, credentials of
the graduating class, every institution's semester start but one in nine), times
`supervision.services.figures_refresh` (decision 0015), then requests the dashboard of the
province with the most institutions `--samples` times as a province officer through Django's own
request handling (middleware, sessions, two-step sign-in, template, the ECharts data), after a
warm-up. The page reads the aggregate rows only, so its time should not grow with the registry:
target `ratio` = large p95 / small p95 ≤ 1.5 and the large refresh ≤ 60 s.
The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

TARGET_RATIO = 1.5
TARGET_REFRESH_S = 60.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=2_000_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--prefix", default="h_supervision_dash", help="database name prefix")
    parser.add_argument("--reuse", action="store_true", help="keep already seeded databases of the same sizes")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # internal: one size, in its own process
    return parser.parse_args()


def _setup(database_url: str) -> None:
    import verify  # bench/verify.py: production-like settings

    env = verify.production_env(database_url, "")
    env.pop("REDIS_URL")
    env["ALLOWED_HOSTS"] = "testserver"
    env["SECURE_SSL_REDIRECT"] = "false"
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "xuedang.settings"
    import django

    django.setup()


# Each statement runs with the parameter `n` (the size): "%%" is SQL's modulo.
SEED_SQL = [
    # enrollments: institution round-robin over all institutions; entry 2022–2026; mostly in 学籍
    """
    INSERT INTO registry_enrollment (name, gender, birth_date, ethnicity, document_type, document_number,
        identity_digest, institution_id, student_number, exam_number, department, major_code, major_name,
        level, education_type, study_form, is_full_time, length_years, entry_date, expected_graduation_date,
        admission_type, preparatory, class_name, state, created_at, updated_at)
    SELECT '学生' || g, '1', DATE '2004-01-01', '01', 'resident_id', '', '', i.ids[1 + g %% i.n], 'B' || g, '',
        '', '080901', '计算机科学与技术', '05', '1', '1', TRUE, 4,
        make_date(2022 + g %% 5, 9, 1), make_date(2026 + g %% 5, 7, 1), '', FALSE, '',
        (ARRAY['registered','registered','registered','registered','registered','registered','deferred',
               'suspended','graduated','withdrawn'])[1 + g %% 10], now(), now()
    FROM generate_series(1, %(n)s) g,
        (SELECT array_agg(id ORDER BY id) ids, count(*) n FROM institutions_institution) i
    """,
    # 录取 of 2026 for a quarter as many candidates, in every state
    """
    INSERT INTO registry_admission (name, gender, birth_date, ethnicity, document_type, document_number,
        identity_digest, exam_number, year, institution_id, province_code, major_code, major_name, level,
        study_form, education_type, admission_type, preparatory, state, state_reason, created_at)
    SELECT '考生' || g, '1', DATE '2008-01-01', '01', 'resident_id', '', '', lpad(g::text, 14, '0'), 2026,
        i.ids[1 + g %% i.n], '11', '080901', '计算机科学与技术', '05', '1', '1', '01', FALSE,
        (ARRAY['admitted','registered','registered','registered','declined','cancelled','deferred'])[1 + g %% 7],
        '', now()
    FROM generate_series(1, %(n)s / 4) g,
        (SELECT array_agg(id ORDER BY id) ids, count(*) n FROM institutions_institution) i
    """,
    # every institution's first-semester start of 2026, except one in nine
    """
    INSERT INTO registry_semesterstart (institution_id, academic_year, starts_on, deadline, updated_at)
    SELECT id, 2026, make_date(2026, 9, 1 + id::int %% 7), make_date(2026, 10, 1 + id::int %% 7), now()
    FROM institutions_institution WHERE id %% 9 <> 0
    """,
    # 学年注册 of 2026 for about half the enrollments in 学籍, one in ten late
    """
    INSERT INTO registry_annualregistration (enrollment_id, academic_year, status, semester_start, deadline,
        registered_on, late, recorded_at)
    SELECT id, 2026, 'registered', DATE '2026-09-01', DATE '2026-10-01',
        CASE WHEN id %% 10 = 0 THEN DATE '2026-10-09' ELSE DATE '2026-09-15' END, id %% 10 = 0, now()
    FROM registry_enrollment WHERE state IN ('registered', 'deferred') AND id %% 2 = 0
    """,
    # 退学 of the withdrawn, a third of them entered late
    """
    INSERT INTO registry_enrollmentchange (enrollment_id, change_code, change_date, decision_date,
        decision_number, reason, before, after, late, recorded_at)
    SELECT id, '31', DATE '2026-03-01', DATE '2026-03-01', '', '', '{}', '{}', id %% 3 = 0, now()
    FROM registry_enrollment WHERE state = 'withdrawn'
    """,
    # credentials (drafts) of two thirds of the graduating class
    """
    INSERT INTO registry_credential (name, gender, birth_date, ethnicity, document_type, document_number,
        identity_digest, enrollment_id, institution_id, kind, certificate_number, certificate_key,
        institution_name, president_name, major_code, major_name, level, education_type, study_form,
        length_years, study_start, study_end, minor, lost_certificate_note, state, source, province_code,
        created_at, updated_at)
    SELECT e.name, e.gender, e.birth_date, '01', 'resident_id', '', '', e.id, e.institution_id, 'graduation',
        '', '', '学校', '', e.major_code, e.major_name, e.level, '1', '1', 4, e.entry_date,
        e.expected_graduation_date, '', '', 'draft', 'enrollment', '', now(), now()
    FROM registry_enrollment e WHERE e.expected_graduation_date = DATE '2026-07-01' AND e.id %% 3 <> 0
    """,
]


def prepare(server: str, prefix: str, size: int, reuse: bool) -> None:
    """Create, migrate and seed the database for `size` (in its own process)."""
    import verify

    name = f"{prefix}_{size}"
    if not (reuse and verify.database_exists(server, name)):
        verify.fresh_database(server, name)
    _setup(f"{server}/{name}")
    from django.core.management import call_command
    from django.db import connection

    from xuedang.registry.models import Enrollment

    call_command("migrate", verbosity=0)
    if Enrollment.objects.count() == size:
        return
    with connection.cursor() as cursor:
        for sql in SEED_SQL:
            cursor.execute(sql, {"n": size})
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _officer(province: str):
    from xuedang.accounts.models import User
    from xuedang.accounts.services import membership_grant, user_create

    user = User.objects.filter(username="bench_province").first()
    if user is None:
        user = user_create(
            actor=None, username="bench_province", password="bench-only-9f3", real_name="省级", is_staff=True
        )
    if not user.memberships.filter(province_code=province).exists():
        membership_grant(actor=None, user=user, scope="province", role="approver", province_code=province)
    return user


def measure(server: str, prefix: str, size: int, samples: int) -> dict[str, float]:
    """Refresh the figures once (timed), then time the province page."""
    _setup(f"{server}/{prefix}_{size}")
    from datetime import UTC, date, datetime

    from django.db.models import Count
    from django.test import Client

    from xuedang.institutions.models import Institution
    from xuedang.supervision.selectors import Periods
    from xuedang.supervision.services import figures_refresh

    periods = Periods.on(date(2026, 10, 20), datetime(2026, 10, 20, 4, tzinfo=UTC))
    refresh = figures_refresh(periods=periods)
    province, institutions = (
        Institution.objects.values_list("province_code").annotate(n=Count("pk")).order_by("-n").first()
    )
    user = _officer(province)
    client = Client()
    client.force_login(user)
    session = client.session
    session["accounts:two_factor"] = user.pk
    session.save()
    url = f"/supervision/province/{province}/?sort=-annual_missing"
    times = []
    for i in range(samples + samples // 10):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        if i >= samples // 10:
            times.append(elapsed)
    times.sort()
    return {
        "refresh_s": refresh.seconds,
        "median_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95)],
        "province": province,
        "institutions": institutions,
    }


def main() -> None:
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.server, args.prefix, args.measure, args.samples)))
        return
    results = {}
    for size in (args.small, args.large):
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.path[:0] = {[str(BENCH), str(ROOT / 'src')]!r}; "
                f"import dashboard; dashboard.prepare({args.server!r}, {args.prefix!r}, {size}, {args.reuse})",
            ],
            check=True,
        )
        print(f"size={size} seeded in {time.perf_counter() - started:.0f} s", flush=True)
        command = [sys.executable, __file__, "--server", args.server, "--prefix", args.prefix]
        command += ["--samples", str(args.samples), "--measure", str(size)]
        output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
        results[size] = json.loads(output.strip().splitlines()[-1])
        r = results[size]
        print(
            f"size={size} province={r['province']} institutions={r['institutions']} refresh_s={r['refresh_s']:.1f}"
            f" median_ms={r['median_ms']:.1f} p95_ms={r['p95_ms']:.1f}",
            flush=True,
        )
    small, large = results[args.small], results[args.large]
    ratio = large["p95_ms"] / small["p95_ms"]
    met = ratio <= TARGET_RATIO and large["refresh_s"] <= TARGET_REFRESH_S
    print(
        f"small_p95_ms={small['p95_ms']:.1f} large_p95_ms={large['p95_ms']:.1f} ratio={ratio:.2f}"
        f" refresh_s={large['refresh_s']:.1f} small={args.small} large={args.large} met={'yes' if met else 'no'}"
    )


if __name__ == "__main__":
    main()
