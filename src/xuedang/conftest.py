"""Fixed actors and service markers shared by every app's tests.

Actors (STYLE.md): centre_admin, province_officer, registrar, other_school_registrar,
student, other_student, employer. The registrar's school is 北京大学 (10001, province 11);
the other school is 复旦大学 (10246, province 31), outside the province officer's scope.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IN_CI:
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
