"""Go live from an empty database (issue 13's acceptance), in real headless Chromium against the
real service on a freshly migrated database with no demo data: `xuedang bootstrap` → the centre's
user administrator enrols TOTP and invites the province's staff → the province's user
administrator invites the school's user administrator → who records the president and invites a
registrar → the registrar imports 录取, 学籍 and 学历 files and a photo ZIP, sees nothing missing
and publishes → a student registers, binds and makes a report → a signed-out browser verifies it →
the registrar files a revocation and the province approves → the same code reads 「已撤销」 →
`xuedang audit verify` passes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
import zipfile
from datetime import date
from pathlib import Path

import pyotp
import pytest
from django.utils import timezone

from xuedang.conftest import _free_port, scratch_database, scratch_database_drop
from xuedang.imports.schemas import ADMISSION_COLUMNS, CREDENTIAL_COLUMNS, ENROLLMENT_COLUMNS
from xuedang.reports.tests.factories import photo_bytes

pytestmark = pytest.mark.browser

MANAGE = [sys.executable, "-m", "xuedang.manage"]
PASSWORD = "Shangxian-2026-golive"
STUDENT_PHONE = "13900139000"
STUDENT_ID = "110105200403070011"  # checksummed, nobody's
STUDENT_NAME = "上官𠮷"
EXAM_NUMBER = "22110101000001"
STUDENT_NUMBER = "2022000001"


@pytest.fixture
def empty_app(tmp_path):
    """The service on a freshly migrated database with nothing in it but the code tables and the
    Ministry's institutions; jobs run in-process (no broker), as on a machine without Redis."""
    url, created = scratch_database(tmp_path)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {
        "DATABASE_URL": url,
        "XUEDANG_DATA_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "xuedang.settings",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": base,
    }
    server = None
    try:
        subprocess.run([*MANAGE, "migrate", "-v0"], env=env, check=True, timeout=300)
        server = subprocess.Popen([*MANAGE, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env)
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"the test server exited with status {server.returncode}")
                if time.monotonic() > deadline:
                    pytest.fail(f"the test server at {base} did not answer within 180 s")
                time.sleep(0.2)
        yield base, env
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        scratch_database_drop(created)


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MANAGE, *args], env=env, check=False, timeout=300, capture_output=True, text=True)


def _path(link: str) -> str:
    return "/account/invitation/" + link.rsplit("/account/invitation/", 1)[1]


def _mailed_link(outbox: Path, seen: set[str]) -> str:
    """The newest invitation link in the mail outbox that the journey has not opened yet."""
    mail = "".join(p.read_text(encoding="utf-8") for p in sorted((outbox / "mail").iterdir()))
    links = [link for link in re.findall(r"http://\S+/account/invitation/[\w-]+/", mail) if link not in seen]
    assert links, "no new invitation was mailed"
    seen.add(links[-1])
    return _path(links[-1])


