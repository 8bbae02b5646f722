"""Sending text messages: one interface, a development backend and Aliyun's SMS service.

`FileSmsBackend` (the default) and `ConsoleSmsBackend` deliver nothing: they write the
message, clearly marked as not delivered, for developers and tests. `AliyunSmsBackend`
calls Aliyun's dysmsapi `SendSms` with the documented RPC signature (HMAC-SHA1 over the
sorted, percent-encoded query; see `aliyun_signature`). Pick one with `SMS_BACKEND`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import sys
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from xuedang.core.masking import mask_phone
from xuedang.core.metrics import message_count

log = logging.getLogger(__name__)
NOT_DELIVERED = "【未发送 NOT DELIVERED】开发环境短信，仅写入本地 / development backend, nothing was sent"


@dataclass(frozen=True)
class SmsMessage:
    """`kind` selects the provider template ("code" or "notice"); `params` fill it; `text` is
    the same message in full, for backends that write it out."""

    phone: str
    kind: str
    params: dict[str, str]
    text: str


@dataclass(frozen=True)
class SmsResult:
    delivered: bool  # handed to a real carrier gateway
    provider_id: str = ""
    detail: str = ""


class SmsError(Exception):
    """The provider refused or could not be reached; the message was not sent."""


class SmsBackend(Protocol):
    delivers: bool

    def send(self, message: SmsMessage) -> SmsResult: ...


@dataclass
class FileSmsBackend:
    """Appends each message as a JSON line to DATA_DIR/outbox/sms.log; delivers nothing.

    The phone is written masked: the outbox is for reading codes during development, not a
    store of numbers.
    """

    delivers: bool = field(default=False, init=False)

    def send(self, message: SmsMessage) -> SmsResult:
        outbox = settings.DATA_DIR / "outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        line = {
            "at": datetime.now(UTC).isoformat(),
            "delivered": False,
            "notice": NOT_DELIVERED,
            "to": mask_phone(message.phone),
            "kind": message.kind,
            "params": message.params,
            "text": message.text,
        }
        with open(outbox / "sms.log", "a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return SmsResult(delivered=False, detail=NOT_DELIVERED)


@dataclass
class ConsoleSmsBackend:
    """Prints each message to standard output; delivers nothing."""

    delivers: bool = field(default=False, init=False)

    def send(self, message: SmsMessage) -> SmsResult:
        print(f"{NOT_DELIVERED}\n  to {mask_phone(message.phone)}: {message.text}", file=sys.stdout, flush=True)
        return SmsResult(delivered=False, detail=NOT_DELIVERED)


def percent_encode(value: str) -> str:
    """Aliyun's RPC encoding: RFC 3986 unreserved characters kept, UTF-8, space as %20."""
    return urllib.parse.quote(value, safe="-_.~")


def aliyun_string_to_sign(params: dict[str, str], method: str = "GET") -> str:
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    return f"{method}&{percent_encode('/')}&{percent_encode(query)}"


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Base64 HMAC-SHA1 of the string to sign, keyed with the secret followed by '&'."""
    digest = hmac.new(f"{secret}&".encode(), aliyun_string_to_sign(params, method).encode(), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode()


@dataclass
class AliyunSmsBackend:
    """Aliyun 短信服务 (dysmsapi, API version 2017-05-25), action SendSms."""

    access_key_id: str = ""
    access_key_secret: str = ""
    sign_name: str = ""
    templates: dict[str, str] = field(default_factory=dict)
    endpoint: str = ""
    delivers: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        self.access_key_id = self.access_key_id or settings.ALIYUN_SMS_ACCESS_KEY_ID
        self.access_key_secret = self.access_key_secret or settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        self.sign_name = self.sign_name or settings.ALIYUN_SMS_SIGN_NAME
        self.templates = self.templates or {
            "code": settings.ALIYUN_SMS_CODE_TEMPLATE,
            "notice": settings.ALIYUN_SMS_NOTICE_TEMPLATE,
        }
        self.endpoint = self.endpoint or settings.ALIYUN_SMS_ENDPOINT

    def request_params(self, message: SmsMessage, *, nonce: str, timestamp: str) -> dict[str, str]:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "Timestamp": timestamp,
            "Version": "2017-05-25",
            "PhoneNumbers": message.phone.removeprefix("+"),  # outside the mainland: country code first
            "SignName": self.sign_name,
            "TemplateCode": self.templates[message.kind],
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
        }
        params["Signature"] = aliyun_signature(params, self.access_key_secret)
        return params

    def send(self, message: SmsMessage) -> SmsResult:
        timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = self.request_params(message, nonce=uuid.uuid4().hex, timestamp=timestamp)
        url = f"{self.endpoint}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 — fixed https endpoint
                body = json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError) as error:
            raise SmsError(
                f"短信服务无法连接 / the SMS service could not be reached ({type(error).__name__})"
            ) from error
        if body.get("Code") != "OK":
            raise SmsError(f"短信服务拒绝发送 / the SMS service refused: {body.get('Code')} {body.get('Message', '')}")
        return SmsResult(delivered=True, provider_id=body.get("BizId", ""))


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def sms_send(message: SmsMessage) -> SmsResult:
    try:
        result = sms_backend().send(message)
    except Exception:
        message_count("sms", "failed")
        raise
    message_count("sms", "delivered" if result.delivered else "written")
    log.info("sms %s to %s delivered=%s", message.kind, mask_phone(message.phone), result.delivered)
    return result
