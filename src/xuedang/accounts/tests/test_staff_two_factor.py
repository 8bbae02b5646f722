"""Two-factor for every staff account (issue 13 item 3): nothing staff answers before it."""

from __future__ import annotations

import pyotp
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from xuedang.accounts.models import User
from xuedang.accounts.services.two_factor import recovery_codes_issue, totp_enable, two_factor_reset
from xuedang.conftest import PASSWORD, _staff, make_enrollment
from xuedang.core.models import AuditEntry

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/school/enrollments/",
    "/school/imports/",
    "/school/archive/corrections/",
    "/admin/",
    "/account/appeals/",
]


def _password_step(username: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/account/login/totp/"
    return client


def _enrolled(user: User) -> str:
    secret = pyotp.random_base32()
    totp_enable(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    return secret


def test_a_staff_session_without_the_second_step_reaches_no_staff_page_or_api(centre_admin, registrar) -> None:
    enrollment = make_enrollment()
    for user in (centre_admin, registrar):
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)  # a password-only session
        for page in STAFF_PAGES:
            response = client.get(page)
            assert response.status_code == 302, page
            assert response["Location"] == "/account/login/totp/", page
        api = client.get(f"/api/v1/enrollments/{enrollment.pk}")
        assert api.status_code == 403
        assert enrollment.name not in api.content.decode()


def test_a_new_staff_member_enrols_an_authenticator_at_first_sign_in(registrar) -> None:
    client = _password_step("registrar")
    page = client.get("/account/login/totp/")
    assert "工作人员账号必须启用两步验证" in page.content.decode()
    assert client.get("/school/enrollments/").status_code == 302  # still not in
    secret = client.session["accounts:totp_setup"]
    wrong = client.post(
        "/account/login/totp/", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"}
    )
    assert "动态口令不正确" in wrong.content.decode()
    done = client.post("/account/login/totp/", {"code": pyotp.TOTP(secret).now()})
    assert done["Location"].startswith("/account/login/recovery-codes/")
    codes_page = client.get(done["Location"]).content.decode()
    assert codes_page.count("<li><code>") == 10
    assert "<li><code>" not in client.get(done["Location"]).content.decode()  # shown once
    assert client.get("/school/enrollments/").status_code == 200
    registrar.refresh_from_db()
    assert registrar.totp_enabled_at is not None
    assert AuditEntry.objects.filter(action="accounts.totp.enabled", target_id=str(registrar.pk)).exists()


def test_an_enrolled_staff_member_passes_with_the_code_or_a_recovery_code_once(registrar) -> None:
    secret = _enrolled(registrar)
    client = _password_step("registrar")
    assert client.post("/account/login/totp/", {"code": "12345"}).status_code == 200
    client.post("/account/login/totp/", {"code": pyotp.TOTP(secret).now()})
    assert client.get("/school/enrollments/").status_code == 200

    code = recovery_codes_issue(user=registrar)[0]
    second = _password_step("registrar")
    second.post("/account/login/totp/", {"code": code})
    assert second.get("/school/enrollments/").status_code == 200
    third = _password_step("registrar")
    third.post("/account/login/totp/", {"code": code})
    assert third.get("/school/enrollments/").status_code == 302  # a recovery code works once


def test_students_keep_two_factor_optional(student) -> None:
    response = Client().post("/login/", {"username": "student", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] != "/account/login/totp/"


def test_a_lost_device_is_reset_by_a_user_admin_of_the_scope_only(registrar, other_school_registrar) -> None:
    _enrolled(registrar)
    school_admin = _staff("pku_admin", "institution", "user_admin", school="10001")
    other_admin = _staff("fudan_admin", "institution", "user_admin", school="10246")
    for actor in (registrar, other_admin, other_school_registrar):
        with pytest.raises(ValidationError):
            two_factor_reset(actor=actor, user=registrar, reason="手机丢失")
    before = registrar.session_epoch
    two_factor_reset(actor=school_admin, user=registrar, reason="手机丢失 / phone lost")
    registrar.refresh_from_db()
    assert registrar.totp_enabled_at is None
    assert registrar.totp_secret == ""
    assert registrar.session_epoch > before
    entry = AuditEntry.objects.get(action="accounts.totp.reset")
    assert entry.actor_id == school_admin.pk
    # the next sign-in enrols a new authenticator
    client = _password_step("registrar")
    assert "工作人员账号必须启用两步验证" in client.get("/account/login/totp/").content.decode()


def test_the_admin_has_no_password_only_sign_in_of_its_own(centre_admin) -> None:
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "centre_admin", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert client.get("/admin/").status_code == 302  # not signed in by that form


def test_a_staff_member_replaces_their_recovery_codes_with_the_authenticator(registrar) -> None:
    secret = _enrolled(registrar)
    old = recovery_codes_issue(user=registrar)
    client = _password_step("registrar")
    client.post("/account/login/totp/", {"code": old[0]})
    page = client.get("/account/staff/security/").content.decode()
    assert "剩余可用恢复码：9 个" in page
    assert "动态口令不正确" in client.post("/account/staff/security/", {"code": "12345x"}).content.decode()
    done = client.post("/account/staff/security/", {"code": pyotp.TOTP(secret).now()})
    assert done["Location"].startswith("/account/login/recovery-codes/")
    assert client.get(done["Location"]).content.decode().count("<li><code>") == 10
    assert "剩余可用恢复码：10 个" in client.get("/account/staff/security/").content.decode()
    assert (
        _password_step("registrar").post("/account/login/totp/", {"code": old[1]}).status_code == 200
    )  # old ones void
