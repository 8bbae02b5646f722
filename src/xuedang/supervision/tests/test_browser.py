"""The province's dashboard in real headless Chromium at phone width (issue 14): a province
officer opens it, drills from a late institution to its unregistered students and exports them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from xuedang.demo.builder import DEMO_PASSWORD, demo_totp_code

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("live_app", [80], indirect=True)  # demo students: one in three unregistered this year
def test_a_province_officer_drills_from_a_late_institution_to_its_unregistered_students(live_app, browser) -> None:
    page = browser.new_context(viewport=PHONE, accept_downloads=True).new_page()
    page.goto(f"{live_app}/login/")
    page.fill("#id_username", "province11")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/totp/**")
    page.fill("#id_code", demo_totp_code())
    page.click(".buttons button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_app}/supervision/")
    page.wait_for_url("**/supervision/province/11/")
    page.wait_for_selector("[data-chart][data-drawn='1'] svg")  # the vendored ECharts drew under the CSP
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways page

    page.check("input[name=late]")
    page.select_option("select[name=sort]", "-annual_missing")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**late=1**")
    late_row = page.locator("#dashboard tbody tr.late").first
    school = late_row.locator("th a").inner_text()
    assert "已逾期" in late_row.inner_text()
    missing = late_row.locator("a.missing")
    count = int(missing.inner_text().split()[1])
    missing.click()
    page.wait_for_url("**/annual_missing/")
    assert school in page.inner_text("main")
    shown = page.locator("#records tbody tr").count()
    assert shown == min(count, 50)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    with page.expect_download() as download:
        page.click("#export-xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.values)
    assert rows[0][0] == "学号 / No."
    assert len(rows) - 1 == count
    first_student = page.locator("#records tbody tr td a").first.inner_text()
    assert first_student in {row[0] for row in rows[1:]}
