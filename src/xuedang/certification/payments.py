"""The payment port of 学历认证 (decision 0030). A backend starts a payment and tells whether it
has been paid; the development backend takes no money and says so: the application reads
「未付款（开发环境）」, never "paid". A fee of zero skips payment altogether."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class PaymentStarted:
    reference: str  # the order number the provider knows the payment by
    state: str  # a PaymentState value


class PaymentBackend(Protocol):
    def start(self, *, amount: Decimal, subject: str) -> PaymentStarted: ...


class DevelopmentPayments:
    """Takes no money: the payment stays 「未付款（开发环境）」 and the centre sees it as unpaid."""

    def start(self, *, amount: Decimal, subject: str) -> PaymentStarted:
        return PaymentStarted(reference=f"DEV-{secrets.token_hex(8)}", state="dev_unpaid")


def payment_backend() -> PaymentBackend:
    """The configured backend (`CERTIFICATION_PAYMENTS`); only the development one exists so far."""
    name = getattr(settings, "CERTIFICATION_PAYMENTS", "development")
    if name != "development":
        raise RuntimeError(f"unknown payment backend {name!r}")
    return DevelopmentPayments()
