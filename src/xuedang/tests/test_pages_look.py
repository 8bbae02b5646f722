"""The pages people use most, in headless Chromium at phone (390 px) and desktop (1280 px) width
(issue 19 items 1 and 3): a screenshot of each, no horizontal scrolling at 390 px, and axe-core
(4.14.1, vendored from its npm package in tests/vendor/axe-core, MPL-2.0) finds no serious or
critical violation of WCAG 2.1 A/AA.

Screenshots go to $XUEDANG_SCREENSHOTS when set (to look at them), else to the test's tmp dir.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from xuedang.conftest import _free_port, scratch_database, scratch_database_drop

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WIDTHS = (390, 1280)
AXE_RUN = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""
SETUP = "import django; django.setup(); from xuedang.tests.look_data import prepare; prepare()"


@pytest.fixture
def look_app(tmp_path, redis_url):
    """The service in its own process on a scratch database (the audit log is append-only, so a
    live server sharing the test database could not be emptied after the test), with the data of
    look_data.prepare. Yields the base URL and that data."""
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
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=300)
        made = subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, timeout=300, capture_output=True)
        data = json.loads(made.stdout.decode().strip().splitlines()[-1])
        server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the test server did not start")
                time.sleep(0.2)
        yield base, data
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        scratch_database_drop(created)


def _pages(data: dict) -> dict[str, tuple[str | None, list[str]]]:
    """Who looks at which page (issue 19 item 3): visitors, the student, the registrar, the province."""
    return {
        "visitor": (
            None,
            [
                "/",
                "/login/",
                "/account/register/",
                "/verify/",
                f"/verify/{data['report']}",  # valid
                f"/verify/{data['closed']}",  # closed by the student
                "/verify/ABCDEFGH23456789",  # unknown
                "/verify/not-a-code",  # malformed
                "/verify/lookup/",
            ],
        ),
        "student": (
            "student",
            ["/", "/archive/", f"/archive/enrollments/{data['enrollment']}/", "/archive/reports/"],
        ),
        "registrar": ("registrar", ["/", "/school/enrollments/", "/school/imports/", "/school/admissions/"]),
        "province_officer": ("province_officer", ["/", "/school/transfers/", "/school/revocations/"]),
    }


def test_each_page_fits_a_phone_and_passes_axe(look_app, browser, tmp_path) -> None:
    base, data = look_app
    shots = Path(os.environ.get("XUEDANG_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for who, (session, urls) in _pages(data).items():
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            if session is not None:
                context.add_cookies([{"name": "sessionid", "value": data["sessions"][session], "url": base}])
            page = context.new_page()
            for url in urls:
                response = page.goto(base + url)
                assert response is not None
                if response.status >= 500 or (response.status >= 400 and not url.startswith("/verify/")):
                    problems.append(f"{who} {url}: HTTP {response.status}")
                    continue
                page.screenshot(path=str(shots / f"{who}{url.replace('/', '_')}_{width}.png"), full_page=True)
                if width == 390:
                    overflow = page.evaluate(
                        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                    )
                    if overflow > 0:
                        problems.append(f"{who} {url}: {overflow}px wider than a 390px phone")
                page.evaluate(AXE)  # through DevTools: the page's CSP (rightly) refuses an inline script
                problems += [f"{who} {url} @{width}: {v}" for v in page.evaluate(AXE_RUN)]
            context.close()
    assert not problems, "\n".join(problems)
