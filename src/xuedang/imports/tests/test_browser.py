"""A registrar's bulk import in real headless Chromium against the running service."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from xuedang.demo.builder import DEMO_PASSWORD, demo_totp_code
from xuedang.imports.tests.helpers import student_row, write_file

pytestmark = pytest.mark.browser


def test_a_registrar_uploads_fixes_and_sees_the_students(live_app, browser, tmp_path) -> None:
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{live_app}/login/")
    page.fill("#id_username", "registrar10001")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/totp/**")  # staff sign in with two factors
    page.fill("#id_code", demo_totp_code())
    page.click(".buttons button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_app}/school/imports/")

    rows = [student_row(n) for n in range(30_000)]
    rows[12_345]["证件号码"] = "110105194912310021"  # wrong check digit
    bad = write_file(tmp_path, rows)
    page.set_input_files("#id_file", str(bad))
    page.click("#upload-button")
    page.wait_for_url("**/school/imports/*/")
    assert page.locator("#job-progress").count() == 1
    first_state = page.inner_text("#job-state")
    page.wait_for_selector("#job-result", timeout=120_000)  # the page polls, then shows the result in place
    assert first_state in ("排队中 / queued", "校验中 / validating")  # the worker was still at it
    assert "有错误" in page.inner_text("#job-state")  # and the same page updated itself
    assert "文件未写入" in page.inner_text("#job-result")
    assert "12347" in page.inner_text("#job-result")

    with page.expect_download() as download:
        page.click("text=下载错误报告")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    report = load_workbook(saved).active
    assert [c.value for c in report[2]][:2] == [12_347, "证件号码"]

    rows[12_345] = student_row(12_345)
    fixed = write_file(tmp_path, rows)
    page.goto(f"{live_app}/school/imports/")
    page.set_input_files("#id_file", str(fixed))
    page.click("#upload-button")
    page.wait_for_selector("#job-result", timeout=120_000)
    assert "新增 30000 条" in page.inner_text("#job-result")

    page.goto(f"{live_app}/school/enrollments/?q=2026000000")
    assert "吉𠮷" in page.inner_text("table")
    page.goto(f"{live_app}/school/enrollments/")
    assert "共 30000 条" in page.inner_text("main")
