"""The production Content-Security-Policy in real headless Chromium (issue 16 item 1).

The service runs as in production (DEBUG off, so `CONTENT_SECURITY_POLICY`'s default is sent:
no 'unsafe-inline'). Each main page is loaded while the page listens for
`securitypolicyviolation` events and the console for CSP errors; none may occur, and the pages'
scripts still work under the policy (the password rules tick, the picture captcha loads, the
dashboards draw their charts)."""

from __future__ import annotations

import pytest

from xuedang.demo.builder import DEMO_PASSWORD, demo_totp_code

pytestmark = pytest.mark.browser

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def _watched(browser):
    context = browser.new_context()
    context.add_init_script(LISTEN)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return page, errors


def _visit(page, url: str, errors: list[str]) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    page.wait_for_load_state("load")
    assert page.evaluate("window.__csp") == [], url
    assert errors == [], url


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-button")
    page.wait_for_load_state()
    if "/login/totp/" in page.url:  # staff: two-step sign-in with the demo authenticator code
        page.fill("#id_code", demo_totp_code())
        page.click(".buttons button[type=submit]")
        page.wait_for_load_state()


@pytest.mark.parametrize("live_app", [20], indirect=True)  # 20 demo students: the demo student has an archive
def test_the_main_pages_run_under_the_production_policy_without_a_violation(live_app, browser) -> None:
    page, errors = _watched(browser)
    for path in ["/", "/login/", "/verify/", "/verify/lookup/", "/verify/ABCD2345EFGH6789?name=%E5%BC%A0%E4%B8%89"]:
        _visit(page, f"{live_app}{path}", errors)
    assert "验证其他报告" in page.inner_text("main")  # the answer page for the code (no such report here)

    _visit(page, f"{live_app}/account/register/", errors)  # the password rules tick as one types
    page.fill("#id_password", "Xuedang2026ok")
    page.fill("#id_password2", "Xuedang2026ok")
    assert page.locator("#password-rules li.ok").count() == page.locator("#password-rules li").count() > 0
    captcha = page.locator("img.captcha")
    if captcha.count():  # the picture code is an image of the site's own, allowed by img-src
        assert page.evaluate("document.querySelector('img.captcha').naturalWidth") > 0
    assert page.evaluate("window.__csp") == []
    assert errors == []

    student, student_errors = _watched(browser)
    _sign_in(student, live_app, "student")
    for path in ["/archive/", "/archive/reports/"]:
        _visit(student, f"{live_app}{path}", student_errors)

    school, school_errors = _watched(browser)
    _sign_in(school, live_app, "registrar10001")
    for path in ["/school/enrollments/", "/school/imports/"]:
        _visit(school, f"{live_app}{path}", school_errors)

    centre, centre_errors = _watched(browser)
    _sign_in(centre, live_app, "centre")
    _visit(centre, f"{live_app}/supervision/", centre_errors)
    if centre.locator("script[src*='echarts']").count():  # the dashboard draws its charts from static JS
        centre.wait_for_selector("canvas, svg", timeout=15_000)
    assert centre.evaluate("window.__csp") == []
    assert centre_errors == []
