"""A student makes a report; someone else verifies it; the student closes it — in real headless Chromium."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from xuedang.conftest import PASSWORD, _free_port
from xuedang.reports.tests.journey import USERNAME

pytestmark = pytest.mark.browser
SETUP = "import django; django.setup(); from xuedang.reports.tests.journey import prepare; prepare()"


@pytest.fixture
def report_app(tmp_path, redis_url):
    """The real service (Django's server, Redis for limits) on its own database, with the journey's student."""
    from xuedang.conftest import scratch_database, scratch_database_drop

    url, created = scratch_database(tmp_path)
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
    port = _free_port()
    server = None
    try:
        subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, timeout=120)
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        scratch_database_drop(created)


def _verify(page, base: str, code: str) -> str:
    page.goto(f"{base}/verify/")
    page.fill("#id_code", code)
    page.click("#verify-button")
    return page.get_attribute("#verification-status", "data-status")


def test_a_student_shares_a_report_that_a_verifier_sees_until_it_is_closed(report_app, browser, tmp_path) -> None:
    student = browser.new_context(accept_downloads=True).new_page()
    student.goto(f"{report_app}/login/?next=/archive/reports/")
    student.fill("#id_username", USERNAME)
    student.fill("#id_password", PASSWORD)
    student.click("button[type=submit]")
    student.wait_for_url("**/archive/reports/")
    student.select_option("#id_record", index=0)
    student.fill("#id_months", "2")
    student.click("#create-button")
    row = student.locator("#reports tbody tr").first
    code = row.get_attribute("data-code")
    assert len(code) == 16
    assert row.locator(".report-state").get_attribute("data-status") == "valid"

    if importlib.util.find_spec("xuedang.reports.pdf") is not None:  # the PDF module is merged separately
        with student.expect_download() as download:
            row.locator(".download-link").click()
        saved = tmp_path / "report.pdf"
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")

    verifier = browser.new_context().new_page()  # someone else: no session, no cookies shared
    assert _verify(verifier, report_app, code.lower()) == "valid"
    assert "吉𠮷" in verifier.inner_text("#report-fields")
    assert "110105********002X" in verifier.inner_text("#report-fields")

    student.reload()
    assert student.inner_text("#reports tbody tr .report-views") == "1"
    student.locator("#reports tbody tr").first.locator(".close-button").click()
    student.wait_for_selector("text=报告已关闭")
    assert student.locator("#reports tbody tr .report-state").first.get_attribute("data-status") == "closed"

    assert _verify(verifier, report_app, code) == "closed"
    assert "此报告已被学生本人关闭" in verifier.inner_text("#verification")
    assert "吉𠮷" not in verifier.inner_text("main")
