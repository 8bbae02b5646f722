"""`make run-prod` runs the production profile of docs/deploy.md on this machine: PostgreSQL, Redis,
migrate, collectstatic, a Celery worker and gunicorn with deploy/gunicorn.conf.py. This starts it
(deploy/run_prod.py, what the Makefile target runs) on a scratch database and uses it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from xuedang.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[4]
ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CODE = "ABCD2345EFGH6789"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def scratch_postgres():
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {ADMIN_URL} is not reachable in CI")
        pytest.skip("PostgreSQL is not running here")
    name = f"xuedang_runprod_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_run_prod_serves_pages_static_files_and_readiness(scratch_postgres, redis_url, tmp_path) -> None:
    port = _free_port()
    log = tmp_path / "run-prod.log"
    command = [sys.executable, str(ROOT / "deploy" / "run_prod.py"), "--port", str(port), "--workers", "1"]
    command += ["--database-url", scratch_postgres, "--redis-url", redis_url, "--data-dir", str(tmp_path / "var")]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while f"on {base}/" not in log.read_text(encoding="utf-8", errors="replace"):
            assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")
            assert time.monotonic() < deadline, "run-prod did not come up"
            time.sleep(1)
        status, _, body = _get(f"{base}/readyz")
        assert status == 200
        assert b'"database": "ok"' in body
        assert b'"broker": "ok"' in body
        status, headers, body = _get(f"{base}/")
        assert status == 200
        assert "学档" in body.decode()
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        status, _, css = _get(f"{base}/static/xuedang/base.css")  # collected, served by whitenoise
        assert status == 200
        assert b"dl.fields" in css
        assert (tmp_path / "var" / "static" / "xuedang" / "base.css").exists()
        status, _, _ = _get(f"{base}/verify/{CODE}?name=%E5%BC%A0%E4%B8%89")
        assert status == 200
        status, _, metrics = _get(f"{base}/metrics")
        assert status == 200
        assert b'xuedang_verifications_total{answer="unknown",channel="page"} 1.0' in metrics
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert '"GET /verify/[code] HTTP/1.1" 200' in text  # gunicorn's access log, as deploy/ configures it
    assert CODE not in text
    assert "name=" not in text
