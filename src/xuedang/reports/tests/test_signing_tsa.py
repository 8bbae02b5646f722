"""Signature timestamps (PAdES B-T) from an RFC 3161 timestamp authority reached over HTTP.

A real TSA runs in a thread on 127.0.0.1: pyHanko's DummyTimeStamper answers each
`application/timestamp-query` with a token signed by a TSA certificate (id-kp-timeStamping)
that a test CA issued. pyHanko's validator and poppler's pdfsig check the result.
"""

from __future__ import annotations

import base64
import io
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from xuedang.reports import signing
from xuedang.reports.pdf import ReportContent, render_report_pdf
from xuedang.reports.signing import DevCA, TimestampUnavailableError
from xuedang.reports.tests.helpers import one_byte_changed, run

CODE = "T5KQ3M9XP2RT8VWC"
NAME = "𠮷田 𡒄明"


# --- A timestamp authority ----------------------------------------------------------------------


@dataclass(frozen=True)
class TSAPki:
    root: asn1_x509.Certificate
    stamper: DummyTimeStamper


def _cert(
    subject: str, issuer: x509.Name | None, key: rsa.RSAPrivateKey, signer: rsa.RSAPrivateKey, *, ca: bool
) -> x509.Certificate:
    now = datetime.now(tz=UTC)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "xuedang test TSA"),
            x509.NameAttribute(NameOID.COMMON_NAME, subject),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:  # RFC 3161 §2.3: the TSA certificate carries only id-kp-timeStamping, as a critical extension
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(signer, hashes.SHA256())


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="session")
def tsa_pki() -> TSAPki:
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _cert("xuedang test TSA root", None, root_key, root_key, ca=True)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _cert("xuedang test TSA", root.subject, tsa_key, root_key, ca=False)
    der_key = tsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return TSAPki(
        root=_asn1(root), stamper=DummyTimeStamper(tsa_cert=_asn1(tsa), tsa_key=keys.PrivateKeyInfo.load(der_key))
    )


@dataclass
class TSAServer:
    """What the server should do (`mode`, `auth`) and what it saw (Authorization headers)."""

    url: str
    mode: str = "stamp"  # stamp | garbage | rejection | http-error | slow | other-digest
    auth: str | None = None  # the Authorization header it insists on
    seen: list[str | None] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def tsa(tsa_pki: TSAPki, settings) -> Iterator[TSAServer]:
    """A timestamp authority on 127.0.0.1, configured as the registry's TSA."""
    server_state: TSAServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            server_state.seen.append(self.headers.get("Authorization"))
            if server_state.auth is not None and self.headers.get("Authorization") != server_state.auth:
                return self._reply(401, "text/plain", b"unauthorised")
            if self.headers.get("Content-Type") != "application/timestamp-query":
                return self._reply(400, "text/plain", b"not a timestamp query")
            if server_state.mode == "slow":
                server_state.release.wait(10)
            if server_state.mode == "http-error":
                return self._reply(500, "text/plain", b"internal error")
            if server_state.mode == "garbage":
                return self._reply(200, "application/timestamp-reply", b"\x30\x82garbage, not DER")
            if server_state.mode == "rejection":
                status = tsp.PKIStatusInfo({"status": "rejection", "status_string": ["no"]})
                return self._reply(200, "application/timestamp-reply", tsp.TimeStampResp({"status": status}).dump())
            request = tsp.TimeStampReq.load(query)
            if server_state.mode == "other-digest":  # a well-formed token, for a digest nobody sent
                request = tsp.TimeStampReq(
                    {
                        "version": 1,
                        "nonce": request["nonce"],
                        "message_imprint": {
                            "hash_algorithm": request["message_imprint"]["hash_algorithm"],
                            "hashed_message": bytes(32),
                        },
                    }
                )
            answer = tsa_pki.stamper.request_tsa_response(request)
            return self._reply(200, "application/timestamp-reply", answer.dump())

        def _reply(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state = TSAServer(url=f"http://127.0.0.1:{httpd.server_address[1]}/tsa")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.SIGNING_TSA_URL = server_state.url
    settings.SIGNING_TSA_TIMEOUT = 5.0
    settings.SIGNING_TSA_REQUIRED = False
    yield server_state
    server_state.release.set()
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


# --- Reports ------------------------------------------------------------------------------------


def report(code: str = CODE) -> bytes:
    return render_report_pdf(
        ReportContent(
            kind="credential",
            lang="zh",
            title="教育部学历证书电子注册备案表",
            code=code,
            verify_url=f"https://xuedang.example.edu.cn/verify/{code}",
            valid_until=date(2027, 5, 25),
            updated_on=date(2026, 11, 25),
            photo=None,
            fields=[("姓名", NAME), ("学校名称", "北京大学")],
        )
    )


def validated(data: bytes, ca: DevCA, tsa_pki: TSAPki) -> PdfSignatureStatus:
    registry_root = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(ca.ca_cert.read_bytes()).public_bytes(serialization.Encoding.DER)
    )
    context = ValidationContext(trust_roots=[registry_root, tsa_pki.root])
    [signature] = PdfFileReader(io.BytesIO(data)).embedded_signatures
    return validate_pdf_signature(signature, context, ts_validation_context=context)


