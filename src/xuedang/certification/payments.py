"""The payment port of 学历认证 (decision 0030). A backend starts a payment and tells whether it
has been paid; the development backend takes no money and says so: the application reads
「未付款（开发环境）」, never "paid". A fee of zero skips payment altogether.

`AlipayPayments` builds the alipay.trade.page.pay request signed RSA2 (SHA256withRSA, PKCS#1 v1.5)
over the canonical string — parameters other than `sign` with a non-empty value, sorted by key,
joined `key=value` with `&`, not URL-encoded — and verifies the asynchronous notification's
signature with Alipay's public key (`sign` and `sign_type` left out of the string), as the Alipay
open platform documents them. Written from that description and tested with generated keys only;
not yet checked against a provider-published example or the sandbox.

`WechatPayments` is WeChat Pay's API v2 H5 payment (统一下单 with trade_type MWEB): the request and
the asynchronous notification are XML signed HMAC-SHA256 with the merchant's API key over the same
kind of canonical string followed by `&key=…` (WeChat Pay's 安全规范). Its signature is checked
against the example WeChat Pay publishes in that section (tests/test_wechatpay.py)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings


@dataclass(frozen=True)
class PaymentStarted:
    reference: str  # the order number the provider knows the payment by
    state: str  # a PaymentState value
    redirect_url: str = ""  # where the applicant pays, for a provider with a payment page


class PaymentBackend(Protocol):
    def start(self, *, amount: Decimal, subject: str) -> PaymentStarted: ...


class DevelopmentPayments:
    """Takes no money: the payment stays 「未付款（开发环境）」 and the centre sees it as unpaid."""

    def start(self, *, amount: Decimal, subject: str) -> PaymentStarted:
        return PaymentStarted(reference=f"DEV-{secrets.token_hex(8)}", state="dev_unpaid")


ALIPAY_PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")
BEIJING = ZoneInfo("Asia/Shanghai")


def alipay_canonical(params: Mapping[str, str], *, leave_out: tuple[str, ...] = ("sign",)) -> str:
    """The string Alipay signs: non-empty parameters but `leave_out`, sorted by key, `k=v` joined by `&`."""
    return "&".join(f"{key}={params[key]}" for key in sorted(params) if key not in leave_out and params[key] != "")


class AlipayPayments:
    """alipay.trade.page.pay: the applicant is sent to Alipay's cashier page; Alipay tells the
    notify URL when the trade is paid, and that notification is believed only if its RSA2
    signature verifies with Alipay's public key."""

    def __init__(
        self,
        *,
        app_id: str,
        private_key: rsa.RSAPrivateKey,
        alipay_public_key: rsa.RSAPublicKey,
        gateway: str,
        notify_url: str = "",
        return_url: str = "",
    ) -> None:
        self.app_id, self.gateway = app_id, gateway
        self.private_key, self.alipay_public_key = private_key, alipay_public_key
        self.notify_url, self.return_url = notify_url, return_url

    def page_pay_params(self, *, out_trade_no: str, amount: Decimal, subject: str, now: datetime) -> dict[str, str]:
        """The signed request parameters (amount in yuan with two decimals, Beijing time stamp)."""
        biz = {
            "out_trade_no": out_trade_no,
            "product_code": "FAST_INSTANT_TRADE_PAY",
            "total_amount": str(amount.quantize(Decimal("0.01"))),
            "subject": subject,
        }
        params = {
            "app_id": self.app_id,
            "method": "alipay.trade.page.pay",
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": now.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "notify_url": self.notify_url,
            "return_url": self.return_url,
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params = {key: value for key, value in params.items() if value != ""}
        signature = self.private_key.sign(alipay_canonical(params).encode(), padding.PKCS1v15(), hashes.SHA256())
        return params | {"sign": base64.b64encode(signature).decode("ascii")}

    def pay_url(self, *, out_trade_no: str, amount: Decimal, subject: str) -> str:
        """Alipay's cashier page for this order, with the request signed now."""
        params = self.page_pay_params(
            out_trade_no=out_trade_no, amount=amount, subject=subject, now=datetime.now(BEIJING)
        )
        return f"{self.gateway}?{urlencode(params)}"

    def start(self, *, amount: Decimal, subject: str) -> PaymentStarted:
        out_trade_no = f"XD{datetime.now(BEIJING):%Y%m%d}{secrets.token_hex(8).upper()}"
        url = self.pay_url(out_trade_no=out_trade_no, amount=amount, subject=subject)
        return PaymentStarted(reference=out_trade_no, state="pending", redirect_url=url)

    def verify_notification(self, params: Mapping[str, str]) -> bool:
        """Whether an asynchronous notification is signed by Alipay (RSA2 only) for this app."""
        if params.get("sign_type") != "RSA2" or params.get("app_id") != self.app_id:
            return False
        try:
            signature = base64.b64decode(params.get("sign", ""), validate=True)
        except (binascii.Error, ValueError):
            return False
        message = alipay_canonical(params, leave_out=("sign", "sign_type")).encode()
        try:
            self.alipay_public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    def paid_reference(self, params: Mapping[str, str]) -> str:
        """The order number a verified notification reports as paid; "" for anything else."""
        if self.verify_notification(params) and params.get("trade_status") in ALIPAY_PAID:
            return params.get("out_trade_no", "")
        return ""


def alipay_from_settings() -> AlipayPayments:
    """ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY_PATH (the app's RSA key, PEM), ALIPAY_PUBLIC_KEY_PATH (Alipay's)."""
    private_key = serialization.load_pem_private_key(Path(settings.ALIPAY_PRIVATE_KEY_PATH).read_bytes(), None)
    public_key = serialization.load_pem_public_key(Path(settings.ALIPAY_PUBLIC_KEY_PATH).read_bytes())
    if not isinstance(private_key, rsa.RSAPrivateKey) or not isinstance(public_key, rsa.RSAPublicKey):
        raise RuntimeError("ALIPAY keys must be RSA (RSA2 signs with SHA256withRSA)")
    if not settings.ALIPAY_APP_ID:
        raise RuntimeError("ALIPAY_APP_ID is not set")
    return AlipayPayments(
        app_id=settings.ALIPAY_APP_ID,
        private_key=private_key,
        alipay_public_key=public_key,
        gateway=settings.ALIPAY_GATEWAY,
        notify_url=settings.ALIPAY_NOTIFY_URL,
        return_url=settings.ALIPAY_RETURN_URL,
    )


WECHAT_UNIFIED_ORDER = "https://api.mch.weixin.qq.com/pay/unifiedorder"
WECHAT_XML_MAX_BYTES = 64 * 1024  # a notification is a few hundred bytes
WECHAT_OK = b"<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
WECHAT_FAIL = b"<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[FAIL]]></return_msg></xml>"


class PaymentUnavailable(Exception):
    """The provider did not open a payment (network, refusal, or an answer not signed by it)."""


def wechat_sign(params: Mapping[str, str], *, key: str, sign_type: str = "HMAC-SHA256") -> str:
    """WeChat Pay v2's signature: non-empty parameters but `sign`, sorted by name, `k=v` joined by
    `&`, then `&key=<API key>`; MD5 or HMAC-SHA256 (keyed with the API key), upper-case hex."""
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k] != "")
    message = f"{text}&key={key}".encode()
    if sign_type == "MD5":
        return hashlib.md5(message, usedforsecurity=False).hexdigest().upper()
    if sign_type == "HMAC-SHA256":
        return hmac.new(key.encode(), message, hashlib.sha256).hexdigest().upper()
    raise ValueError(f"unknown WeChat Pay sign_type {sign_type!r}")


