"""Faults (issue 16 item 6): a database restart under traffic answers a clear 503 fast and
recovers without restarting the application; Redis down fails logins closed (503, no sign-in)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.test import Client

from xuedang.conftest import IN_CI, PASSWORD
from xuedang.core.tests import pgcluster

ROOT = Path(__file__).resolve().parents[4]
CLOSED_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_a_database_error_answers_the_503_page_not_a_500(monkeypatch) -> None:
    from xuedang.reports import services

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "report_verify_logged", down)
    response = Client(raise_request_exception=False).get("/verify/ABCD2345EFGH6789")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "服务暂时不可用" in response.content.decode()


@pytest.mark.django_db
def test_other_errors_stay_500(monkeypatch) -> None:
    from xuedang.reports import services

    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(services, "report_verify_logged", broken)
    assert Client(raise_request_exception=False).get("/verify/ABCD2345EFGH6789").status_code == 500


@pytest.mark.django_db
def test_with_redis_down_sign_in_fails_closed(settings, registrar) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_REDIS}}
    caches.close_all()
    client = Client(raise_request_exception=False)
    response = client.post("/login/", {"username": registrar.username, "password": PASSWORD})
    assert response.status_code == 503
    assert "_auth_user_id" not in client.session


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def own_postgres():
    if not pgcluster.available():
        if IN_CI:
            pytest.fail("PostgreSQL server binaries are needed in CI (postgresql-15)")
        pytest.skip("PostgreSQL server binaries are not installed")
    base = pgcluster.make_base()
    server = pgcluster.primary(base, set())
    try:
        yield server
    finally:
        pgcluster.remove(base, server)


def test_a_postgresql_restart_under_traffic_answers_503_then_recovers(own_postgres, tmp_path) -> None:
    import psycopg

    with psycopg.connect(f"{own_postgres.url}/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE xuedang")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"{own_postgres.url}/xuedang",
        "XUEDANG_DATA_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "xuedang.manage", "migrate", "-v0"], env=env, check=True, timeout=600)
    server = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")),
            "xuedang.wsgi:application",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    page = f"{base}/verify/ABCD2345EFGH6789"  # a lookup in the database
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.5)
        assert _get(page)[0] == 200
        own_postgres.stop()
        status, body = _get(page)  # a refused connection, not a hang: urlopen would time out
        assert status == 503
        assert "服务暂时不可用" in body
        status, body = _get(f"{base}/readyz")
        assert status == 503
        assert '"failing": ["database"]' in body
        own_postgres.start()
        assert _get(page)[0] == 200  # the same process reconnected (CONN_HEALTH_CHECKS)
        assert server.poll() is None
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


@pytest.mark.django_db
def test_with_redis_down_public_verification_answers_and_still_limits(settings) -> None:
    from xuedang.reports import limits

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_REDIS}}
    caches.close_all()
    limits._local.clear()
    settings.REPORTS_VERIFY_RATE = "3/m"
    client = Client(raise_request_exception=False, REMOTE_ADDR="198.51.100.20")
    answers = [client.get("/verify/ABCD2345EFGH6789") for _ in range(4)]
    assert [response.status_code for response in answers] == [200, 200, 200, 429]  # counted in memory
    assert 'data-status="unknown"' in answers[0].content.decode()
    form = client.post("/verify/", {"code": "ABCD2345EFGH6789"}, REMOTE_ADDR="198.51.100.21")
    assert form.status_code == 200
