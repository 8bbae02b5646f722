"""With the environment file of docs/deploy.md, `xuedang check --deploy --fail-level WARNING` exits 0.

The file is deploy/xuedang.env itself: every variable is passed as written, except that each
`*_FILE` secret points at a file this test writes (generated keys, a registry certificate that is
not the development CA's) and the data directory and database are the test's own."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ENV_FILE = Path(__file__).resolve().parents[4] / "deploy" / "xuedang.env"
BIN = Path(sys.executable).parent


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments and blanks skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def _registry_certificate() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "登记机构 registry")])
    now = datetime.now(tz=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem_key, cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def deploy_env(tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("deploy")
    documented = read_env_file(ENV_FILE)
    signing_key, signing_cert = _registry_certificate()
    contents = {
        "SECRET_KEY_FILE": secrets.token_urlsafe(50).encode(),
        "PII_KEYS_FILE": b"k2026:" + base64.b64encode(os.urandom(32)),
        "PII_HMAC_KEY_FILE": base64.b64encode(os.urandom(32)),
        "SIGNING_KEY_FILE": signing_key,
        "SIGNING_CERT_FILE": signing_cert,
        "SIGNING_CHAIN_FILE": signing_cert,
    }
    env = {name: value for name, value in os.environ.items() if name in {"PATH", "HOME", "LANG", "TMPDIR"}}
    env.update(documented)
    for name in documented:
        if name.endswith("_FILE"):
            path = tmp / name.lower()
            path.write_bytes(contents.get(name, b"secret-" + secrets.token_hex(8).encode()))
            env[name] = str(path)
    env["XUEDANG_DATA_DIR"] = str(tmp / "var")
    env["DATABASE_URL"] = f"sqlite:///{tmp}/db.sqlite3"  # `check` does not connect; the path must be writable
    return env


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "xuedang"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_documented_environment_passes_the_deploy_checks(deploy_env) -> None:
    assert deploy_env["DEBUG"] == "false"
    done = _check(deploy_env)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize(
    ("change", "check_id"),
    [
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
        ({"CONTENT_SECURITY_POLICY": "default-src 'self'; style-src 'self' 'unsafe-inline'"}, "xuedang.W003"),
        ({"CONTENT_SECURITY_POLICY": " "}, "xuedang.W002"),
        ({"SESSION_COOKIE_SECURE": "false"}, "security.W012"),
    ],
)
def test_weakening_any_protection_fails_the_deploy_checks(deploy_env, change, check_id) -> None:
    done = _check({**deploy_env, **change})
    assert done.returncode != 0
    assert check_id in done.stderr
