"""Unsafe production settings are refused: by `xuedang check`, and by every server and worker at start."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from xuedang import settings as settings_module
from xuedang.core import crypto
from xuedang.core.checks import production_problems, refuse_unsafe_configuration
from xuedang.reports.checks import signing_problems

KEY = base64.b64encode(b"k" * 32).decode()
BIN = Path(sys.executable).parent


def _ids(problems) -> set[str]:
    return {problem.id for problem in problems}


def _refusal(settings) -> str:
    with pytest.raises(ImproperlyConfigured) as refused:
        refuse_unsafe_configuration()
    return str(refused.value)


@pytest.fixture
def registry_certificate(tmp_path: Path, settings) -> Path:
    """A signing certificate of a CA that is not the development one (as production has)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "登记机构 registry"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "某中心"),
        ]
    )
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
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    settings.SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    settings.SIGNING_CERT_FILE = str(tmp_path / "cert.pem")
    settings.SIGNING_CHAIN_FILE = ""
    settings.SIGNING_ALLOW_DEV_CA = False
    return tmp_path / "cert.pem"


def test_a_production_configuration_passes(settings, registry_certificate) -> None:
    assert not settings.DEBUG
    assert production_problems() == []
    refuse_unsafe_configuration()  # does not raise
    call_command("check")


@pytest.mark.parametrize("key", [settings_module.DEV_SECRET_KEY, "change-me-to-50-random-characters"])
def test_the_development_or_example_secret_key_is_refused(settings, registry_certificate, key: str) -> None:
    settings.SECRET_KEY = key
    assert _ids(production_problems()) == {"xuedang.E001"}
    assert "SECRET_KEY" in _refusal(settings)
    with pytest.raises(SystemCheckError, match="SECRET_KEY"):
        call_command("check")


@pytest.mark.parametrize(
    ("value", "check_id", "detail"),
    [
        ("", "xuedang.E002", "is not set"),
        ("k1", "xuedang.E003", "key_id:base64"),
        (f"k$1:{KEY}", "xuedang.E003", "key_id:base64"),
        ("k1:not base64!", "xuedang.E003", "not valid base64"),
        ("k1:" + base64.b64encode(b"x" * 16).decode(), "xuedang.E003", "16 bytes"),
        (f"k1:{KEY},k1:{KEY}", "xuedang.E003", "twice"),
        ("k2026:REPLACE_WITH_BASE64_32_BYTES", "xuedang.E003", "base64"),  # .env.example copied as it is
    ],
)
def test_missing_or_malformed_encryption_keys_are_refused(
    settings, registry_certificate, value, check_id, detail
) -> None:
    settings.PII_KEYS = value
    problems = production_problems()
    assert _ids(problems) == {check_id}
    assert detail in problems[0].msg
    assert KEY not in problems[0].msg
    assert "PII_KEYS" in _refusal(settings)


@pytest.mark.parametrize(
    ("value", "check_id"),
    [
        ("", "xuedang.E004"),
        ("REPLACE_WITH_BASE64_32_BYTES", "xuedang.E005"),
        (base64.b64encode(b"short").decode(), "xuedang.E005"),
    ],
)
def test_a_missing_or_malformed_digest_key_is_refused(settings, registry_certificate, value, check_id) -> None:
    settings.PII_HMAC_KEY = value
    assert _ids(production_problems()) == {check_id}
    assert "PII_HMAC_KEY" in _refusal(settings)


def test_without_keys_personal_data_is_not_encrypted_under_a_derived_key(settings) -> None:
    """Even a process that skipped the checks (a management command run with --skip-checks)."""
    settings.PII_KEYS = ""
    crypto.reset_key_cache()
    try:
        with pytest.raises(ImproperlyConfigured, match="PII_KEYS"):
            crypto.seal("11010519491231002X")
        settings.DEBUG = True
        crypto.reset_key_cache()
        assert crypto.seal("x").startswith(f"{crypto.DEV_KEY_ID}$")  # development keeps working without keys
    finally:
        crypto.reset_key_cache()


@pytest.mark.parametrize(
    ("hosts", "check_id"), [([], "xuedang.E006"), ([""], "xuedang.E006"), (["xuedang.example", "*"], "xuedang.E007")]
)
def test_allowed_hosts_empty_or_any_is_refused(settings, registry_certificate, hosts, check_id) -> None:
    settings.ALLOWED_HOSTS = hosts
    assert _ids(production_problems()) == {check_id}
    assert "ALLOWED_HOSTS" in _refusal(settings)


