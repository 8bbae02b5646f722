"""找回用户名, 找回密码 by SMS, change phone, password and email."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from xuedang.accounts.models import User
from xuedang.accounts.tests.helpers import last_code, sms_outbox
from xuedang.conftest import PASSWORD, login
from xuedang.core import crypto

PHONE = "13800138000"


@pytest.fixture
def with_phone(student):
    student.phone, student.phone_digest = PHONE, crypto.digest(PHONE, purpose="phone")
    student.save()
    return student


def _captcha() -> dict[str, str]:
    """A real captcha and the characters its picture shows."""
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


@pytest.mark.django_db
def test_username_recovery_shows_only_masked_usernames(student) -> None:
    response = Client().post(
        "/account/username/",
        {"document_type": "resident_id", "document_number": "11010519491231002X", "real_name": "吉𠮷"} | _captcha(),
    )
    page = response.content.decode()
    assert "st***nt" in page
    assert ">student<" not in page
    other = Client().post(
        "/account/username/",
        {"document_type": "resident_id", "document_number": "11010519491231002X", "real_name": "张三"} | _captcha(),
    )
    assert "未找到账号" in other.content.decode()  # the name must match too


@pytest.mark.django_db
def test_username_recovery_needs_the_captcha(student) -> None:
    response = Client().post(
        "/account/username/",
        {
            "document_type": "resident_id",
            "document_number": "11010519491231002X",
            "real_name": "吉𠮷",
            "captcha_0": "x",
            "captcha_1": "WRONG",
        },
    )
    assert "st***nt" not in response.content.decode()


@pytest.mark.django_db
def test_password_reset_by_sms(with_phone) -> None:
    client = Client()
    client.post("/account/password/reset/", {"phone": PHONE, "action": "send_code"})
    response = client.post(
        "/account/password/reset/",
        {"phone": PHONE, "code": last_code(), "new_password1": "Brand-new-2026!", "new_password2": "Brand-new-2026!"},
    )
    assert response["Location"] == "/login/"
    assert User.objects.get(pk=with_phone.pk).check_password("Brand-new-2026!")


@pytest.mark.django_db
def test_password_reset_says_the_same_for_an_unknown_number(with_phone) -> None:
    known = Client().post("/account/password/reset/", {"phone": PHONE, "action": "send_code"})
    cache.clear()
    unknown = Client().post("/account/password/reset/", {"phone": "13900139000", "action": "send_code"})
    assert "如该手机号已绑定账号" in known.content.decode()
    assert "如该手机号已绑定账号" in unknown.content.decode()
    assert len(sms_outbox()) == 1  # only the real account's number got a code


@pytest.mark.django_db
def test_change_phone_with_both_codes_and_the_old_number_is_told(with_phone) -> None:
    client = login(with_phone)
    client.post("/account/phone/", {"action": "send_old"})
    old_code = last_code()
    client.post("/account/phone/", {"action": "send_new", "new_phone": "13700137000"})
    response = client.post(
        "/account/phone/",
        {"method": "old_code", "old_code": old_code, "new_phone": "13700137000", "new_code": last_code()},
    )
    assert response["Location"] == "/account/"
    assert User.objects.get(pk=with_phone.pk).phone == "13700137000"


@pytest.mark.django_db
def test_change_phone_with_the_password_when_the_old_number_is_gone(with_phone) -> None:
    client = login(with_phone)
    client.post("/account/phone/", {"action": "send_new", "new_phone": "13700137000"})
    bad = client.post(
        "/account/phone/",
        {"method": "password", "password": "wrong", "new_phone": "13700137000", "new_code": last_code()},
    )
    assert "正确的登录密码" in bad.content.decode()
    assert User.objects.get(pk=with_phone.pk).phone == PHONE


@pytest.mark.django_db
def test_change_password_keeps_this_session_and_ends_the_others(student) -> None:
    here, there = login(student), login(student)
    response = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "Brand-new-2026!", "new_password2": "Brand-new-2026!"},
    )
    assert response["Location"] == "/account/"
    assert here.get("/account/").status_code == 200
    assert there.get("/account/").status_code == 302


@pytest.mark.django_db
def test_change_password_names_a_wrong_old_password(student) -> None:
    response = login(student).post(
        "/account/password/",
        {"old_password": "nope", "new_password1": "Brand-new-2026!", "new_password2": "Brand-new-2026!"},
    )
    assert "原密码不正确" in response.content.decode()


@pytest.mark.django_db
def test_change_email_by_a_code_sent_there(student) -> None:
    client = login(student)
    client.post("/account/email/", {"action": "send_code", "email": "new@example.com"})
    code = mail.outbox[-1].body.split("验证码是 ")[1][:6]
    response = client.post("/account/email/", {"email": "new@example.com", "code": code, "action": "change"})
    assert response["Location"] == "/account/"
    student.refresh_from_db()
    assert student.email == "new@example.com"
    assert student.email_verified_at


@pytest.mark.django_db
def test_the_captcha_picture_renders() -> None:
    from captcha.models import CaptchaStore

    response = Client().get(f"/captcha/image/{CaptchaStore.generate_key()}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
