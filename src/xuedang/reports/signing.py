"""The registry's digital signature on report PDFs (PAdES baseline B-B, or B-T with a TSA; via pyHanko).

Production signs with the key and certificate named in settings (SIGNING_KEY_FILE, SIGNING_CERT_FILE,
SIGNING_CHAIN_FILE, SIGNING_KEY_PASSPHRASE). Development uses a CA made by `xuedang signing_devca`
under DATA_DIR; a certificate from that CA is refused when DEBUG is off unless SIGNING_ALLOW_DEV_CA
is set (docs/decisions/0005-report-signing.md). With SIGNING_TSA_URL each signature also carries
an RFC 3161 timestamp token from that timestamp authority (B-T).
"""

from __future__ import annotations

import base64
import io
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

# Every certificate the development CA issues names it as issuer with this organisation; that is
# how production recognises (and refuses) a development certificate.
DEV_CA_ORGANIZATION = "xuedang development CA (not for production)"
DEV_DIR_NAME = "signing-dev"
SIGNATURE_FIELD = "XuedangRegistrySignature"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SigningFiles:
    key: Path
    cert: Path
    chain: Path | None
    passphrase: bytes | None


@dataclass(frozen=True)
class DevCA:
    """The files of a development CA and the registry certificate it issued."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca-cert.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def key(self) -> Path:
        return self.directory / "registry-key.pem"

    @property
    def cert(self) -> Path:
        return self.directory / "registry-cert.pem"

    def files(self) -> SigningFiles:
        return SigningFiles(key=self.key, cert=self.cert, chain=self.ca_cert, passphrase=None)


def dev_ca_directory() -> Path:
    return Path(settings.DATA_DIR) / DEV_DIR_NAME


def signing_files() -> SigningFiles:
    """The configured key and certificate, or the development CA's when none is configured."""
    if not settings.SIGNING_KEY_FILE and not settings.SIGNING_CERT_FILE:
        return DevCA(dev_ca_directory()).files()
    if not (settings.SIGNING_KEY_FILE and settings.SIGNING_CERT_FILE):
        raise ImproperlyConfigured(
            "SIGNING_KEY_FILE 与 SIGNING_CERT_FILE 须同时设置 / set both SIGNING_KEY_FILE and SIGNING_CERT_FILE"
        )
    return SigningFiles(
        key=Path(settings.SIGNING_KEY_FILE),
        cert=Path(settings.SIGNING_CERT_FILE),
        chain=Path(settings.SIGNING_CHAIN_FILE) if settings.SIGNING_CHAIN_FILE else None,
        passphrase=settings.SIGNING_KEY_PASSPHRASE.encode() if settings.SIGNING_KEY_PASSPHRASE else None,
    )


class RegistrySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, with the private key parsed once and the signature's size learnt once.

    pyHanko parses the key again for every signature (cryptography's RSA key check costs ~25 ms)
    and sizes the signature by signing a dummy first (with a TSA: one more timestamp request);
    both are per-process work here. A timestamp token makes the signature larger, so the size is
    learnt per timestamp authority ("" for none).
    """

    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None = None
    sizes: dict[str, int]  # hex digits kept for /Contents, by TSA URL, once a signature was measured

    @classmethod
    def from_simple(cls, simple: signers.SimpleSigner) -> RegistrySigner:
        signer = cls(
            signing_cert=simple.signing_cert, signing_key=simple.signing_key, cert_registry=simple.cert_registry
        )
        signer.sizes = {}
        loaded = serialization.load_der_private_key(simple.signing_key.dump(), password=None)
        if isinstance(loaded, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            signer.private_key = loaded
        return signer

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self.private_key, rsa.RSAPrivateKey):
            return self.private_key.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa" and isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return self.private_key.sign(data, ec.ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's own path

    def learn_size(self, signed_pdf: bytes, tsa_url: str = "") -> None:
        """Keep room for this signature's size plus a margin.

        ECDSA varies by a few bytes; a timestamp token by its serial number, nonce and time, and
        when the TSA rolls over its certificate, by more, which sign_pdf handles by measuring again.
        """
        match = _BYTE_RANGE.search(signed_pdf)
        if match is None:
            return
        start, end = int(match[1]), int(match[2])
        contents = bytes.fromhex(signed_pdf[start + 1 : end - 1].decode("ascii"))
        self.sizes[tsa_url] = 2 * (len(cms.ContentInfo.load(contents, strict=False).dump()) + 256)


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+\d+\s*\]")


def registry_signer() -> RegistrySigner:
    """The registry's signer, loaded once per set of files (and again when a file changes)."""
    files = signing_files()
    for path in (files.key, files.cert, files.chain):
        if path is not None and not path.is_file():
            raise ImproperlyConfigured(
                f"签名文件不存在：{path}（开发环境请运行 `xuedang signing_devca`） / signing file not found: {path} "
                "(in development run `xuedang signing_devca`)"
            )
    stamps = tuple(os.stat(p).st_mtime_ns for p in (files.key, files.cert, files.chain) if p is not None)
    return _load_signer(files, stamps, bool(settings.DEBUG), bool(settings.SIGNING_ALLOW_DEV_CA))


@lru_cache(maxsize=4)
def _load_signer(files: SigningFiles, _stamps: tuple[int, ...], debug: bool, allow_dev: bool) -> RegistrySigner:
    certificate = x509.load_pem_x509_certificate(files.cert.read_bytes())
    if is_dev_certificate(certificate) and not debug and not allow_dev:
        raise ImproperlyConfigured(
            "生产环境（DEBUG 关闭）拒绝使用开发用 CA 签名；请配置 SIGNING_KEY_FILE/SIGNING_CERT_FILE / "
            "refusing to sign with the development CA while DEBUG is off: configure SIGNING_KEY_FILE and "
            "SIGNING_CERT_FILE (or set SIGNING_ALLOW_DEV_CA=true on a staging system)"
        )
    simple = signers.SimpleSigner.load(
        key_file=str(files.key),
        cert_file=str(files.cert),
        ca_chain_files=(str(files.chain),) if files.chain else None,
        key_passphrase=files.passphrase,
    )
    if simple is None:  # pyHanko logs the reason and returns None
        raise ImproperlyConfigured(
            f"无法读取签名密钥或证书 / cannot load the signing key or certificate ({files.key}, {files.cert})"
        )
    return RegistrySigner.from_simple(simple)


def is_dev_certificate(certificate: x509.Certificate) -> bool:
    organisations = certificate.issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return any(attribute.value == DEV_CA_ORGANIZATION for attribute in organisations)


class TimestampUnavailableError(RuntimeError):
    """The timestamp authority gave no usable token while SIGNING_TSA_REQUIRED is set."""


class RegistryTimeStamper(HTTPTimeStamper):
    """pyHanko's HTTP timestamp client that accepts only a well-formed token for the digest it sent.

    pyHanko parses the TSA's answer lazily, so garbage could fail deep inside signing or be
    embedded as it came; here every unusable answer is a TimestampRequestError.
    """

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        try:
            token = await super().async_timestamp(message_digest, md_algorithm)
            token.native  # noqa: B018 -- parses every part, so malformed DER fails here
            info = token["content"]["encap_content_info"]["content"].parsed
            stamped = info["message_imprint"]["hashed_message"].native
        except (ValueError, TypeError, KeyError, AttributeError) as error:  # asn1crypto's parse errors
            raise TimestampRequestError("malformed timestamp response") from error
        if token["content_type"].native != "signed_data" or stamped != message_digest:
            raise TimestampRequestError("the timestamp token is not for this signature")
        return token


def registry_timestamper() -> RegistryTimeStamper | None:
    """The configured timestamp authority's client, built once per configuration; None without one."""
    if not settings.SIGNING_TSA_URL:
        return None
    return _load_timestamper(
        settings.SIGNING_TSA_URL,
        settings.SIGNING_TSA_USERNAME,
        settings.SIGNING_TSA_PASSWORD,
        float(settings.SIGNING_TSA_TIMEOUT),
    )


@lru_cache(maxsize=4)
def _load_timestamper(url: str, username: str, password: str, timeout: float) -> RegistryTimeStamper:
    # The header is built here rather than passed as `auth`: aiohttp deprecates its BasicAuth.
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    headers = {"Authorization": f"Basic {credentials}"} if username else None
    return RegistryTimeStamper(url, timeout=timeout, headers=headers)


def sign_pdf(pdf: bytes, *, reason: str, location: str = "") -> bytes:
    """Sign pdf as the registry: a PAdES certification signature that allows no later change.

    With SIGNING_TSA_URL the signature carries the TSA's RFC 3161 token (baseline B-T). When the
    TSA fails or answers garbage, the report is signed B-B and a warning logged, or, with
    SIGNING_TSA_REQUIRED, TimestampUnavailableError is raised. Without a timestamp the signing
    time is only the one the registry's clock puts in the signature dictionary.
    """
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location or None,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    signer = registry_signer()
    timestamper = registry_timestamper()
    if timestamper is None:
        return _sign(pdf, metadata, signer, None)
    try:
        return _sign(pdf, metadata, signer, timestamper)
    except TimestampRequestError as error:
        if settings.SIGNING_TSA_REQUIRED:
            raise TimestampUnavailableError(
                "时间戳服务不可用，报告未签名（已设置 SIGNING_TSA_REQUIRED） / the timestamp authority "
                f"{_host(timestamper.url)} gave no usable timestamp and SIGNING_TSA_REQUIRED is set: "
                "the report was not signed"
            ) from error
        log.warning(
            "timestamp authority %s unavailable (%s): report signed without a timestamp (PAdES B-B)",
            _host(timestamper.url),
            type(error.__cause__ or error).__name__,
        )
    return _sign(pdf, metadata, signer, None)


def _sign(
    pdf: bytes, metadata: signers.PdfSignatureMetadata, signer: RegistrySigner, timestamper: HTTPTimeStamper | None
) -> bytes:
    mode = timestamper.url if timestamper is not None else ""
    reserved = signer.sizes.get(mode)
    try:
        output = _signed(pdf, metadata, signer, timestamper, reserved)
    except SigningError:
        if reserved is None:
            raise
        # The learnt room was too small (say the TSA now embeds a longer chain): let pyHanko measure.
        reserved = None
        output = _signed(pdf, metadata, signer, timestamper, None)
    if reserved is None:
        signer.learn_size(output, mode)
    return output


def _signed(
    pdf: bytes,
    metadata: signers.PdfSignatureMetadata,
    signer: RegistrySigner,
    timestamper: HTTPTimeStamper | None,
    reserved: int | None,
) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    signed = signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper, bytes_reserved=reserved)
    return signed.getvalue()


