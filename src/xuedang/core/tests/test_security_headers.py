"""Browser protections on every page: a Content-Security-Policy without inline code, frame denial,
Referrer-Policy, HSTS and the HTTPS redirect (settings.py, docs/deploy.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client, override_settings

from xuedang.core.middleware import ContentSecurityPolicyMiddleware

SRC = Path(__file__).resolve().parents[2]
# What a policy without 'unsafe-inline' blocks: inline <script> bodies, <style> elements, style=""
# and on*="" attributes. JSON data blocks (<script type="application/json">) do not run and are fine.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=\s*[\"']",
    re.IGNORECASE,
)


def _templates() -> list[Path]:
    return sorted(path for pattern in ("**/templates/**/*.html", "**/jinja2/**/*.jinja") for path in SRC.glob(pattern))


def test_the_walk_finds_the_templates() -> None:
    names = {path.name for path in _templates()}
    assert {"base.html", "verify.jinja", "form.html", "import_detail.html"} <= names


@pytest.mark.parametrize("path", _templates(), ids=lambda path: str(path.relative_to(SRC)))
def test_no_template_holds_inline_script_or_style(path: Path) -> None:
    found = INLINE.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{path}: move {found} into core/static/xuedang/ (the CSP has no 'unsafe-inline')"


def test_the_detector_sees_what_the_policy_would_block() -> None:
    for inline in ("<script>alert(1)</script>", "<style>p{}</style>", '<p style="x">', '<a onclick="f()">'):
        assert INLINE.search(inline), inline
    for allowed in ('<script src="/static/a.js" defer></script>', '<link rel="stylesheet" href="a.css">'):
        assert not INLINE.search(allowed), allowed


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/verify/", "/login/"])
def test_pages_carry_the_policy_and_the_other_headers(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_empty_policy_removes_the_middleware(settings) -> None:
    from django.core.exceptions import MiddlewareNotUsed

    settings.CONTENT_SECURITY_POLICY = ""
    with pytest.raises(MiddlewareNotUsed):
        ContentSecurityPolicyMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]


@pytest.mark.django_db
@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    TRUSTED_PROXIES=["10.0.0.0/8"],
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_https_is_enforced_and_proxy_terminated_tls_is_believed_from_the_proxies_only() -> None:
    client = Client()
    plain = client.get("/verify/", REMOTE_ADDR="203.0.113.9")
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")
    forged = client.get("/verify/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert forged.status_code == 301  # a client cannot claim TLS itself
    proxied = client.get(
        "/verify/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https"
    )
    assert proxied.status_code == 200
    assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
