"""Student account journeys in real headless Chromium against the running service."""

from __future__ import annotations

from pathlib import Path

import pytest

from xuedang.accounts.tests.helpers import jpeg_with_exif, last_code, sms_outbox
from xuedang.demo.builder import DEMO_PASSWORD, demo_totp_code

pytestmark = pytest.mark.browser

PHONE = "13800138000"
NEW_PHONE = "13700137000"
ID_NUMBER = "110101199003074514"  # checksummed, nobody's
PASSWORD_1 = "Huoxing-2026-first"
PASSWORD_2 = "Huoxing-2026-second"


def _lands_then_opens_the_account(page, base: str) -> None:
    """A student lands on the archive after signing in (issue 19 item 4): an unchecked one without
    records yet is told there what happens next (the identity-check page), a checked one sees the
    archive itself; then the account page."""
    page.wait_for_url(lambda url: url.endswith(("/archive/", "/account/identity-challenge/")))
    if page.url.endswith("/account/identity-challenge/"):
        assert page.locator("#challenge-nothing").count() == 1
    page.goto(f"{base}/account/")


def _outbox(tmp_path: Path) -> Path:
    return tmp_path / "var"


def _a_minute_passes(redis_url: str) -> None:
    """The per-number limit allows one code a minute; the journey's steps are minutes apart."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("*xd:code-minute:*"):
        client.delete(key)


def _send_code(page, data_dir: Path, button: str) -> str:
    before = len(sms_outbox(data_dir))
    page.click(button)
    page.wait_for_load_state()
    assert len(sms_outbox(data_dir)) == before + 1
    assert "未真实发送" in page.inner_text("main")  # the development backend says so
    return last_code(data_dir)


def _login(page, base: str, name: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", password)
    page.click("#login-button")
    page.wait_for_load_state()
    if "/login/totp/" in page.url:  # staff: the demo staff's authenticator code
        page.fill("#id_code", demo_totp_code())
        page.click(".buttons button[type=submit]")
        page.wait_for_load_state()


def test_a_student_registers_signs_in_resets_the_password_and_changes_the_phone(live_app, browser, tmp_path, redis_url):
    data_dir = _outbox(tmp_path)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    page.goto(f"{live_app}/login/")
    page.click("text=注册账号")
    page.fill("#id_phone", PHONE)
    code = _send_code(page, data_dir, "button[value=send_code]")
    page.fill("#id_code", code)
    page.fill("#id_password", PASSWORD_1)
    page.fill("#id_password2", PASSWORD_1)
    assert page.locator("#password-rules li.ok").count() == 4  # the rules tick as you type
    page.fill("#id_real_name", "霍星")
    page.select_option("#id_document_type", "resident_id")
    page.fill("#id_document_number", ID_NUMBER)
    page.press("#id_document_number", "Enter")  # Enter means "next", not "send another code"
    page.wait_for_url("**/account/register/confirm/")
    details = page.inner_text("#confirm-details")
    username = page.inner_text("#confirm-username")
    assert "霍星" in details
    assert "110101********4514" in details
    assert ID_NUMBER not in details
    page.click("#confirm-yes")
    page.wait_for_url("**/account/register/done/")
    assert page.inner_text("#new-username") == username

    page.goto(f"{live_app}/login/")  # signed in by keyboard alone, with the phone number as login name
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_username'")
    page.keyboard.type(PHONE)  # the account field has the focus (autofocus; waited for, not raced)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD_1)
    page.keyboard.press("Enter")
    _lands_then_opens_the_account(page, live_app)
    assert "138****8000" in page.inner_text("#profile")
    assert PHONE not in page.inner_text("main")
    page.click("header button[type=submit]")  # 退出
    page.wait_for_url("**/login/")

    page.click("text=找回密码")
    _a_minute_passes(redis_url)
    page.fill("#id_phone", PHONE)
    code = _send_code(page, data_dir, "button[value=send_code]")
    page.fill("#id_code", code)
    page.fill("#id_new_password1", PASSWORD_2)
    page.fill("#id_new_password2", PASSWORD_2)
    page.click("button[value=reset]:not(.default-action)")
    page.wait_for_url("**/login/")
    _login(page, live_app, username, PASSWORD_1)
    assert "账号或密码错误" in page.inner_text("main")  # the old password is gone
    _login(page, live_app, ID_NUMBER, PASSWORD_2)  # so is the ID number a login name
    _lands_then_opens_the_account(page, live_app)

    page.click("text=更换")
    page.wait_for_url("**/account/phone/")
    page.keyboard.press("Tab")  # keyboard reachable
    _a_minute_passes(redis_url)
    old_code = _send_code(page, data_dir, "button[value=send_old]")
    page.fill("#id_old_code", old_code)
    page.fill("#id_new_phone", NEW_PHONE)
    _a_minute_passes(redis_url)
    new_code = _send_code(page, data_dir, "button[value=send_new]")
    page.fill("#id_old_code", old_code)
    page.fill("#id_new_code", new_code)
    page.click("button[value=change]:not(.default-action)")
    page.wait_for_url("**/account/")
    assert "137****7000" in page.inner_text("#profile-phone")
    assert sms_outbox(data_dir)[-1]["to"] == "138****8000"  # the old number is told


def test_an_identity_appeal_from_both_sides(live_app, browser, tmp_path):
    data_dir = _outbox(tmp_path)
    thief = browser.new_page()
    _register(thief, live_app, data_dir, phone="13500135000", name="钱多多", password=PASSWORD_1)

    owner = browser.new_page(viewport={"width": 390, "height": 844})
    _register(owner, live_app, data_dir, phone="13600136000", name="钱多多", password=PASSWORD_2)
    _login(owner, live_app, "13600136000", PASSWORD_2)
    owner.goto(f"{live_app}/account/appeal/")
    photo = tmp_path / "holding-id.jpg"
    photo.write_bytes(jpeg_with_exif())
    owner.set_input_files("#id_photo", str(photo))
    owner.fill("#id_statement", "我的证件号被他人注册")
    owner.click("#appeal-submit")
    assert "待审核" in owner.inner_text("#appeal-state")

    staff = browser.new_page()
    _login(staff, live_app, "centre", DEMO_PASSWORD)
    staff.goto(f"{live_app}/account/appeals/")
    staff.click("#appeal-queue >> text=审核")
    staff.wait_for_function("() => document.querySelector('main img').naturalWidth > 0")  # the photo shows
    staff.check("input[value=approve]")
    staff.fill("#id_reason", "照片与证件一致")
    staff.click("#decide")
    staff.wait_for_url("**/account/appeals/")
    assert "暂无待审申诉" in staff.inner_text("#appeal-queue")

    _login(thief, live_app, "13500135000", PASSWORD_1)
    assert "账号或密码错误" in thief.inner_text("main")  # the old account can no longer sign in
    _login(owner, live_app, ID_NUMBER, PASSWORD_2)  # the ID now signs in to the appellant's account
    _lands_then_opens_the_account(owner, live_app)
    assert "110101********4514" in owner.inner_text("#profile")
    notices = [m for m in sms_outbox(data_dir) if m["kind"] == "notice"]
    assert {m["to"] for m in notices} == {"135****5000", "136****6000"}  # both sides told


def _register(page, base: str, data_dir: Path, *, phone: str, name: str, password: str) -> None:
    page.goto(f"{base}/account/register/")
    page.fill("#id_phone", phone)
    code = _send_code(page, data_dir, "button[value=send_code]")
    page.fill("#id_code", code)
    page.fill("#id_password", password)
    page.fill("#id_password2", password)
    page.fill("#id_real_name", name)
    page.fill("#id_document_number", ID_NUMBER)
    page.click("button[value=register]:not(.default-action)")
    page.wait_for_url("**/account/register/confirm/")
    assert page.locator("#identity-taken").count() == 0  # a stranger is not told (issue 20, decision 0018)
    assert page.locator("#already-registered").count() == 1  # recovery and the appeal, offered to all
    page.click("#confirm-yes")
    page.wait_for_url("**/account/register/done/")