def wechat_xml(params: Mapping[str, str]) -> bytes:
    """<xml><name><![CDATA[value]]></name>…</xml>, as WeChat Pay sends and expects it."""
    cells = "".join(
        f"<{name}><![CDATA[{value.replace(']]>', ']]]]><![CDATA[>')}]]></{name}>" for name, value in params.items()
    )
    return f"<xml>{cells}</xml>".encode()


def wechat_parse(body: bytes) -> dict[str, str]:
    """The flat parameters of a WeChat Pay XML message; ValueError for anything else (too large,
    a document type or entity declaration, not the flat <xml> of the protocol)."""
    if len(body) > WECHAT_XML_MAX_BYTES or b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise ValueError("not a WeChat Pay message")
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 — size-capped, no DTD or entities (above)
    except ElementTree.ParseError as error:
        raise ValueError("not a WeChat Pay message") from error
    if root.tag != "xml" or any(len(child) for child in root):
        raise ValueError("not a WeChat Pay message")
    return {child.tag: (child.text or "") for child in root}


def _post_xml(url: str, body: bytes) -> bytes:
    request = Request(url, data=body, headers={"Content-Type": "text/xml; charset=utf-8"}, method="POST")  # noqa: S310
    with urlopen(request, timeout=10) as response:  # noqa: S310 — the configured https gateway
        return bytes(response.read(WECHAT_XML_MAX_BYTES + 1))


