"""The WeChat Pay v2 adapter (decision 0030): its signature reproduces the example WeChat Pay
publishes in its 安全规范 (API v2 security rules), the 统一下单 request is signed and its answer
believed only when signed by the merchant's key, and a notification settles an application only
when it is signed and pays exactly the fee."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xuedang.certification.payments import (
    PaymentUnavailable,
    WechatPayments,
    payment_backend,
    wechat_parse,
    wechat_sign,
    wechat_xml,
)

# WeChat Pay's published example (pay.weixin.qq.com, API v2 安全规范 / signature algorithm).
PUBLISHED_PARAMS = {
    "appid": "wxd930ea5d5a258f4f",
    "mch_id": "10000100",
    "device_info": "1000",
    "body": "test",
    "nonce_str": "ibuaiVcKdpRxkhJA",
}
PUBLISHED_KEY = "192006250b4c09247ec02edce69f6a2d"
PUBLISHED_MD5 = "9A0A8659F005D6984697E2CA0A9CF3B7"
PUBLISHED_HMAC_SHA256 = "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"

APP, MCH, KEY = "wx0000000000000001", "1900000109", "0123456789abcdef0123456789abcdef"


def test_the_signature_reproduces_wechat_pays_published_example() -> None:
    assert wechat_sign(PUBLISHED_PARAMS, key=PUBLISHED_KEY, sign_type="MD5") == PUBLISHED_MD5
    assert wechat_sign(PUBLISHED_PARAMS, key=PUBLISHED_KEY, sign_type="HMAC-SHA256") == PUBLISHED_HMAC_SHA256
    # empty values and an existing sign take no part; any other change does
    assert wechat_sign(PUBLISHED_PARAMS | {"attach": "", "sign": "X"}, key=PUBLISHED_KEY) == PUBLISHED_HMAC_SHA256
    assert wechat_sign(PUBLISHED_PARAMS | {"body": "test2"}, key=PUBLISHED_KEY) != PUBLISHED_HMAC_SHA256


def test_xml_round_trips_and_refuses_entities_and_nesting() -> None:
    params = {"body": "学历认证 ]]> <b>&", "total_fee": "6000"}
    assert wechat_parse(wechat_xml(params)) == params
    for hostile in (
        b'<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><body>&a;</body></xml>',
        b"<xml><body><inner>1</inner></body></xml>",
        b"<other><body>1</body></other>",
        b"<xml><body>" + b"a" * 70_000 + b"</body></xml>",
        b"not xml",
    ):
        with pytest.raises(ValueError, match="not a WeChat Pay message"):
            wechat_parse(hostile)


def _gateway(answer: dict[str, str], seen: list[dict[str, str]]):
    """WeChat Pay's side of 统一下单, signing its answer with the merchant's key."""

    def post(url: str, body: bytes) -> bytes:
        seen.append(wechat_parse(body))
        reply = {"return_code": "SUCCESS", "appid": APP, "mch_id": MCH, "nonce_str": "n"} | answer
        return wechat_xml(reply | {"sign": wechat_sign(reply, key=KEY)})

    return post


def adapter(post=None) -> WechatPayments:
    return WechatPayments(
        app_id=APP,
        mch_id=MCH,
        api_key=KEY,
        notify_url="https://xuedang.example/certification/payments/wechat/notify",
        wap_url="https://xuedang.example",
        post=post or _gateway({}, []),
    )


def test_unified_order_is_signed_and_its_signed_answer_gives_the_payment_page() -> None:
    seen: list[dict[str, str]] = []
    mweb = "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1"
    wechat = adapter(_gateway({"result_code": "SUCCESS", "trade_type": "MWEB", "mweb_url": mweb}, seen))
    url = wechat.pay_url(out_trade_no="XD1", amount=Decimal("60.00"), subject="学历认证", client_ip="203.0.113.9")
    assert url == mweb
    (sent,) = seen
    assert (sent["total_fee"], sent["trade_type"], sent["spbill_create_ip"]) == ("6000", "MWEB", "203.0.113.9")
    assert sent["sign"] == wechat_sign(sent, key=KEY, sign_type="HMAC-SHA256")


def test_an_unsigned_or_refused_answer_opens_no_payment() -> None:
    refused = adapter(_gateway({"result_code": "FAIL", "err_code_des": "商户号该产品权限未开通"}, []))
    with pytest.raises(PaymentUnavailable, match="权限未开通"):
        refused.pay_url(out_trade_no="XD1", amount=Decimal("60"), subject="s", client_ip="203.0.113.9")

    def forged(url: str, body: bytes) -> bytes:
        reply = {"return_code": "SUCCESS", "result_code": "SUCCESS", "appid": APP, "mch_id": MCH}
        reply["mweb_url"] = "https://evil.example/"
        return wechat_xml(reply | {"sign": wechat_sign(reply, key="another key")})

    with pytest.raises(PaymentUnavailable):
        adapter(forged).pay_url(out_trade_no="XD1", amount=Decimal("60"), subject="s", client_ip="203.0.113.9")

    def down(url: str, body: bytes) -> bytes:
        raise OSError("connection refused")

    with pytest.raises(PaymentUnavailable):
        adapter(down).pay_url(out_trade_no="XD1", amount=Decimal("60"), subject="s", client_ip="203.0.113.9")


def notification(key: str = KEY, **changes: str) -> bytes:
    params = {
        "appid": APP,
        "mch_id": MCH,
        "return_code": "SUCCESS",
        "result_code": "SUCCESS",
        "out_trade_no": "XD1",
        "total_fee": "6000",
        "transaction_id": "4200000000202503010000000001",
        "nonce_str": "abc",
    } | changes
    return wechat_xml(params | {"sign": wechat_sign(params, key=key)})


def test_a_notification_is_believed_only_when_signed_for_this_merchant() -> None:
    wechat = adapter()
    assert wechat.paid(notification()) == ("XD1", "60")
    assert wechat.paid(notification(key="another key")) == ("", "")
    assert wechat.paid(notification(result_code="FAIL")) == ("", "")
    assert wechat.paid(notification(mch_id="1900000999")) == ("", "")
    changed = notification().replace(b"<total_fee><![CDATA[6000]]>", b"<total_fee><![CDATA[1]]>")
    assert wechat.paid(changed) == ("", "")


def wechat_settings(settings) -> None:
    settings.CERTIFICATION_PAYMENTS = "wechat"
    settings.WECHATPAY_APP_ID, settings.WECHATPAY_MCH_ID, settings.WECHATPAY_API_KEY = APP, MCH, KEY
    settings.WECHATPAY_NOTIFY_URL = "https://xuedang.example/certification/payments/wechat/notify"
    settings.WECHATPAY_WAP_URL = "https://xuedang.example"


def test_settings_select_wechat_pay_and_name_what_is_missing(settings) -> None:
    wechat_settings(settings)
    assert isinstance(payment_backend(), WechatPayments)
    settings.WECHATPAY_API_KEY = ""
    with pytest.raises(RuntimeError, match="WECHATPAY_API_KEY"):
        payment_backend()


@pytest.mark.django_db
def test_applicant_pays_by_wechat_and_only_a_signed_notification_of_the_fee_settles_it(
    settings, student, client, monkeypatch
) -> None:
    from xuedang.certification.models import AuthenticationApplication, PaymentState
    from xuedang.certification.tests.test_authentication_pages import files
    from xuedang.conftest import login

    wechat_settings(settings)
    settings.CERTIFICATION_FEE = "60"
    mweb = "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2"
    seen: list[dict[str, str]] = []
    monkeypatch.setattr(
        "xuedang.certification.payments._post_xml",
        _gateway({"result_code": "SUCCESS", "trade_type": "MWEB", "mweb_url": mweb}, seen),
    )
    applicant = login(student)
    form = {"institution_code": "10001", "certificate_number": "NO.1", "graduation_year": "1988", "report_zh": "on"}
    assert applicant.post("/certification/apply/", form | files()).status_code == 302
    application = AuthenticationApplication.objects.get()
    assert application.payment_state == PaymentState.PENDING
    pay = applicant.get(f"/certification/{application.pk}/pay/")
    assert (pay.status_code, pay["Location"]) == (302, mweb)
    assert seen[0]["out_trade_no"] == application.payment_reference

    url, order = "/certification/payments/wechat/notify", application.payment_reference
    post = lambda body: client.post(url, body, content_type="text/xml")  # noqa: E731
    assert post(notification(out_trade_no=order, total_fee="1")).status_code == 400  # not the fee
    assert post(notification(key="another key", out_trade_no=order)).status_code == 400  # not signed by us
    application.refresh_from_db()
    assert application.payment_state == PaymentState.PENDING

    answer = post(notification(out_trade_no=order))
    assert answer.status_code == 200
    assert wechat_parse(answer.content)["return_code"] == "SUCCESS"
    application.refresh_from_db()
    assert application.payment_state == PaymentState.PAID
    steps = application.steps.count()
    assert wechat_parse(post(notification(out_trade_no=order)).content)["return_code"] == "SUCCESS"  # a repeat
    assert application.steps.count() == steps
