"""Reads from a real streaming standby, and the fall-back to the primary (core/replicas.py).

The fixture makes its own primary and standby clusters (core/tests/pgcluster.py). The service runs
in a child process pointed at both (DATABASE_URL, DATABASE_REPLICA_URL), as production would be;
it answers requests through the real middleware and router and reports what each one saw. Pausing
the standby's replay makes a row exist on the primary only, so each answer shows where it read."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest

from xuedang.conftest import IN_CI
from xuedang.core.tests import pgcluster

SCRIPT = r"""
import json, os, subprocess, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "xuedang.settings"
import django
django.setup()
from datetime import timedelta
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import ResolverMatch
from django.utils import timezone
from xuedang.core import replicas

def session(key):
    Session.objects.create(session_key=key, session_data="x", expire_date=timezone.now() + timedelta(days=1))

def view(request):
    if request.method == "POST":
        session("written-" + request.POST["n"])  # a write: the request reads from the primary from now on
    return HttpResponse("yes" if Session.objects.filter(pk=request.GET.get("key", "late")).exists() else "no")

def handler(request):  # what Django's handler does around the view: the middleware's process_view first
    middleware.process_view(request, view, (), {})
    return view(request)

middleware = replicas.ReplicaMiddleware(handler)
factory = RequestFactory()

def ask(view_name, method="get", cookies=None, **data):
    request = getattr(factory, method)("/probe", data)
    namespace, name = view_name.split(":") if ":" in view_name else ("", view_name)
    spaces = [namespace] if namespace else []
    request.resolver_match = ResolverMatch(view, (), {}, url_name=name, app_names=spaces, namespaces=spaces)
    request.COOKIES.update(cookies or {})
    replicas.replica_health_forget()
    response = middleware(request)
    return response.content.decode(), replicas.STICKY_COOKIE in response.cookies

seen = {}
session("early")

def replica_row(sql, params=()):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()

deadline = time.monotonic() + 60
while not replica_row("SELECT 1 FROM django_session WHERE session_key = 'early'"):
    assert time.monotonic() < deadline, "the standby never caught up"
    time.sleep(0.2)
seen["lag_caught_up"] = replicas.replica_lag_s()
with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_wal_replay_pause()")
while replica_row("SELECT pg_get_wal_replay_pause_state()")[0] != "paused":  # a pause is only requested at first
    assert time.monotonic() < deadline + 60, "the standby's replay never paused"
    time.sleep(0.1)
session("late")  # on the primary only: the standby receives it but does not replay it
seen["eligible"] = ask("archive:home")
seen["not_eligible"] = ask("home")
seen["eligible_after_own_write"] = ask("archive:home", cookies={replicas.STICKY_COOKIE: "1"})
seen["post"] = ask("archive:home", "post", n="1")
seen["lookup_post"] = ask("verify:lookup", "post", n="2")
with connections["default"].cursor() as cursor:  # wait until the standby has received what it must replay
    cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
    sent = cursor.fetchone()[0]
while not replica_row("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [sent])[0]:
    assert time.monotonic() < deadline + 60, "the standby never received the WAL"
    time.sleep(0.2)
seen["lag_while_paused"] = replicas.replica_lag_s()
settings.REPLICA_MAX_LAG_S = 0  # the standby is now behind by more than that
seen["eligible_when_lagging"] = ask("archive:home")
settings.REPLICA_MAX_LAG_S = 3600
seen["eligible_again"] = ask("archive:home")
subprocess.run(json.loads(os.environ["STOP_STANDBY"]), check=True, capture_output=True)
seen["eligible_standby_down"] = ask("archive:home")
print("RESULT " + json.dumps(seen))
"""


@pytest.fixture
def primary_and_standby():
    if not pgcluster.available():
        if IN_CI:
            pytest.fail("PostgreSQL server binaries are needed in CI (postgresql-15)")
        pytest.skip("PostgreSQL server binaries are not installed")
    base = pgcluster.make_base()
    servers = []
    try:
        primary = pgcluster.primary(base, set())
        servers.append(primary)
        with psycopg.connect(f"{primary.url}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE xuedang")
        standby = pgcluster.standby(primary, {primary.port})
        servers.append(standby)
        yield primary, standby
    finally:
        pgcluster.remove(base, *reversed(servers))


def test_reads_go_to_the_standby_and_fall_back_to_the_primary(primary_and_standby, tmp_path) -> None:
    primary, standby = primary_and_standby
    env = {
        **os.environ,
        "DATABASE_URL": f"{primary.url}/xuedang",
        "DATABASE_REPLICA_URL": f"{standby.url}/xuedang",
        "XUEDANG_DATA_DIR": str(tmp_path),
        "STOP_STANDBY": json.dumps(
            pgcluster._as_postgres([str(pgcluster.PG_BIN / "pg_ctl"), "-D", str(standby.data), "-m", "fast", "stop"])
        ),
    }
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "xuedang.manage", "migrate", "sessions", "-v0"], env=env, check=True)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert seen["lag_caught_up"] == 0
    assert seen["eligible"] == ["no", False]  # read on the standby, which has not replayed "late"
    assert seen["not_eligible"] == ["yes", False]  # other views read the primary
    assert seen["eligible_after_own_write"] == ["yes", False]  # read-your-writes cookie: primary
    assert seen["post"] == ["yes", True]  # wrote, then read its own write; marked for the next pages
    assert seen["lookup_post"] == ["no", False]  # a look-up logs on the primary but reads the standby
    assert seen["lag_while_paused"] > 0, seen
    assert seen["eligible_when_lagging"] == ["yes", False]  # over REPLICA_MAX_LAG_S: primary
    assert seen["eligible_again"] == ["no", False]
    assert seen["eligible_standby_down"] == ["yes", False]  # unreachable: primary, no error
    assert "read replica unreachable" in done.stderr