def test_the_development_signing_ca_is_refused(settings, signing_dev_ca) -> None:
    settings.SIGNING_ALLOW_DEV_CA = False  # the suite's default allows it, as a staging system would
    assert _ids(signing_problems()) == {"xuedang.E009"}
    assert "SIGNING_CERT_FILE" in _refusal(settings)
    settings.SIGNING_KEY_FILE = settings.SIGNING_CERT_FILE = settings.SIGNING_CHAIN_FILE = ""
    assert _ids(signing_problems()) == {"xuedang.E009"}  # unset: the development CA would sign


def test_staging_may_sign_with_the_development_ca_but_deploy_checks_still_say_so(settings, signing_dev_ca) -> None:
    settings.SIGNING_ALLOW_DEV_CA = True
    assert _ids(signing_problems()) == {"xuedang.W001"}
    refuse_unsafe_configuration()  # a warning does not stop the start
    with pytest.raises(SystemCheckError, match="SIGNING_ALLOW_DEV_CA"):
        call_command("check", "--deploy", "--fail-level", "WARNING")


def test_missing_or_half_configured_signing_files_are_refused(settings, registry_certificate, tmp_path) -> None:
    settings.SIGNING_CHAIN_FILE = str(tmp_path / "missing-chain.pem")
    assert _ids(signing_problems()) == {"xuedang.E010"}
    settings.SIGNING_CHAIN_FILE = ""
    settings.SIGNING_KEY_FILE = ""
    assert _ids(signing_problems()) == {"xuedang.E008"}
    (tmp_path / "cert.pem").write_text("not a certificate")
    settings.SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    assert _ids(signing_problems()) == {"xuedang.E010"}


def test_with_debug_on_the_server_starts_but_deploy_checks_refuse(settings) -> None:
    settings.DEBUG = True
    settings.SECRET_KEY = settings_module.DEV_SECRET_KEY
    refuse_unsafe_configuration()
    call_command("check")
    with pytest.raises(SystemCheckError, match="SECRET_KEY"):
        call_command("check", "--deploy")


@pytest.mark.parametrize("value", ["ture", "flase", "2", "enabled"])
def test_a_typo_in_a_boolean_variable_is_an_error_naming_it(monkeypatch, value: str) -> None:
    monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    with pytest.raises(ImproperlyConfigured, match="SESSION_COOKIE_SECURE"):
        settings_module.env_bool("SESSION_COOKIE_SECURE", False)


@pytest.mark.parametrize(
    ("value", "expected"), [("True", True), ("on", True), ("1", True), ("No", False), ("0", False), ("", True)]
)
def test_boolean_variables_read_the_usual_words(monkeypatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("XUEDANG_FLAG", value)
    assert settings_module.env_bool("XUEDANG_FLAG", True) is expected


# --- The processes themselves refuse to start ------------------------------------------------------
def _unsafe_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The suite's environment with the development SECRET_KEY (everything else acceptable)."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "XUEDANG_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db",
        **extra,
    }
    env.pop("SECRET_KEY", None)
    env.pop("REDIS_URL", None)
    return env


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=90, check=False)


def test_runserver_exits_naming_the_variable_even_with_its_reloader(tmp_path) -> None:
    done = _run([str(BIN / "xuedang"), "runserver", "127.0.0.1:0"], _unsafe_env(tmp_path))
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr
    assert "refusing to start" in done.stderr


def test_gunicorn_exits_naming_the_variable(tmp_path) -> None:
    done = _run([str(BIN / "gunicorn"), "xuedang.wsgi:application", "--bind", "127.0.0.1:0"], _unsafe_env(tmp_path))
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr
    assert "refusing to start" in done.stderr


def test_a_celery_worker_exits_naming_the_variable(tmp_path) -> None:
    env = _unsafe_env(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")  # refused before it ever connects
    done = _run([str(BIN / "celery"), "-A", "xuedang", "worker", "--pool=solo"], env)
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr
    assert "refusing to start" in done.stderr


def test_check_exits_naming_a_mistyped_boolean(tmp_path) -> None:
    env = {**os.environ, "DEBUG": "flase", "XUEDANG_DATA_DIR": str(tmp_path)}
    done = _run([str(BIN / "xuedang"), "check"], env)
    assert done.returncode != 0
    assert "DEBUG" in done.stderr
    assert "flase" in done.stderr
