"""Fixed actors and service markers shared by every app's tests.

Actors (STYLE.md): centre_admin, province_officer, registrar, other_school_registrar,
student, other_student, employer. The registrar's school is 北京大学 (10001, province 11);
the other school is 复旦大学 (10246, province 31), outside the province officer's scope.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from hypothesis import HealthCheck, settings

IN_CI = os.environ.get("CI", "").lower() == "true"

# Property tests check behaviour, never speed: on a loaded 2-core machine hypothesis's own timing
# (deadline, "too slow" data generation) failed tests whose properties held.
settings.register_profile("xuedang", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("xuedang")
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


# Tests that start PostgreSQL servers of their own (a throwaway cluster, or `make run-prod` on a
# scratch database) do the same whatever database the pass uses: CI runs them once, in its
# PostgreSQL pass, not again in the SQLite pass that runs at the same time.
OWN_POSTGRES_FIXTURES = {"own_postgres", "primary_and_standby", "scratch_postgres"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IN_CI:
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            once = pytest.mark.skip(reason="starts its own PostgreSQL: runs in the PostgreSQL pass of CI")
            for item in items:
                if OWN_POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
                    item.add_marker(once)
        return
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401

        have_browser = os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    except ImportError:
        have_browser = False
    if not have_browser:
        skip = pytest.mark.skip(reason="headless Chromium is not installed here")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _jobs_in_process() -> None:
    """Tasks run in the test's own process and transaction; a real worker is tested on its own."""
    from xuedang.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Argon2 is slow on purpose (tens of ms a hash) and the suite hashes hundreds of passwords;
    tests use MD5. That production hashes with Argon2 is its own test (accounts/tests/test_passwords.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits, captcha counts and sign-in failures live in the cache: each test starts
    without the counters an earlier test left (the hostile walk exhausts many of them)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    """Files a test writes (uploads, reports) go to its own directory, never ./var."""
    settings.DATA_DIR = tmp_path / "var"


@pytest.fixture
def postgres(db: None) -> None:
    """For tests of PostgreSQL-only paths; they run in the PostgreSQL pass of `make test`."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-only path; runs in the PostgreSQL pass (CI=true)")


@pytest.fixture
def redis_url() -> str:
    """A real Redis for limit tests; skipped locally when absent, a failure in CI."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_TEST_URL} is not reachable in CI")
        pytest.skip("Redis is not running here")
    client.flushdb()
    return REDIS_TEST_URL


@pytest.fixture(scope="session")
def signing_dev_ca(tmp_path_factory: pytest.TempPathFactory):
    """Signed PDFs (reports, and any page that renders one) sign with a development CA made once."""
    from xuedang.reports.signing import devca_ensure

    ca, _created = devca_ensure(tmp_path_factory.mktemp("signing-dev"))
    return ca


@pytest.fixture(autouse=True)
def _sign_with_dev_ca(settings, signing_dev_ca, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point settings (and the environment, for live servers in subprocesses) at the session's dev CA."""
    values = {
        "SIGNING_KEY_FILE": str(signing_dev_ca.key),
        "SIGNING_CERT_FILE": str(signing_dev_ca.cert),
        "SIGNING_CHAIN_FILE": str(signing_dev_ca.ca_cert),
        "SIGNING_KEY_PASSPHRASE": "",
    }
    for name, value in values.items():
        setattr(settings, name, value)
        monkeypatch.setenv(name, value)
    settings.SIGNING_ALLOW_DEV_CA = True  # tests run with DEBUG off, like production
    monkeypatch.setenv("SIGNING_ALLOW_DEV_CA", "true")


# --- Actors -----------------------------------------------------------------------------------
PASSWORD = "Xuedang-test-2026!"
REGISTRAR_SCHOOL = "10001"  # 北京大学, province 11
OTHER_SCHOOL = "10246"  # 复旦大学, province 31


def login(user):
    """A test client signed in as `user` (one of the actors)."""
    from django.test import Client

    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    if user.is_staff:  # staff pages answer only after two-step sign-in (accounts.middleware)
        session = client.session
        session["accounts:two_factor"] = user.pk
        session.save()
    return client


def _staff(username: str, scope: str, role: str, *, province: str = "", school: str = ""):
    from xuedang.accounts.services import membership_grant, user_create
    from xuedang.institutions.models import Institution

    user = user_create(actor=None, username=username, password=PASSWORD, real_name="工作人员", is_staff=True)
    institution = Institution.objects.get(code=school) if school else None
    membership_grant(actor=None, user=user, scope=scope, role=role, province_code=province, institution=institution)
    return user


@pytest.fixture
def centre_admin(db):
    return _staff("centre_admin", "centre", "user_admin")


@pytest.fixture
def province_officer(db):
    return _staff("province_officer", "province", "approver", province="11")


@pytest.fixture
def registrar(db):
    return _staff("registrar", "institution", "registrar", school=REGISTRAR_SCHOOL)


@pytest.fixture
def other_school_registrar(db):
    return _staff("other_registrar", "institution", "registrar", school=OTHER_SCHOOL)


def _person(username: str, name: str, document_number: str):
    """A student whose identity has been checked (real-person check or identity challenge)."""
    from django.utils import timezone

    from xuedang.accounts.services import user_create

    user = user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        real_name=name,
        document_type="resident_id",
        document_number=document_number,
    )
    user.identity_checked_at = timezone.now()
    user.save(update_fields=["identity_checked_at"])
    return user


