"""Registration through the pages: SMS code, confirmation 「是/否」, identity already taken."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from xuedang.accounts.models import AppealState, IdentityAppeal, User
from xuedang.accounts.tests.helpers import last_code, sms_outbox
from xuedang.conftest import make_enrollment

PHONE = "13800138000"
FORM = {
    "phone": PHONE,
    "password": "Huoxing-2026-first",
    "password2": "Huoxing-2026-first",
    "real_name": "吉𠮷",
    "document_type": "resident_id",
    "document_number": "11010519491231002X",
    "email": "",
}


def _start(client: Client, **changes: str):
    client.post("/account/register/", {"phone": changes.get("phone", PHONE), "action": "send_code"})
    data = FORM | {"code": last_code(), "action": "register"} | changes
    return client.post("/account/register/", data)


@pytest.mark.django_db
def test_a_student_registers_with_an_sms_code_and_confirms(registrar) -> None:
    enrollment = make_enrollment()
    client = Client()
    response = _start(client)
    assert response.status_code == 302
    assert response["Location"] == "/account/register/confirm/"
    page = client.get("/account/register/confirm/").content.decode()
    assert "110105********002X" in page
    assert "11010519491231002X" not in page
    from django.contrib.sessions.models import Session

    stored = "".join(str(s.get_decoded()) + s.session_data for s in Session.objects.all())
    assert stored
    assert PHONE not in stored
    assert "11010519491231002X" not in stored
    assert not User.objects.filter(real_name="吉𠮷").exists()  # nothing final before 「是」
    client.post("/account/register/confirm/", {"answer": "yes"})
    user = User.objects.get(real_name="吉𠮷")
    assert user.phone == PHONE
    assert user.check_password(FORM["password"])
    assert user.bindings.filter(enrollment=enrollment).exists()  # records bound by ID + name
    assert user.identity_checked_at is None  # the archive still asks the identity questions


@pytest.mark.django_db
def test_answering_no_at_confirmation_registers_nothing() -> None:
    client = Client()
    _start(client)
    response = client.post("/account/register/confirm/", {"answer": "no"})
    assert response["Location"] == "/account/register/"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_wrong_code_is_named_and_nothing_is_kept() -> None:
    client = Client()
    client.post("/account/register/", {"phone": PHONE, "action": "send_code"})
    response = client.post("/account/register/", FORM | {"code": "000000" if last_code() != "000000" else "111111"})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert "confirm" not in response.get("Location", "")


@pytest.mark.django_db
def test_field_errors_do_not_spend_the_code() -> None:
    client = Client()
    client.post("/account/register/", {"phone": PHONE, "action": "send_code"})
    code = last_code()
    response = client.post("/account/register/", FORM | {"code": code, "document_number": "110105194912310021"})
    assert "校验" in response.content.decode() or "check" in response.content.decode()
    response = client.post("/account/register/", FORM | {"code": code})
    assert response.status_code == 302


def _pages(phone: str, document_number: str, real_name: str) -> list[str]:
    """What a registrant sees: the confirmation page and the page after 「是」, with the parts
    that differ for everyone (username, name, masked ID, CSRF token) taken out."""
    import re

    cache.clear()  # a fresh network and number: no sending limits in the way
    client = Client()
    assert _start(client, phone=phone, document_number=document_number, real_name=real_name).status_code == 302
    confirm = client.get("/account/register/confirm/")
    done = client.post("/account/register/confirm/", {"answer": "yes"}, follow=True)
    out = []
    for response in (confirm, done):
        page = response.content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        page = re.sub(r"xd[a-z2-9]{8}", "USERNAME", page).replace(real_name, "NAME")
        out.append(re.sub(r"\d{6}\*+\w{4}", "MASKED", page) + str(response.status_code))
    return out


@pytest.mark.django_db
def test_registration_with_a_taken_id_shows_a_stranger_no_difference(student) -> None:
    """Issue 20: registering used to tell anyone, for one SMS code, whether an ID was taken."""
    taken = _pages("13800138001", "11010519491231002X", "吉𠮷")  # the student's ID
    free = _pages("13800138002", "650102200001010020", "吉𠮷")  # nobody's
    assert taken == free
    assert "已被其他账号注册" not in "".join(taken)
    assert "找回密码" in taken[0]  # recovery and the appeal are offered to everyone
    assert "证件号申诉" in taken[0]


@pytest.mark.django_db
def test_an_id_already_registered_makes_an_account_with_an_appeal_draft_and_tells_the_holder(student) -> None:
    from xuedang.accounts.models import Notification

    client = Client()
    _start(client)
    client.post("/account/register/confirm/", {"answer": "yes"})
    newcomer = User.objects.get(phone_digest__isnull=False, username__startswith="xd")
    assert newcomer.identity_digest == ""
    assert IdentityAppeal.objects.get(appellant=newcomer).state == AppealState.DRAFT
    assert User.objects.get(pk=student.pk).identity_digest  # the holder keeps it until an appeal decides
    assert "有人用您账号中的证件号码注册了新的学档账号" in Notification.objects.get(user=student).text


@pytest.mark.django_db
def test_a_phone_with_an_account_is_refused_after_its_code() -> None:
    client = Client()
    _start(client)
    client.post("/account/register/confirm/", {"answer": "yes"})
    cache.clear()  # a minute later: the per-minute limit has passed
    again = Client()
    response = _start(again, document_number="650102200001010020", real_name="阿依古丽·买买提")
    assert "该手机号已注册账号" in response.content.decode()


@pytest.mark.django_db
def test_the_sms_outbox_says_nothing_was_delivered_and_hides_the_number() -> None:
    Client().post("/account/register/", {"phone": PHONE, "action": "send_code"})
    message = sms_outbox()[-1]
    assert message["delivered"] is False
    assert "NOT DELIVERED" in message["notice"]
    assert message["to"] == "138****8000"
    assert PHONE not in str(message)


@pytest.mark.django_db
def test_an_email_given_at_registration_gets_an_activation_link_and_can_be_resent(
    django_capture_on_commit_callbacks,
) -> None:
    from django.core import mail

    client = Client()
    _start(client, email="huo@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/register/confirm/", {"answer": "yes"})
    assert "/account/email/activate/" in mail.outbox[-1].body
    user = User.objects.get(email="huo@example.com")
    assert user.email_verified_at is None  # registered, not yet activated
    client.force_login(user)
    page = client.get("/account/").content.decode()
    assert "未激活" in page
    cache.clear()
    client.post("/account/email/", {"action": "resend"})
    assert len(mail.outbox) == 2
    response = client.post("/account/email/", {"action": "resend"}, follow=True)
    assert "1 分钟后再试" in response.content.decode()  # resending has the same limits
    client.get(mail.outbox[-1].body.split("http://127.0.0.1:8000")[1].split()[0])
    assert User.objects.get(pk=user.pk).email_verified_at is not None


@pytest.mark.django_db
def test_field_errors_are_tied_to_their_inputs_for_screen_readers() -> None:
    response = Client().post("/account/register/", FORM | {"code": "123456", "document_number": "123"})
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="id_document_number_error"' in page
    assert 'id="id_document_number_error"' in page
    assert 'id="id_real_name_helptext"' in page