def assert_timestamped(status: PdfSignatureStatus) -> None:
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    stamp = status.timestamp_validity
    assert stamp is not None, "the signature carries no timestamp token"
    assert stamp.intact
    assert stamp.valid
    assert stamp.trusted
    assert abs(stamp.timestamp - datetime.now(tz=UTC)) < timedelta(minutes=2)


# --- B-T ----------------------------------------------------------------------------------------


def test_a_signature_carries_a_valid_timestamp_token_from_the_configured_tsa(
    tsa: TSAServer, tsa_pki: TSAPki, signing_dev_ca: DevCA, tmp_path: Path
) -> None:
    signed = report()
    assert_timestamped(validated(signed, signing_dev_ca, tsa_pki))
    pdfsig = run("pdfsig", signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in pdfsig
    assert "Signature Type: ETSI.CAdES.detached" in pdfsig
    assert tsa.seen, "the TSA was never asked"


def test_successive_signatures_with_a_tsa_all_fit_the_room_learnt_for_them(
    settings, tsa: TSAServer, tsa_pki: TSAPki, signing_dev_ca: DevCA, tmp_path: Path
) -> None:
    settings.SIGNING_TSA_URL = ""
    assert validated(report(), signing_dev_ca, tsa_pki).timestamp_validity is None  # B-B size learnt first
    settings.SIGNING_TSA_URL = tsa.url
    first, second, third = report("T5KQ3M9XP2RT8VW1"), report("T5KQ3M9XP2RT8VW2"), report("T5KQ3M9XP2RT8VW3")
    for signed in (first, second, third):
        assert_timestamped(validated(signed, signing_dev_ca, tsa_pki))
        assert "Signature is Valid." in run("pdfsig", signed, tmp_path)
    # pyHanko sizes the first B-T signature with one dummy timestamp; later ones use the learnt size.
    assert len(tsa.seen) == 4


def test_a_learnt_room_that_proves_too_small_is_measured_again(
    tsa: TSAServer, tsa_pki: TSAPki, signing_dev_ca: DevCA
) -> None:
    assert_timestamped(validated(report(), signing_dev_ca, tsa_pki))
    signer = signing.registry_signer()
    signer.sizes[tsa.url] = 2048  # as if the TSA now sent a longer chain than when the size was learnt
    assert_timestamped(validated(report(), signing_dev_ca, tsa_pki))
    assert signer.sizes[tsa.url] > 2048


def test_basic_auth_is_sent_to_the_tsa_when_configured(
    settings, tsa: TSAServer, tsa_pki: TSAPki, signing_dev_ca: DevCA
) -> None:
    settings.SIGNING_TSA_USERNAME, settings.SIGNING_TSA_PASSWORD = "xuedang", "tsa-secret"
    tsa.auth = "Basic " + base64.b64encode(b"xuedang:tsa-secret").decode()
    assert_timestamped(validated(report(), signing_dev_ca, tsa_pki))
    assert tsa.seen
    assert set(tsa.seen) == {tsa.auth}


def test_no_authorization_header_is_sent_without_a_username(
    tsa: TSAServer, tsa_pki: TSAPki, signing_dev_ca: DevCA
) -> None:
    assert_timestamped(validated(report(), signing_dev_ca, tsa_pki))
    assert tsa.seen
    assert set(tsa.seen) == {None}


def test_one_changed_byte_still_breaks_a_timestamped_signature(
    tsa: TSAServer, tsa_pki: TSAPki, signing_dev_ca: DevCA, tmp_path: Path
) -> None:
    signed = report()
    assert_timestamped(validated(signed, signing_dev_ca, tsa_pki))
    broken = one_byte_changed(signed)
    assert "Signature Validation: Digest Mismatch." in run("pdfsig", broken, tmp_path)
    status = validated(broken, signing_dev_ca, tsa_pki)
    assert not status.intact
    assert not status.bottom_line


# --- When the TSA fails -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode", ["unreachable", "garbage", "rejection", "http-error", "slow", "wrong-password", "other-digest"]
)
def test_a_failing_tsa_gives_a_valid_signature_without_timestamp_and_a_warning(
    settings,
    tsa: TSAServer,
    tsa_pki: TSAPki,
    signing_dev_ca: DevCA,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    tsa.mode = mode
    if mode == "unreachable":
        settings.SIGNING_TSA_URL = closed_port_url()
    if mode == "slow":
        settings.SIGNING_TSA_TIMEOUT = 0.5
    if mode == "wrong-password":
        settings.SIGNING_TSA_USERNAME, settings.SIGNING_TSA_PASSWORD = "xuedang", "wrong"
        tsa.auth = "Basic " + base64.b64encode(b"xuedang:tsa-secret").decode()
    with caplog.at_level(logging.WARNING, logger="xuedang.reports.signing"):
        signed = report()
    status = validated(signed, signing_dev_ca, tsa_pki)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert status.timestamp_validity is None  # B-B: no token, and none claimed
    assert "Signature is Valid." in run("pdfsig", signed, tmp_path)
    [record] = [r for r in caplog.records if r.name == "xuedang.reports.signing"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "without a timestamp" in message
    assert "127.0.0.1" in message
    for private in (CODE, NAME, "北京大学", "wrong"):
        assert private not in message


@pytest.mark.parametrize("mode", ["unreachable", "garbage"])
def test_a_failing_tsa_fails_the_signing_when_a_timestamp_is_required(settings, tsa: TSAServer, mode: str) -> None:
    settings.SIGNING_TSA_REQUIRED = True
    tsa.mode = mode
    if mode == "unreachable":
        settings.SIGNING_TSA_URL = closed_port_url()
    with pytest.raises(TimestampUnavailableError, match=r"^时间戳服务不可用.*SIGNING_TSA_REQUIRED"):
        report()


def test_a_required_tsa_that_answers_signs_as_usual(
    settings, tsa: TSAServer, tsa_pki: TSAPki, signing_dev_ca: DevCA
) -> None:
    settings.SIGNING_TSA_REQUIRED = True
    assert_timestamped(validated(report(), signing_dev_ca, tsa_pki))


def test_without_a_tsa_url_the_signature_has_no_timestamp_and_nothing_is_logged(
    settings, tsa_pki: TSAPki, signing_dev_ca: DevCA, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SIGNING_TSA_URL = ""
    settings.SIGNING_TSA_REQUIRED = True  # only means something with a TSA
    with caplog.at_level(logging.WARNING, logger="xuedang.reports.signing"):
        status = validated(report(), signing_dev_ca, tsa_pki)
    assert status.bottom_line
    assert status.timestamp_validity is None
    assert not [r for r in caplog.records if r.name == "xuedang.reports.signing"]