@pytest.fixture
def student(db):
    return _person("student", "吉𠮷", "11010519491231002X")


@pytest.fixture
def other_student(db):
    return _person("other_student", "阿依古丽·买买提", "650102200001010020")


@pytest.fixture
def employer(db):
    """A verifier's organisation user: no staff membership, no records of its own."""
    from xuedang.accounts.services import user_create

    return user_create(actor=None, username="employer", password=PASSWORD, real_name="人事专员")


def make_enrollment(
    *,
    school: str = REGISTRAR_SCHOOL,
    student_number: str = "2001001",
    name: str = "吉𠮷",
    document_number: str = "11010519491231002X",
    actor=None,
    **overrides,
):
    """Register a full-time general undergraduate enrollment through the service."""
    from datetime import date
    from decimal import Decimal

    from xuedang.core import validators
    from xuedang.institutions.models import Institution
    from xuedang.registry import services

    number = validators.normalize_resident_id(document_number)
    identity = services.identity_validate(
        name=name,
        gender=validators.gender_from_resident_id(number),
        birth_date=validators.birth_date_from_resident_id(number),
        ethnicity="01",
        document_type="resident_id",
        document_number=number,
    )
    fields = dict(
        major_code="080901",
        major_name="计算机科学与技术",
        level="05",
        study_form="1",
        length_years=Decimal("4"),
        entry_date=date(2021, 9, 1),
        expected_graduation_date=date(2025, 7, 1),
        department="信息科学技术学院",
    )
    fields.update(overrides)
    return services.enrollment_register(
        actor=actor,
        institution=Institution.objects.get(code=school),
        student_number=student_number,
        identity=identity,
        **fields,
    )


def make_reviewed_admission(
    *,
    school: str = REGISTRAR_SCHOOL,
    exam_number: str = "26110101000001",
    name: str = "吉𠮷",
    document_number: str = "11010519491231002X",
    **overrides,
):
    """A 录取 row the province reviewed and the centre re-checked (issue 14): what 资格复查 matches."""
    from datetime import date

    from xuedang.core import crypto, validators
    from xuedang.institutions.models import Institution
    from xuedang.registry.models import Admission

    number = validators.normalize_resident_id(document_number)
    fields = dict(
        year=2026,
        province_code="11",
        major_code="070101",
        major_name="数学与应用数学",
        level="05",
        study_form="1",
        admission_type="01",
        gender=validators.gender_from_resident_id(number),
        birth_date=validators.birth_date_from_resident_id(number) or date(2008, 1, 1),
        document_number=number,
        identity_digest=crypto.identity_digest("resident_id", number),
        review="centre_approved",
    )
    fields.update(overrides)
    return Admission.objects.create(
        institution=Institution.objects.get(code=school), exam_number=exam_number, name=name, **fields
    )


