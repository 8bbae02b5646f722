"""学历认证 in real headless Chromium: the applicant applies with uploads and follows the progress;
the centre's reviewer accepts and asks the school; the school confirms; the reviewer authenticates;
the applicant downloads the signed report."""

from __future__ import annotations

import pytest

from xuedang.certification.tests.test_authentication import SCANS
from xuedang.demo.builder import DEMO_PASSWORD, demo_totp_code
from xuedang.reports.tests.helpers import run

pytestmark = pytest.mark.browser


def _login(browser, base: str, name: str):
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-button")
    page.wait_for_load_state()
    if "/login/totp/" in page.url:  # staff: the demo staff's authenticator code
        page.fill("#id_code", demo_totp_code())
        page.click(".buttons button[type=submit]")
        page.wait_for_load_state()
    return page


def _act(page, action: str) -> None:
    page.select_option("#id_action", action)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("live_app", [3], indirect=True)
def test_an_application_is_filed_checked_authenticated_and_its_report_downloaded(live_app, browser, tmp_path):
    (tmp_path / "cert.jpg").write_bytes(SCANS["certificate"])
    (tmp_path / "id.png").write_bytes(SCANS["id_card"])
    applicant = _login(browser, live_app, "student")
    applicant.goto(f"{live_app}/certification/")
    applicant.click("#apply-link")
    applicant.fill("#id_institution_code", "10001")
    applicant.fill("#id_certificate_number", "NO.00100001")
    applicant.fill("#id_graduation_year", "1988")
    applicant.fill("#id_major_name", "物理学")
    applicant.check("#id_report_en")
    applicant.set_input_files("#id_certificate", str(tmp_path / "cert.jpg"))
    applicant.set_input_files("#id_id_card", str(tmp_path / "id.png"))
    applicant.click("main form button[type=submit]")
    applicant.wait_for_url("**/certification/*/")
    detail = applicant.url
    assert applicant.get_attribute("#application-state", "data-state") == "submitted"

    reviewer = _login(browser, live_app, "reviewer")
    reviewer.goto(f"{live_app}/certification/review/")
    reviewer.click("main table a")
    _act(reviewer, "accept")
    assert reviewer.get_attribute("#application-state", "data-state") == "accepted"
    _act(reviewer, "ask_school")
    assert reviewer.get_attribute("#application-state", "data-state") == "school_check"

    school = _login(browser, live_app, "registrar10001")
    school.goto(f"{live_app}/certification/checks/")
    school.click("main table a")
    school.select_option("#id_answer", "confirm")
    school.fill("#id_evidence", "1988 届毕业生名册第 12 页")
    school.click("main form button[type=submit]")
    school.wait_for_load_state()
    assert "属实" in school.inner_text("#check-answer")

    reviewer.reload()
    _act(reviewer, "approve")
    assert reviewer.get_attribute("#application-state", "data-state") == "approved"

    applicant.goto(detail)
    assert applicant.get_attribute("#application-state", "data-state") == "approved"
    steps = applicant.inner_text("#application-steps")
    assert "已受理" in steps
    assert "学校已答复" in steps
    with applicant.expect_download() as download:
        applicant.click("#report-links a >> nth=0")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert "Signature is Valid" in run("pdfsig", pdf, tmp_path)
