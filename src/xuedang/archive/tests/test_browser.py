"""A student's archive in real headless Chromium against the running service: a record bound
automatically, an old credential bound by hand, the photo disputed, a correction filed, the
school accepting it through its own page, and the student seeing it applied."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from xuedang.archive.tests.helpers import PDF
from xuedang.conftest import PASSWORD
from xuedang.demo.builder import DEMO_PASSWORD, demo_totp_code

pytestmark = pytest.mark.browser


@pytest.fixture
def service_database(monkeypatch) -> dict[str, str]:
    """Remember which database `live_app` creates, so the journey's data can be written into it."""
    from xuedang import conftest

    seen: dict[str, str] = {}
    create = conftest.scratch_database

    def remembering(tmp_path):
        url, created = create(tmp_path)
        seen["url"] = url
        return url, created

    monkeypatch.setattr(conftest, "scratch_database", remembering)
    return seen


def _journey_data(url: str, tmp_path) -> dict[str, int]:
    import os

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "XUEDANG_DATA_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "xuedang.settings",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "xuedang.archive.tests.journey_data"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/login/totp/" in page.url:  # staff: the demo staff's authenticator code
        page.fill("#id_code", demo_totp_code())
        page.click(".buttons button[type=submit]")
        page.wait_for_load_state()


def test_a_student_binds_checks_the_photo_and_sees_a_correction_applied(
    service_database, live_app, browser, tmp_path
) -> None:
    ids = _journey_data(service_database["url"], tmp_path)
    phone = browser.new_context(viewport={"width": 390, "height": 844})  # read on a phone
    page = phone.new_page()
    _sign_in(page, live_app, "student", PASSWORD)

    page.goto(f"{live_app}/archive/")
    assert "北京大学 · 计算机科学与技术" in page.inner_text("#enrollments")  # bound automatically
    assert "姓名不同" in page.inner_text("#unbound")  # the 2000 record under another name, explained
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.click("text=我还有学历没显示出来")
    page.fill("#id_certificate_number", "298959")  # printed as NO.00298959
    page.fill("#id_graduation_year", "2000")
    page.fill("#id_institution_code", "北京大学")
    page.click("#bind-button")
    page.wait_for_url(f"{live_app}/archive/")
    assert "已绑定" in page.inner_text("main")
    page.click(f"a[href='/archive/credentials/{ids['old_credential']}/']")
    assert "以姓名“吉吉”登记" in page.inner_text("#registered-under")
    assert "NO.00298959" in page.inner_text("main")

    page.goto(f"{live_app}/archive/photos/")
    page.check(f"#id_p{ids['photo']}-verdict_1")  # 信息有误
    page.fill(f"#id_p{ids['photo']}-reason", "照片不是我本人")
    page.click(f"#photo-{ids['photo']} button[type=submit]")
    assert "待学校处理" in page.inner_text(f"#photo-{ids['photo']}")

    evidence = tmp_path / "学院证明.pdf"
    evidence.write_bytes(PDF)
    page.goto(f"{live_app}/archive/enrollments/{ids['enrollment']}/")
    page.click("#correct-link")
    page.select_option("#id_field", "department")
    page.fill("#id_new_value", "信息科学技术学院")
    page.fill("#id_reason", "学院名称录入有误")
    page.set_input_files("#id_evidence", str(evidence))
    page.click("#correction-submit")
    page.wait_for_url("**/archive/corrections/*/")
    assert "学校审核中" in page.inner_text("#correction-state")
    correction_url = page.url

    school = browser.new_context().new_page()
    _sign_in(school, live_app, "registrar10001", DEMO_PASSWORD)
    school.goto(f"{live_app}/school/archive/corrections/")
    school.click("text=信息科学技术学院")
    school.check("#id_decision_0")  # 同意更正
    school.fill("#id_note", "核实无误")
    school.click("#decide-button")
    assert "已处理" in school.inner_text("main")

    page.goto(f"{live_app}/archive/notifications/")
    assert "已更正" in page.inner_text("#notifications")
    page.goto(correction_url)
    assert "已更正" in page.inner_text("#correction-state")
    page.goto(f"{live_app}/archive/enrollments/{ids['enrollment']}/")
    main = page.inner_text("main")
    assert "信息科学技术学院" in main
    assert "信息学院" in main