def record_semester_start(year: int, starts_on, *, school: str = REGISTRAR_SCHOOL, actor=None):
    """The institution's first-semester start of `year` (学年注册 is due a month later; issue 14)."""
    from xuedang.institutions.models import Institution
    from xuedang.registry import services

    institution = Institution.objects.get(code=school)
    return services.semester_start_record(actor=actor, institution=institution, academic_year=year, starts_on=starts_on)


# --- A running service for browser journeys ---------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Migrated once per test session, then copied: `migrate` from nothing takes seconds (more on a
# loaded machine) and a dozen tests need a database of their own for the service's processes.
_template: dict[str, str] = {}


def _migrate(url: str, data_dir: Path) -> None:
    import subprocess
    import sys

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "XUEDANG_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "xuedang.settings",
    }
    subprocess.run([sys.executable, "-m", "xuedang.manage", "migrate", "-v0"], env=env, check=True, timeout=600)


def _postgres_admin_url() -> str:
    params = connection.settings_dict
    return f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/postgres"


def scratch_database(tmp_path: Path) -> tuple[str, tuple[str, str] | None]:
    """A migrated database for the service run in separate processes: an SQLite file, or a fresh
    PostgreSQL database in the PostgreSQL pass, both copies of a template migrated once per session
    (CREATE DATABASE … TEMPLATE on PostgreSQL). Returns its URL and what `scratch_database_drop` needs."""
    import shutil
    import tempfile

    if "dir" not in _template:
        _template["dir"] = tempfile.mkdtemp(prefix="xuedang-template-")
    if connection.vendor != "postgresql":
        if "sqlite" not in _template:
            path = Path(_template["dir"]) / "template.sqlite3"
            _migrate(f"sqlite:///{path}", Path(_template["dir"]))
            _template["sqlite"] = str(path)
        target = tmp_path / "crash.sqlite3"
        shutil.copyfile(_template["sqlite"], target)
        return f"sqlite:///{target}", None
    admin = _postgres_admin_url()
    if "postgresql" not in _template:
        template = f"xuedang_template_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{template}"')
        _template["postgresql"] = template
        _template["admin"] = admin
        _migrate(admin.rsplit("/", 1)[0] + f"/{template}", Path(_template["dir"]))
    name = f"xuedang_crash_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_template["postgresql"]}"')
    return admin.rsplit("/", 1)[0] + f"/{name}", (admin, name)


def scratch_database_drop(created: tuple[str, str] | None) -> None:
    if created:
        admin, name = created
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the session's scratch-database templates."""
    import shutil

    if "postgresql" in _template:
        scratch_database_drop((_template.pop("admin"), _template.pop("postgresql")))
    if "dir" in _template:
        shutil.rmtree(_template.pop("dir"), ignore_errors=True)
    _template.clear()


@pytest.fixture
def live_app(tmp_path, redis_url, request):
    """The real service in its own processes: its own database (SQLite file, or a fresh
    PostgreSQL database in the PostgreSQL pass), Django's server and a Celery worker on Redis,
    with the demo staff seeded (and as many demo students as an indirect parameter asks:
    `@pytest.mark.parametrize("live_app", [40], indirect=True)`). Yields the base URL."""
    import subprocess
    import sys
    import time
    import urllib.request

    url, created = scratch_database(tmp_path)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "XUEDANG_DATA_DIR": str(tmp_path / "var"),
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "xuedang.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    manage = [sys.executable, "-m", "xuedang.manage"]
    processes = []
    try:
        students = str(getattr(request, "param", 0))
        subprocess.run([*manage, "seed", "--students", students], env=env, check=True, timeout=600)
        processes.append(subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env))
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "xuedang",
                    "worker",
                    "--pool=solo",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=WARNING",
                ],
                env=env,
            )
        )
        base = f"http://127.0.0.1:{port}"
        # A loaded machine can take a minute to start Django; wait for it, and say so if it never came.
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if processes[0].poll() is not None:
                    pytest.fail(f"the test server exited with status {processes[0].returncode}")
                if time.monotonic() > deadline:
                    pytest.fail(f"the test server at {base} did not answer within 180 s")
                time.sleep(0.2)
        yield base
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        scratch_database_drop(created)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        yield launched
        launched.close()
