"""Staff onboarding in real headless Chromium (issue 13 items 2–3): the centre's user administrator
invites a province user administrator, who opens the link, sets a password, scans the QR code's
key into an authenticator and is in, with recovery codes shown once."""

from __future__ import annotations

import re

import pyotp
import pytest

from xuedang.demo.builder import DEMO_PASSWORD, demo_totp_code

pytestmark = pytest.mark.browser

PASSWORD = "Shengji-2026-admin"


def _sign_in(page, base: str, username: str, password: str, code: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/totp/**")
    page.fill("#id_code", code)
    page.click(".buttons button[type=submit]")
    page.wait_for_load_state()


def test_an_invited_province_admin_enrols_two_step_sign_in_and_gets_in(live_app, browser, tmp_path) -> None:
    centre = browser.new_context().new_page()
    _sign_in(centre, live_app, "centre", DEMO_PASSWORD, demo_totp_code())
    centre.goto(f"{live_app}/account/staff/invite/")
    centre.fill("#id_real_name", "赵处长")
    centre.fill("#id_email", "zhao@jw.beijing.example")
    centre.select_option("#id_scope", "province")
    centre.select_option("#id_province_code", "11")
    centre.check("input[name=roles][value=user_admin]")
    centre.click("#invite-button")
    centre.wait_for_url("**/account/staff/")
    assert "z***@jw.beijing.example" in centre.inner_text("main")
    assert "赵处长" in centre.inner_text("#invitation-list")

    mail = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "var" / "outbox" / "mail").iterdir())
    link = re.search(r"http://\S+/account/invitation/[\w-]+/", mail).group(0)
    path = "/account/invitation/" + link.rsplit("/account/invitation/", 1)[1]

    invitee = browser.new_context().new_page()
    invitee.goto(f"{live_app}{path}")
    assert "用户管理员 / user administrator @ 北京市" in invitee.inner_text("#invited-roles")
    invitee.fill("#id_username", "zhaocz")
    invitee.fill("#id_password", PASSWORD)
    invitee.fill("#id_password2", PASSWORD)
    invitee.click("#accept-button")
    invitee.wait_for_url("**/login/totp/**")
    assert invitee.locator("main svg").count() == 1  # the QR code
    secret = invitee.inner_text("#totp-secret")
    invitee.fill("#id_code", pyotp.TOTP(secret).now())
    invitee.click(".buttons button[type=submit]")
    invitee.wait_for_url("**/login/recovery-codes/**")
    assert invitee.locator("#recovery-codes li").count() == 10
    invitee.click("#continue")
    invitee.goto(f"{live_app}/account/staff/")
    assert invitee.locator("#staff-list").count() == 1  # a province user administrator's page

    # the invitation was single-use
    again = browser.new_context().new_page()
    again.goto(f"{live_app}{path}")
    assert "无效、已使用或已过期" in again.inner_text("main")