def _host(url: str) -> str:
    """The TSA's host for messages: a URL may carry credentials (user:password@host)."""
    return urlsplit(url).hostname or "?"


# --- The development CA -------------------------------------------------------------------------


def devca_ensure(directory: Path) -> tuple[DevCA, bool]:
    """Make a development CA and a registry signing certificate in directory unless they exist.

    A registry certificate within 30 days of expiry is re-issued by the same CA (so reports
    signed before still verify against it). Returns the CA and whether anything was written.
    Keys are written readable by the owner only.
    """
    ca = DevCA(directory)
    now = datetime.now(tz=UTC)
    have_all = all(path.is_file() for path in (ca.ca_cert, ca.ca_key, ca.key, ca.cert))
    if have_all and _valid_for(ca.cert, now) > _RENEW_BEFORE:
        return ca, False
    directory.mkdir(parents=True, exist_ok=True)
    if have_all and _valid_for(ca.ca_cert, now) > _RENEW_BEFORE:
        # The development CA key was written by _make_root below, so it is RSA.
        ca_key = cast(rsa.RSAPrivateKey, serialization.load_pem_private_key(ca.ca_key.read_bytes(), password=None))
        ca_cert = x509.load_pem_x509_certificate(ca.ca_cert.read_bytes())
    else:
        ca_key, ca_cert = _make_root(now)
        _write_key(ca.ca_key, ca_key)
        ca.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        _builder(
            _name("学档登记机构（开发） xuedang registry (development)"),
            ca_cert.subject,
            key.public_key(),
            now,
            years=5,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(ca.key, key)
    ca.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return ca, True


_RENEW_BEFORE = timedelta(days=30)


def _valid_for(cert_path: Path, now: datetime) -> timedelta:
    return x509.load_pem_x509_certificate(cert_path.read_bytes()).not_valid_after_utc - now


def _make_root(now: datetime) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name("学档开发用根证书 xuedang development root CA")
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now, years=10)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca_cert


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_CA_ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: rsa.RSAPublicKey, now: datetime, *, years: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=365 * years))
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # non-repudiation: the registry stands behind the report
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
