"""The payment port of 学历认证 (decision 0030). A backend starts a payment and tells whether it
has been paid; the development backend takes no money and says so: the application reads
「未付款（开发环境）」, never "paid". A fee of zero skips payment altogether.

`AlipayPayments` builds the alipay.trade.page.pay request signed RSA2 (SHA256withRSA, PKCS#1 v1.5)
over the canonical string — parameters other than `sign` with a non-empty value, sorted by key,
joined `key=value` with `&`, not URL-encoded — and verifies the asynchronous notification's
signature with Alipay's public key (`sign` and `sign_type` left out of the string), as the Alipay
open platform documents them. Written from that description and tested with generated keys only;
not yet checked against a provider-published example or the sandbox."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode
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


def payment_backend() -> PaymentBackend:
    """The configured backend (`CERTIFICATION_PAYMENTS`): "development" or "alipay"."""
    name = getattr(settings, "CERTIFICATION_PAYMENTS", "development")
    if name == "alipay":
        return alipay_from_settings()
    if name != "development":
        raise RuntimeError(f"unknown payment backend {name!r}")
    return DevelopmentPayments()
