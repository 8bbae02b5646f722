"""The signing refusal of core/checks.py: reports must not be signed by the development CA.

A certificate issued by the development CA (`xuedang signing_devca`) proves nothing to an
employer: its key sits in a developer's directory. With DEBUG off a server using it does not
start, unless `SIGNING_ALLOW_DEV_CA=true` marks a staging system, which `check --deploy` still
reports (as a warning, so `--fail-level WARNING` fails). Missing or unreadable signing files
stop the start too: every report download would fail.
"""

from __future__ import annotations

from cryptography import x509
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from xuedang.core.checks import Problem, register_production_check
from xuedang.reports import signing

HINT = (
    "配置登记机构的签名证书 / configure the registry's own certificate: SIGNING_KEY_FILE, SIGNING_CERT_FILE, "
    "SIGNING_CHAIN_FILE (docs/deploy.md)"
)


@register_production_check
def signing_problems() -> list[Problem]:
    try:
        files = signing.signing_files()
    except ImproperlyConfigured as error:
        return [checks.Error(f"SIGNING_KEY_FILE / SIGNING_CERT_FILE: {error}", hint=HINT, id="xuedang.E008")]
    if not settings.SIGNING_CERT_FILE:
        return [_development_ca("未设置，将使用开发用 CA / is not set: the development CA would sign")]
    missing = [path for path in (files.key, files.cert, files.chain) if path is not None and not path.is_file()]
    if missing:
        names = ", ".join(str(path) for path in missing)
        return [checks.Error(f"SIGNING_*_FILE: 文件不存在 / file not found: {names}", hint=HINT, id="xuedang.E010")]
    try:
        certificate = x509.load_pem_x509_certificate(files.cert.read_bytes())
    except ValueError:
        return [
            checks.Error("SIGNING_CERT_FILE: 不是 PEM 证书 / is not a PEM certificate", hint=HINT, id="xuedang.E010")
        ]
    if signing.is_dev_certificate(certificate):
        return [_development_ca("由开发用 CA 签发 / is issued by the development CA")]
    return []


def _development_ca(what: str) -> Problem:
    if settings.SIGNING_ALLOW_DEV_CA:
        return checks.Warning(
            f"SIGNING_CERT_FILE {what}; SIGNING_ALLOW_DEV_CA=true (仅限预发布环境 / staging only)",
            hint=HINT,
            id="xuedang.W001",
        )
    return checks.Error(f"SIGNING_CERT_FILE {what}", hint=HINT, id="xuedang.E009")