def _accept(browser, base: str, path: str, username: str) -> tuple:
    """Open an invitation, choose a login and password, enrol the authenticator; the signed-in page
    and the authenticator."""
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{base}{path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("#accept-button")
    page.wait_for_url("**/login/totp/**")
    totp = pyotp.TOTP(page.inner_text("#totp-secret"))
    page.fill("#id_code", totp.now())
    page.click(".buttons button[type=submit]")
    page.wait_for_url("**/login/recovery-codes/**")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("#continue")
    page.wait_for_load_state()
    return page, totp


def _invite(page, base: str, *, name: str, email: str, scope: str, roles: list[str], **where: str) -> None:
    page.goto(f"{base}/account/staff/invite/")
    page.fill("#id_real_name", name)
    page.fill("#id_email", email)
    page.select_option("#id_scope", scope)
    if "province_code" in where:
        page.select_option("#id_province_code", where["province_code"])
    if "institution_code" in where:
        page.fill("#id_institution_code", where["institution_code"])
    for role in roles:
        page.check(f"input[name=roles][value={role}]")
    page.click("#invite-button")
    page.wait_for_url("**/account/staff/")
    assert name in page.inner_text("#invitation-list")


def _csv(columns, values: dict[str, str]) -> bytes:
    row = {c.key: c.example for c in columns} | values
    header = ",".join(c.zh for c in columns)
    return (header + "\n" + ",".join(row[c.key] for c in columns) + "\n").encode("utf-8")


def _import(page, base: str, tmp_path: Path, kind: str, content: bytes) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(content)
    page.goto(f"{base}/school/imports/")
    page.select_option("#id_kind", kind)
    page.set_input_files("#id_file", str(path))
    page.click("#upload-button")
    page.wait_for_url(re.compile(r".*/school/imports/\d+/$"))
    page.wait_for_function("document.querySelector('#job-result') !== null", timeout=60_000)
    result = page.inner_text("#job-result")
    assert "新增 1 条" in result, result


def _graduation(today: date) -> date:
    this_year = date(today.year, 7, 1)
    return this_year if today >= this_year else date(today.year - 1, 7, 1)


def _verify(browser, base: str, code: str) -> tuple[str, str]:
    page = browser.new_context().new_page()  # signed out: nobody's session
    page.goto(f"{base}/verify/")
    page.fill("#id_code", code)
    page.click("#verify-button")
    return page.get_attribute("#verification-status", "data-status"), page.inner_text("main")


def test_empty_database_to_verified_report(empty_app, browser, tmp_path) -> None:
    base, env = empty_app
    outbox = tmp_path / "var" / "outbox"
    opened: set[str] = set()
    graduation = _graduation(timezone.localdate())  # the server's calendar day
    entry = date(graduation.year - 4, 9, 1)

    # 1. the first operator, from the command line; a second bootstrap is refused
    first = _manage(env, "bootstrap", "--name", "中心管理员", "--email", "root@chesicc.example")
    assert first.returncode == 0, first.stderr
    link = re.search(r"http://\S+/account/invitation/[\w-]+/", first.stdout).group(0)
    centre, _ = _accept(browser, base, _path(link), "centreadmin")

    # 2. the centre invites the province's user administrator and its approver
    _invite(
        centre,
        base,
        name="赵处长",
        email="zhao@jw.beijing.example",
        scope="province",
        roles=["user_admin"],
        province_code="11",
    )
    province_admin, _ = _accept(browser, base, _mailed_link(outbox, opened), "zhaocz")
    _invite(
        centre,
        base,
        name="钱科长",
        email="qian@jw.beijing.example",
        scope="province",
        roles=["approver"],
        province_code="11",
    )
    approver, _ = _accept(browser, base, _mailed_link(outbox, opened), "qiankz")
    again = _manage(env, "bootstrap", "--name", "又一位", "--email", "again@chesicc.example")
    assert again.returncode != 0

    # 3. the province invites the school's user administrator
    _invite(
        province_admin,
        base,
        name="孙老师",
        email="sun@pku.example",
        scope="institution",
        roles=["user_admin"],
        institution_code="10001",
    )
    school_admin, _ = _accept(browser, base, _mailed_link(outbox, opened), "sunls")

    # 4. who records the president in office and invites a registrar
    school_admin.goto(f"{base}/school/presidents/")
    school_admin.fill("#id_name", "龚旗煌")
    school_admin.fill("#id_start_date", f"{entry.year - 1}-01-01")
    school_admin.click("main form button[type=submit]")
    school_admin.wait_for_load_state()
    assert "龚旗煌" in school_admin.inner_text("main table")
    _invite(
        school_admin,
        base,
        name="李注册",
        email="li@pku.example",
        scope="institution",
        roles=["registrar"],
        institution_code="10001",
    )
    registrar, _ = _accept(browser, base, _mailed_link(outbox, opened), "lizc")

    # 5. the registrar loads 录取, 学籍 and 学历 by file and the photos by ZIP
    identity = {
        "name": STUDENT_NAME,
        "gender": "男",
        "birth_date": "2004-03-07",
        "document_number": STUDENT_ID,
        "exam_number": EXAM_NUMBER,
    }
    _import(registrar, base, tmp_path, "admissions", _csv(ADMISSION_COLUMNS, identity | {"year": str(entry.year)}))
    _import(
        registrar,
        base,
        tmp_path,
        "enrollments",
        _csv(
            ENROLLMENT_COLUMNS,
            identity
            | {
                "student_number": STUDENT_NUMBER,
                "entry_date": entry.isoformat(),
                "expected_graduation_date": graduation.isoformat(),
            },
        ),
    )
    _import(
        registrar,
        base,
        tmp_path,
        "credentials",
        _csv(
            CREDENTIAL_COLUMNS,
            {
                "student_number": STUDENT_NUMBER,
                "study_end": graduation.isoformat(),
            },
        ),
    )
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"{STUDENT_ID}.jpg", photo_bytes())
    registrar.goto(f"{base}/school/photos/")
    registrar.set_input_files("#id_archive", str(archive))
    with registrar.expect_navigation() as uploaded:
        registrar.click("main form button[type=submit]")
    assert uploaded.value.status == 200, registrar.content()
    assert "已登记 1 张学历照片" in registrar.inner_text("main")
    registrar.goto(f"{base}/school/credentials/unpublished/")
    assert "齐全，到期即可发布" in registrar.inner_text("main table")  # nothing missing

    registrar.goto(f"{base}/school/credentials/publish/")
    registrar.fill("#id_due_by", timezone.localdate().isoformat())
    registrar.click("#preview-publish")
    registrar.wait_for_selector("#publish-preview")
    assert "将发布 1 条" in registrar.inner_text("#publish-preview")
    registrar.click("#confirm-publish")
    registrar.wait_for_url(re.compile(r".*/school/credentials/publish/\d+/$"))
    registrar.wait_for_selector("#job-result", timeout=60_000)
    assert "已发布 1 条，0 条信息不全未发布" in registrar.inner_text("#job-result")

    # 6. the student registers, the records bind, the student makes a report
    student = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    student.goto(f"{base}/account/register/")
    student.fill("#id_phone", STUDENT_PHONE)
    student.click("button[value=send_code]")
    student.wait_for_load_state()
    code = _last_sms_code(outbox)
    student.fill("#id_code", code)
    student.fill("#id_password", PASSWORD)
    student.fill("#id_password2", PASSWORD)
    student.fill("#id_real_name", STUDENT_NAME)
    student.select_option("#id_document_type", "resident_id")
    student.fill("#id_document_number", STUDENT_ID)
    student.click("button[value=register]:not(.default-action)")
    student.wait_for_url("**/account/register/confirm/")
    student.click("#confirm-yes")
    student.wait_for_url("**/account/register/done/")
    student.goto(f"{base}/login/")
    student.fill("#id_username", STUDENT_PHONE)
    student.fill("#id_password", PASSWORD)
    student.click("#login-button")  # a student lands on the archive, which asks first
    student.wait_for_url("**/account/identity-challenge/**")  # 身份核验 before the archive first opens
    student.check("input[name=institution][value='10001']")
    student.check("input[name=major][value='计算机科学与技术']")
    student.check(f"input[name=year][value='{entry.year}']")
    student.fill("#id_number", STUDENT_NUMBER)
    student.click("main form button[type=submit]")
    student.wait_for_load_state()
    student.goto(f"{base}/archive/")
    assert "北京大学" in student.inner_text("main")
    student.goto(f"{base}/archive/reports/")
    records = student.locator("#id_record option").all_inner_texts()
    student.select_option("#id_record", label=next(r for r in records if "学历" in r))
    student.fill("#id_months", "2")
    student.click("#create-button")
    report_code = student.locator("#reports tbody tr").first.get_attribute("data-code")
    assert len(report_code) == 16

    # 7. a signed-out browser verifies it
    status, text = _verify(browser, base, report_code)
    assert status == "valid", text

    # 8. the registrar asks to revoke; the province approves
    registrar.goto(f"{base}/school/enrollments/?q={STUDENT_NUMBER}")
    registrar.click(f"main >> text={STUDENT_NUMBER}")
    links = registrar.eval_on_selector_all("main a", "links => links.map(a => a.getAttribute('href'))")
    credential = next(href for href in links if re.fullmatch(r"/school/credentials/\d+/", href or ""))
    registrar.goto(f"{base}{credential}")
    registrar.click("main a[href$='/revoke/']")
    registrar.check("input[name=kind][value=credential]")
    registrar.fill("#id_decision_number", "北大发〔2026〕1号")
    registrar.fill("#id_reason", "学历证书系伪造材料取得")
    registrar.click("#submit-button")
    registrar.wait_for_url(re.compile(r".*/school/revocations/\d+/$"))
    revocation = registrar.url.split(base, 1)[1]
    approver.goto(f"{base}{revocation}")
    approver.check("input[name=decision][value=approve]")
    approver.fill("#id_note", "经核查属实")
    approver.click("#decide-button")
    approver.wait_for_load_state()

    # 9. the same code now reads 「已撤销」, and the audit chain holds
    status, text = _verify(browser, base, report_code)
    assert status == "revoked", text
    assert "已撤销" in text, text
    audit = _manage(env, "audit", "verify")
    assert audit.returncode == 0, audit.stdout + audit.stderr


def _last_sms_code(outbox: Path) -> str:
    import json

    lines = (outbox / "sms.log").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if json.loads(line)["kind"] == "code"][-1]["params"]["code"]
