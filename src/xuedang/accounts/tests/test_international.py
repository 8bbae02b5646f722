"""Students without a mainland phone (第三条, issue 13 item 9): international mobiles, email alone,
the two travel permits and the 2023 foreign permanent residence ID typed as a resident ID."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from xuedang.accounts.models import User
from xuedang.accounts.tests.helpers import last_code, sms_outbox
from xuedang.core import crypto
from xuedang.core import validators as v

pytestmark = pytest.mark.django_db

PASSWORD = "Huoxing-2026-first"
FORM = {
    "phone": "",
    "password": PASSWORD,
    "password2": PASSWORD,
    "real_name": "陈大文",
    "document_type": "hk_macao_permit",
    "document_number": "H12345678",
    "email": "",
}
FIRST17 = "911840" + "19990101" + "001"  # 9, 北京 (11), nationality 840, birth date, sequence
FOREIGN_PERMANENT = FIRST17 + v.resident_id_check_digit(FIRST17)


def _email_code() -> str:
    return re.search(r"验证码是 (\d{6})", mail.outbox[-1].body).group(1)


def test_a_hong_kong_student_registers_signs_in_and_resets_with_a_hong_kong_mobile() -> None:
    client = Client()
    client.post("/account/register/", {"phone": "+852 6123 4567", "action": "send_code"})
    assert sms_outbox()[-1]["to"].endswith("4567")
    response = client.post("/account/register/", FORM | {"phone": "+852 6123 4567", "code": last_code()})
    assert response["Location"] == "/account/register/confirm/"
    page = client.get("/account/register/confirm/").content.decode()
    assert "港澳居民来往内地通行证" in page
    assert "H12345678" not in page  # masked like every document
    client.post("/account/register/confirm/", {"answer": "yes"})
    user = User.objects.get(real_name="陈大文")
    assert (user.phone, user.document_type, user.document_number) == ("+85261234567", "hk_macao_permit", "H12345678")
    # signs in with the number as typed, and recovers the password by SMS to it
    assert Client().post("/login/", {"username": "+852 61234567", "password": PASSWORD}).status_code == 302
    cache.clear()  # the registration code's resend interval on this number has passed
    reset = Client()
    reset.post("/account/password/reset/", {"phone": "+85261234567", "action": "send_code"})
    reset.post(
        "/account/password/reset/",
        {
            "phone": "+85261234567",
            "code": last_code(),
            "new_password1": "Brand-new-2026!",
            "new_password2": "Brand-new-2026!",
        },
    )
    assert User.objects.get(pk=user.pk).check_password("Brand-new-2026!")


def test_a_taiwan_student_registers_with_email_alone() -> None:
    client = Client()
    sent = client.post("/account/register/", {"email": "chen@example.tw", "action": "send_code"}, follow=True)
    assert "c***@example.tw" in sent.content.decode()
    assert sms_outbox() == []
    data = FORM | {"email": "chen@example.tw", "document_type": "taiwan_permit", "document_number": "01234567"}
    response = client.post("/account/register/", data | {"code": _email_code()})
    assert response["Location"] == "/account/register/confirm/"
    page = client.get("/account/register/confirm/").content.decode()
    assert "台湾居民来往大陆通行证" in page
    assert "已验证" in page
    client.post("/account/register/confirm/", {"answer": "yes"})
    user = User.objects.get(real_name="陈大文")
    assert user.phone == ""
    assert user.email_verified_at is not None
    # the email is a login name at once, and password recovery by email reaches it
    assert Client().post("/login/", {"username": "chen@example.tw", "password": PASSWORD}).status_code == 302
    cache.clear()  # the registration code's resend interval on this address has passed
    Client().post("/account/password/reset/email/", {"email": "chen@example.tw"})
    assert "/account/password/reset/" in mail.outbox[-1].body


def test_email_alone_answering_no_registers_nothing() -> None:
    client = Client()
    client.post("/account/register/", {"email": "chen@example.tw", "action": "send_code"})
    client.post("/account/register/", FORM | {"email": "chen@example.tw", "code": _email_code()})
    assert client.post("/account/register/confirm/", {"answer": "no"})["Location"] == "/account/register/"
    assert not User.objects.exists()


def test_neither_phone_nor_email_is_named() -> None:
    response = Client().post("/account/register/", FORM | {"code": "123456"})
    assert response.status_code == 200
    assert "请填写手机号，或仅用邮箱注册时填写邮箱" in response.content.decode()


def test_a_resident_id_beginning_with_9_is_read_as_a_foreign_permanent_residence_id() -> None:
    client = Client()
    client.post("/account/register/", {"email": "smith@example.com", "action": "send_code"})
    data = FORM | {"email": "smith@example.com", "real_name": "John Smith"}
    data |= {"document_type": "resident_id", "document_number": FOREIGN_PERMANENT}
    response = client.post("/account/register/", data | {"code": _email_code()})
    assert response["Location"] == "/account/register/confirm/"
    assert "外国人永久居留身份证" in client.get("/account/register/confirm/").content.decode()
    client.post("/account/register/confirm/", {"answer": "yes"})
    user = User.objects.get(real_name="John Smith")
    assert (user.document_type, user.document_number) == ("foreign_permanent", FOREIGN_PERMANENT)
    # and the number is a login name, typed as it is on the card
    assert Client().post("/login/", {"username": FOREIGN_PERMANENT, "password": PASSWORD}).status_code == 302


def test_an_account_without_identity_appeals_with_a_travel_permit() -> None:
    from xuedang.accounts.services import appeals, user_create

    user = user_create(actor=None, username="chen", password=PASSWORD, real_name="陈大文", email="chen@example.tw")
    appeal = appeals.appeal_start(user=user, document_type="taiwan_permit", document_number="01234567")
    assert appeal.identity_digest == crypto.identity_digest("taiwan_permit", "01234567")


@pytest.mark.parametrize(
    ("document_type", "raw", "normalised"),
    [
        ("hk_macao_permit", "h12345678", "H12345678"),
        ("hk_macao_permit", "M1234567890", "M1234567890"),
        ("taiwan_permit", "０１２３４５６７", "01234567"),
        ("resident_id", FOREIGN_PERMANENT.lower(), FOREIGN_PERMANENT),
    ],
)
def test_documents_are_recognised(document_type, raw, normalised) -> None:
    assert v.identify_document(document_type, raw)[1] == normalised


@pytest.mark.parametrize(
    ("document_type", "raw", "message"),
    [
        ("hk_macao_permit", "A12345678", "H 或 M 加 8 位数字"),
        ("taiwan_permit", "1234567", "8 位数字"),
        ("resident_id", FOREIGN_PERMANENT[:-1] + ("0" if FOREIGN_PERMANENT[-1] != "0" else "1"), "校验"),
    ],
)
def test_bad_numbers_are_named(document_type, raw, message) -> None:
    with pytest.raises(ValidationError) as error:
        v.identify_document(document_type, raw)
    assert message in error.value.messages[0]


def test_travel_permits_have_number_spaces_of_their_own() -> None:
    assert crypto.identity_digest("taiwan_permit", "01234567") != crypto.identity_digest("passport", "01234567")
    assert crypto.identity_digest("foreign_permanent", FOREIGN_PERMANENT) == crypto.identity_digest(
        "resident_id", FOREIGN_PERMANENT
    )


@pytest.mark.parametrize("raw", ["+852 6123 4567", "00852-61234567"])
def test_international_mobiles_are_kept_in_e164(raw) -> None:
    assert v.normalize_any_mobile(raw) == "+85261234567"
    assert v.normalize_any_mobile("+86 138 0013 8000") == "13800138000"
    with pytest.raises(ValidationError):
        v.normalize_any_mobile("+853 2123 4567")  # not a valid number
