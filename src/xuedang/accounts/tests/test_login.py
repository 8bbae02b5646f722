"""Signing in by any login name, history, sessions, log out everywhere, TOTP."""

from __future__ import annotations

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from xuedang.accounts.models import LoginEvent
from xuedang.conftest import PASSWORD


def _login(name: str, password: str = PASSWORD, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post("/login/", {"username": name, "password": password}, HTTP_USER_AGENT="Mozilla/5.0 Test")
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.mark.django_db
def test_a_student_signs_in_by_username_phone_or_id_number(student) -> None:
    student.phone = "13800138000"
    from xuedang.core import crypto

    student.phone_digest = crypto.digest("13800138000", purpose="phone")
    student.save()
    for name in ("student", "13800138000", "11010519491231002X", "11010519491231002x"):
        assert Client().post("/login/", {"username": name, "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["stu\x00dent", "student\x01", "\x00"])
def test_a_login_name_with_a_control_character_is_refused_not_a_500(student, name) -> None:
    # PostgreSQL refuses NUL in any text parameter; the name must never reach a query
    response = Client().post("/login/", {"username": name, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error; nobody signed in
    assert "_auth_user_id" not in response.client.session


@pytest.mark.django_db
def test_an_email_not_yet_activated_is_not_a_login_name(student) -> None:
    student.email = "ji@example.com"
    student.save()
    assert Client().post("/login/", {"username": "ji@example.com", "password": PASSWORD}).status_code == 200
    student.email_verified_at = timezone.now()
    student.save()
    assert Client().post("/login/", {"username": "ji@example.com", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_sign_ins_are_in_the_history_with_ip_and_device(student) -> None:
    Client().post("/login/", {"username": "student", "password": "wrong"})
    client = _login("student")
    page = client.get("/account/history/").content.decode()
    assert "Mozilla/5.0 Test" in page
    assert "127.0.0.1" in page
    assert list(LoginEvent.objects.values_list("succeeded", flat=True)) == [True, False]


@pytest.mark.django_db
def test_log_out_everywhere_ends_every_session(student) -> None:
    laptop, phone = _login("student"), _login("student")
    legacy = Client()
    assert legacy.login(username="student", password=PASSWORD)  # a session the accounts app never saw
    assert "Mozilla/5.0 Test" in laptop.get("/account/sessions/").content.decode()
    response = laptop.post("/account/sessions/", {"action": "end_all"})
    assert response["Location"] == "/login/"
    for client in (laptop, phone, legacy):
        assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_logout_needs_a_post_and_ends_the_session(student) -> None:
    client = _login("student")
    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert client.get("/account/").status_code == 302


def test_sessions_expire_after_two_hours_by_default() -> None:
    assert settings.SESSION_COOKIE_AGE == 2 * 3600


@pytest.mark.django_db
def test_totp_two_step_sign_in(student) -> None:
    client = _login("student")
    client.get("/account/two-factor/")
    secret = client.session["accounts:totp_setup"]
    wrong = client.post("/account/two-factor/", {"code": "000000"})
    assert "动态口令不正确" in wrong.content.decode()
    client.post("/account/two-factor/", {"code": pyotp.TOTP(secret).now()})
    student.refresh_from_db()
    assert student.totp_enabled_at
    assert student.totp_secret == secret

    second = Client()
    response = second.post("/login/", {"username": "student", "password": PASSWORD})
    assert response["Location"] == "/account/login/totp/"
    assert second.get("/account/").status_code == 302  # not signed in before the code
    assert second.post("/account/login/totp/", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert second.get("/account/").status_code == 200


@pytest.mark.django_db
def test_an_expired_session_no_longer_signs_in(student) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session

    client = _login("student")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_forms_refuse_a_post_without_the_csrf_token(student) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "student", "password": PASSWORD}).status_code == 403
    assert client.post("/account/register/", {"phone": "13800138000", "action": "send_code"}).status_code == 403


@pytest.mark.django_db
def test_one_other_session_can_be_signed_out_from_the_sessions_page(student) -> None:
    from xuedang.accounts.models import AccountSession

    here, there = _login("student"), _login("student")
    other = AccountSession.objects.get(session_key=there.session.session_key)
    page = here.get("/account/sessions/").content.decode()
    assert "当前设备" in page
    here.post("/account/sessions/", {"session": other.pk})
    assert there.get("/account/").status_code == 302
    assert here.get("/account/").status_code == 200