class WechatPayments:
    """WeChat Pay v2 H5 payment: 统一下单 (trade_type MWEB) opens an order and answers the
    mweb_url the applicant's phone browser is sent to; WeChat Pay posts the result to the notify
    URL, believed only with a valid signature for this merchant and app."""

    sign_type = "HMAC-SHA256"

    def __init__(
        self,
        *,
        app_id: str,
        mch_id: str,
        api_key: str,
        notify_url: str,
        wap_url: str,
        gateway: str = WECHAT_UNIFIED_ORDER,
        post: Callable[[str, bytes], bytes] | None = None,
    ) -> None:
        self.app_id, self.mch_id, self.api_key = app_id, mch_id, api_key
        self.notify_url, self.wap_url, self.gateway = notify_url, wap_url, gateway
        self.post = post or _post_xml

    def unified_order_params(
        self, *, out_trade_no: str, amount: Decimal, subject: str, client_ip: str, nonce: str
    ) -> dict[str, str]:
        """The signed 统一下单 request (total_fee in fen; the payer's own address, as MWEB requires)."""
        scene = {"h5_info": {"type": "Wap", "wap_url": self.wap_url, "wap_name": "学档 xuedang"}}
        params = {
            "appid": self.app_id,
            "mch_id": self.mch_id,
            "nonce_str": nonce,
            "sign_type": self.sign_type,
            "body": subject[:128],
            "out_trade_no": out_trade_no,
            "total_fee": str(int((amount * 100).to_integral_exact())),
            "spbill_create_ip": client_ip,
            "notify_url": self.notify_url,
            "trade_type": "MWEB",
            "scene_info": json.dumps(scene, ensure_ascii=False, separators=(",", ":")),
        }
        return params | {"sign": wechat_sign(params, key=self.api_key, sign_type=self.sign_type)}

    def start(self, *, amount: Decimal, subject: str) -> PaymentStarted:
        """An order number only: the order is opened with WeChat Pay when the applicant goes to pay
        (its mweb_url lasts five minutes)."""
        return PaymentStarted(
            reference=f"XD{datetime.now(BEIJING):%Y%m%d}{secrets.token_hex(8).upper()}", state="pending"
        )

    def pay_url(self, *, out_trade_no: str, amount: Decimal, subject: str, client_ip: str) -> str:
        params = self.unified_order_params(
            out_trade_no=out_trade_no, amount=amount, subject=subject, client_ip=client_ip, nonce=secrets.token_hex(16)
        )
        try:
            answer = wechat_parse(self.post(self.gateway, wechat_xml(params)))
        except (OSError, ValueError) as error:
            raise PaymentUnavailable("微信支付暂时无法下单 / WeChat Pay could not open the order") from error
        if answer.get("return_code") != "SUCCESS" or not self._signed(answer) or answer.get("result_code") != "SUCCESS":
            reason = answer.get("err_code_des") or answer.get("return_msg") or "unknown"
            raise PaymentUnavailable(f"微信支付拒绝下单 / WeChat Pay refused the order: {reason}")
        if not answer.get("mweb_url", "").startswith("https://"):
            raise PaymentUnavailable("微信支付未返回支付地址 / WeChat Pay returned no payment address")
        return answer["mweb_url"]

    def _signed(self, params: Mapping[str, str]) -> bool:
        if params.get("appid") != self.app_id or params.get("mch_id") != self.mch_id:
            return False
        expected = wechat_sign(params, key=self.api_key, sign_type=self.sign_type)
        return hmac.compare_digest(expected, params.get("sign", ""))

    def paid(self, body: bytes) -> tuple[str, str]:
        """(order number, amount in yuan) of a verified notification of a successful payment;
        ("", "") for anything else."""
        try:
            params = wechat_parse(body)
        except ValueError:
            return "", ""
        if params.get("return_code") != "SUCCESS" or params.get("result_code") != "SUCCESS":
            return "", ""
        if not self._signed(params) or not params.get("total_fee", "").isdigit():
            return "", ""
        return params.get("out_trade_no", ""), str(Decimal(params["total_fee"]) / 100)


def wechat_from_settings() -> WechatPayments:
    """WECHATPAY_APP_ID, WECHATPAY_MCH_ID, WECHATPAY_API_KEY (the merchant's v2 API key), the notify
    and site URLs."""
    missing = [
        name
        for name in ("WECHATPAY_APP_ID", "WECHATPAY_MCH_ID", "WECHATPAY_API_KEY", "WECHATPAY_NOTIFY_URL")
        if not getattr(settings, name)
    ]
    if missing:
        raise RuntimeError(f"WeChat Pay needs {', '.join(missing)}")
    return WechatPayments(
        app_id=settings.WECHATPAY_APP_ID,
        mch_id=settings.WECHATPAY_MCH_ID,
        api_key=settings.WECHATPAY_API_KEY,
        notify_url=settings.WECHATPAY_NOTIFY_URL,
        wap_url=settings.WECHATPAY_WAP_URL,
        gateway=settings.WECHATPAY_GATEWAY,
    )


def payment_backend() -> PaymentBackend:
    """The configured backend (`CERTIFICATION_PAYMENTS`): "development", "alipay" or "wechat"."""
    name = getattr(settings, "CERTIFICATION_PAYMENTS", "development")
    if name == "alipay":
        return alipay_from_settings()
    if name == "wechat":
        return wechat_from_settings()
    if name != "development":
        raise RuntimeError(f"unknown payment backend {name!r}")
    return DevelopmentPayments()
