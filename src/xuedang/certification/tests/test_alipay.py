"""The Alipay adapter (decision 0030): the alipay.trade.page.pay request is signed RSA2 over the
canonical string, and a notification is believed only with Alipay's valid signature. Keys are
generated here; this is not a check against a provider-published example."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from xuedang.certification.payments import AlipayPayments, alipay_canonical, payment_backend

APP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ALIPAY_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def adapter() -> AlipayPayments:
    return AlipayPayments(
        app_id="2021000000000001",
        private_key=APP_KEY,
        alipay_public_key=ALIPAY_KEY.public_key(),
        gateway="https://openapi.alipay.com/gateway.do",
        notify_url="https://xuedang.example/pay/notify",
    )


def test_canonical_string_is_sorted_key_value_without_sign_and_empty_values() -> None:
    params = {"b": "2", "sign": "x", "a": "1", "empty": "", "c": "中 文&="}
    assert alipay_canonical(params) == "a=1&b=2&c=中 文&="
    assert alipay_canonical(params | {"sign_type": "RSA2"}, leave_out=("sign", "sign_type")) == "a=1&b=2&c=中 文&="


def test_page_pay_request_is_signed_rsa2_over_the_canonical_string() -> None:
    now = datetime(2025, 3, 1, 4, 5, 6, tzinfo=UTC)  # 12:05:06 in Beijing
    params = adapter().page_pay_params(out_trade_no="XD1", amount=Decimal("60"), subject="学历认证", now=now)
    expected = (
        "app_id=2021000000000001"
        '&biz_content={"out_trade_no":"XD1","product_code":"FAST_INSTANT_TRADE_PAY","total_amount":"60.00","subject":"学历认证"}'
        "&charset=utf-8&format=JSON&method=alipay.trade.page.pay&notify_url=https://xuedang.example/pay/notify"
        "&sign_type=RSA2&timestamp=2025-03-01 12:05:06&version=1.0"
    )
    assert alipay_canonical(params) == expected
    assert "return_url" not in params  # an empty parameter is neither sent nor signed
    signature = base64.b64decode(params["sign"])
    APP_KEY.public_key().verify(signature, expected.encode(), padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        APP_KEY.public_key().verify(
            signature, expected.replace("60.00", "0.01").encode(), padding.PKCS1v15(), hashes.SHA256()
        )


def test_start_sends_the_applicant_to_the_gateway_with_the_signed_request() -> None:
    started = adapter().start(amount=Decimal("60.00"), subject="学历认证 / credential authentication")
    assert started.state == "pending"
    url = urlsplit(started.redirect_url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://openapi.alipay.com/gateway.do"
    params = dict(parse_qsl(url.query))
    assert json.loads(params["biz_content"])["out_trade_no"] == started.reference
    signature = base64.b64decode(params["sign"])
    APP_KEY.public_key().verify(signature, alipay_canonical(params).encode(), padding.PKCS1v15(), hashes.SHA256())


def notification(**changes: str) -> dict[str, str]:
    params = {
        "app_id": "2021000000000001",
        "out_trade_no": "XD1",
        "trade_no": "2025030122001400000000000001",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "60.00",
        "notify_time": "2025-03-01 12:06:00",
        "sign_type": "RSA2",
    }
    text = alipay_canonical(params, leave_out=("sign", "sign_type")).encode()
    sign = base64.b64encode(ALIPAY_KEY.sign(text, padding.PKCS1v15(), hashes.SHA256())).decode()
    return params | {"sign": sign} | changes


def test_a_notification_is_believed_only_with_alipays_valid_rsa2_signature() -> None:
    alipay = adapter()
    assert alipay.verify_notification(notification())
    assert alipay.paid_reference(notification()) == "XD1"
    assert alipay.paid_reference(notification(trade_status="WAIT_BUYER_PAY")) == ""
    assert not alipay.verify_notification(notification(total_amount="0.01"))  # changed after signing
    assert not alipay.verify_notification(notification(sign_type="RSA"))
    assert not alipay.verify_notification(notification(sign="not base64!"))
    forged = notification()
    text = alipay_canonical(forged, leave_out=("sign", "sign_type")).encode()
    forged["sign"] = base64.b64encode(APP_KEY.sign(text, padding.PKCS1v15(), hashes.SHA256())).decode()
    assert not alipay.verify_notification(forged)  # signed, but not by Alipay
    assert alipay.paid_reference(forged) == ""


def test_settings_select_alipay_with_key_files(settings, tmp_path) -> None:
    private = tmp_path / "app.pem"
    private.write_bytes(
        APP_KEY.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public = tmp_path / "alipay.pem"
    public.write_bytes(
        ALIPAY_KEY.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings.CERTIFICATION_PAYMENTS = "alipay"
    settings.ALIPAY_APP_ID = "2021000000000001"
    settings.ALIPAY_PRIVATE_KEY_PATH = str(private)
    settings.ALIPAY_PUBLIC_KEY_PATH = str(public)
    backend = payment_backend()
    assert isinstance(backend, AlipayPayments)
    assert backend.verify_notification(notification())


@pytest.mark.django_db
def test_applicant_pays_through_alipay_and_only_a_signed_notification_of_the_fee_settles_it(
    settings, tmp_path, student, client
) -> None:
    from xuedang.certification.models import AuthenticationApplication, PaymentState
    from xuedang.certification.tests.test_authentication_pages import files
    from xuedang.conftest import login

    test_settings_select_alipay_with_key_files(settings, tmp_path)
    settings.CERTIFICATION_FEE = "60"
    applicant = login(student)
    form = {"institution_code": "10001", "certificate_number": "NO.1", "graduation_year": "1988", "report_zh": "on"}
    assert applicant.post("/certification/apply/", form | files()).status_code == 302
    application = AuthenticationApplication.objects.get()
    assert application.payment_state == PaymentState.PENDING
    assert (
        f"/certification/{application.pk}/pay/" in applicant.get(f"/certification/{application.pk}/").content.decode()
    )
    pay = applicant.get(f"/certification/{application.pk}/pay/")
    assert pay.status_code == 302
    assert pay["Location"].startswith("https://openapi.alipay.com/gateway.do?")
    assert application.payment_reference in pay["Location"]

    url = "/certification/payments/alipay/notify"
    order = application.payment_reference
    assert client.post(url, notification(out_trade_no=order)).status_code == 400  # order changed after signing

    def signed(**fields: str) -> dict[str, str]:
        params = {k: v for k, v in notification().items() if k != "sign"} | fields
        text = alipay_canonical(params, leave_out=("sign", "sign_type")).encode()
        return params | {"sign": base64.b64encode(ALIPAY_KEY.sign(text, padding.PKCS1v15(), hashes.SHA256())).decode()}

    assert client.post(url, signed(out_trade_no=order, total_amount="0.01")).status_code == 400  # not the fee
    assert client.post(url, signed(out_trade_no=order, trade_status="WAIT_BUYER_PAY")).status_code == 400
    application.refresh_from_db()
    assert application.payment_state == PaymentState.PENDING

    params = signed(out_trade_no=order)
    answer = client.post(url, params)
    assert answer.status_code == 200
    assert answer.content == b"success"
    application.refresh_from_db()
    assert application.payment_state == PaymentState.PAID
    steps = application.steps.count()
    assert client.post(url, params).content == b"success"  # a repeat is acknowledged, and settles nothing more
    assert application.steps.count() == steps
