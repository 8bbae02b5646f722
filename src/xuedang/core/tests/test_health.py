"""/healthz, /readyz and /metrics (core/health.py, core/metrics.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from xuedang.accounts.sms import SmsMessage, sms_send
from xuedang.core import metrics
from xuedang.core.metrics import metrics_text, route_group

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _sample(text: str, line_start: str) -> float:
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start)]
    return sum(values)


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(client: Client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_every_configured_part_answers(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failing": [], "parts": {"database": "ok"}}


@pytest.mark.django_db
def test_readyz_names_the_failing_parts_with_503(client: Client, settings) -> None:
    settings.REDIS_URL = CLOSED
    settings.CELERY_BROKER_URL = CLOSED
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["redis", "broker"]
    assert body["parts"]["database"] == "ok"
    assert body["parts"]["redis"] == "ConnectionError"
    # A node that only needs the database may ask about it alone.
    only_database = client.get("/readyz?parts=database")
    assert only_database.status_code == 200
    assert only_database.json()["parts"] == {"database": "ok"}
    assert client.get("/readyz?parts=redis").status_code == 503


@pytest.mark.django_db
def test_readyz_refuses_a_part_it_does_not_have(client: Client, settings) -> None:
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/readyz?parts=database,replica")
    assert response.status_code == 400
    assert response.json()["unknown"] == ["replica"]


@pytest.mark.parametrize(
    ("path", "group"),
    [
        ("/", "home"),
        ("/verify/", "verify"),
        ("/verify/ABCD2345EFGH6789", "verify"),
        ("/verify/lookup/", "verify"),
        ("/api/v1/verify/reports", "api.verify"),
        ("/api/v1/school/imports", "api.school"),
        ("/api/v1/whatever", "api.other"),
        ("/school/imports/12/", "school.imports"),
        ("/school/enrollments/3/", "school.enrollments"),
        ("/school/somewhere/", "school"),
        ("/archive/reports/", "archive"),
        ("/static/xuedang/base.css", "static"),
        ("/wp-login.php", "other"),
        ("/110101199003077777/", "other"),
    ],
)
def test_route_groups_are_fixed_words_never_the_path(path: str, group: str) -> None:
    assert route_group(path) == group


@pytest.mark.django_db
def test_metrics_count_requests_and_verifications_without_personal_data(client: Client) -> None:
    cache.clear()  # no per-address limit or captcha left by an earlier test
    code = "ZZZZ2345ZZZZ6789"
    before = metrics_text().decode()
    assert client.get(f"/verify/{code}").status_code == 200
    text = client.get("/metrics").content.decode()
    assert 'xuedang_http_request_duration_seconds_count{group="verify",status="2xx"}' in text
    unknown = 'xuedang_verifications_total{answer="unknown",channel="page"}'
    assert _sample(text, unknown) == _sample(before, unknown) + 1
    assert 'xuedang_import_jobs{state="queued"}' in text
    assert code not in text
    assert code.lower() not in text


@pytest.mark.django_db
def test_metrics_count_sms_by_outcome() -> None:
    written = 'xuedang_messages_total{channel="sms",outcome="written"}'
    before = _sample(metrics_text().decode(), written)
    sms_send(SmsMessage(phone="13800138000", kind="notice", params={"text": "x"}, text="x"))
    text = metrics_text().decode()
    assert _sample(text, written) == before + 1
    assert "13800138000" not in text


@pytest.mark.django_db
def test_metrics_answer_the_metrics_networks_only(client: Client, settings) -> None:
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.METRICS_NETWORKS = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_without_metrics_the_middleware_removes_itself(settings) -> None:
    from django.core.exceptions import MiddlewareNotUsed

    settings.METRICS_ENABLED = False
    with pytest.raises(MiddlewareNotUsed):
        metrics.RequestMetricsMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]


WORKER = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "xuedang.settings"
django.setup()
from xuedang.core import metrics
if sys.argv[1] == "count":
    metrics.verification_count("page", "valid")
else:
    print(metrics.metrics_text().decode())
"""


def test_gunicorn_workers_samples_are_summed_across_processes(tmp_path: Path) -> None:
    """PROMETHEUS_MULTIPROC_DIR, as deploy/ sets it: what each process counted, /metrics sums."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/db"}
    for _ in range(3):
        subprocess.run([sys.executable, "-c", WORKER, "count"], env=env, check=True, timeout=120)
    done = subprocess.run(
        [sys.executable, "-c", WORKER, "scrape"], env=env, check=True, timeout=120, capture_output=True, text=True
    )
    assert _sample(done.stdout, 'xuedang_verifications_total{answer="valid",channel="page"}') == 3
