"""The SMS backends: Aliyun's signature against its published example, and a real request."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from xuedang.accounts.sms import AliyunSmsBackend, SmsError, SmsMessage, aliyun_signature, aliyun_string_to_sign

# Aliyun's documented SendSms signing example (AccessKeyId testId, secret testSecret).
EXAMPLE = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_the_signature_matches_aliyuns_published_example() -> None:
    assert aliyun_string_to_sign(EXAMPLE).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001"
    )
    assert "TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D" in aliyun_string_to_sign(EXAMPLE)
    assert aliyun_signature(EXAMPLE, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


class _FakeAliyun(BaseHTTPRequestHandler):
    """Checks the signature the way the provider does and answers like dysmsapi."""

    answer = {"Code": "OK", "BizId": "900619746936498440^0", "Message": "OK"}
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        signature = params.pop("Signature")
        ok = signature == aliyun_signature(params, "the-secret")
        _FakeAliyun.seen.append(params)
        body = self.answer if ok else {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_aliyun():
    server = HTTPServer(("127.0.0.1", 0), _FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_the_aliyun_backend_sends_a_signed_sendsms_request(fake_aliyun) -> None:
    backend = AliyunSmsBackend(
        access_key_id="the-id",
        access_key_secret="the-secret",
        sign_name="学档",
        templates={"code": "SMS_1", "notice": "SMS_2"},
        endpoint=fake_aliyun,
    )
    result = backend.send(SmsMessage(phone="13800138000", kind="code", params={"code": "123456"}, text=""))
    assert result.delivered
    assert result.provider_id
    sent = _FakeAliyun.seen[-1]
    assert sent["Action"] == "SendSms"
    assert sent["TemplateCode"] == "SMS_1"
    assert sent["SignName"] == "学档"
    assert json.loads(sent["TemplateParam"]) == {"code": "123456"}


def test_a_refusal_by_aliyun_is_an_error_not_a_delivery(fake_aliyun) -> None:
    backend = AliyunSmsBackend(
        access_key_id="the-id",
        access_key_secret="wrong-secret",
        sign_name="学档",
        templates={"code": "SMS_1", "notice": "SMS_2"},
        endpoint=fake_aliyun,
    )
    with pytest.raises(SmsError, match="SignatureDoesNotMatch"):
        backend.send(SmsMessage(phone="13800138000", kind="code", params={"code": "123456"}, text=""))


class BrokenSms:
    """A provider that is down."""

    delivers = True

    def send(self, message: SmsMessage) -> None:
        raise SmsError("短信服务无法连接 / the SMS service could not be reached")


@pytest.mark.django_db
def test_a_provider_that_is_down_gives_a_clear_message_not_an_error_page(settings) -> None:
    from django.test import Client

    settings.SMS_BACKEND = "xuedang.accounts.tests.test_sms.BrokenSms"
    response = Client().post("/account/register/", {"phone": "13800138000", "action": "send_code"})
    assert response.status_code == 200
    assert "消息发送失败" in response.content.decode()
    assert "验证码已发送" not in response.content.decode()
