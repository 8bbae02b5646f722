"""Encryption of personal data at rest (AES-256-GCM) and keyed digests for exact lookup.

Ciphertext tokens read ``<key_id>$<base64(nonce || ciphertext+tag)>`` so that keys can rotate:
the first key of ``settings.PII_KEYS`` encrypts, every listed key decrypts. Digests are
HMAC-SHA256 under ``settings.PII_HMAC_KEY`` with a purpose prefix, so that the same ID number
gives unrelated digests in unrelated columns only when asked to.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from typing import TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_KEY_ID = "dev"
T = TypeVar("T")


def _derive(label: str) -> bytes:
    return hashlib.sha256(f"xuedang:{label}:{settings.SECRET_KEY}".encode()).digest()


KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")


def parse_keys(raw: str) -> tuple[tuple[str, bytes], ...]:
    """PII_KEYS: comma-separated `key_id:base64(32 bytes)`, the first encrypting. Raises ValueError
    saying what is wrong (never echoing a key)."""
    keys: list[tuple[str, bytes]] = []
    for position, part in enumerate(raw.split(","), start=1):
        key_id, colon, b64 = part.strip().partition(":")
        if not colon or not KEY_ID.fullmatch(key_id):
            raise ValueError(f"entry {position} must read `key_id:base64`, key_id of letters, digits, _ . -")
        key = _base64(b64, f"entry {position} ({key_id})")
        if len(key) != 32:
            raise ValueError(f"entry {position} ({key_id}) is {len(key)} bytes, not 32")
        if key_id in dict(keys):
            raise ValueError(f"key id {key_id} is listed twice")
        keys.append((key_id, key))
    return tuple(keys)


def parse_hmac_key(raw: str) -> bytes:
    """PII_HMAC_KEY: base64 of at least 32 bytes. Raises ValueError saying what is wrong."""
    key = _base64(raw, "the key")
    if len(key) < 32:
        raise ValueError(f"the key is {len(key)} bytes, fewer than 32")
    return key


def _base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not valid base64") from None


def _configured(name: str, raw: str, parse: Callable[[str], T], development: T) -> T:
    """A key from settings; derived from SECRET_KEY only while DEBUG is on (core/checks.py refuses
    to start without one, and this refuses again if something runs without the checks)."""
    if not raw.strip():
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                f"{name} 未设置（DEBUG 关闭时必须设置） / {name} is not set (required when DEBUG is off)"
            )
        return development
    try:
        return parse(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} 格式错误 / {name} is malformed: {error}") from None


@functools.cache
def _keys() -> tuple[tuple[str, bytes], ...]:
    return _configured("PII_KEYS", settings.PII_KEYS, parse_keys, ((DEV_KEY_ID, _derive("pii-encryption")),))


@functools.cache
def _hmac_key() -> bytes:
    return _configured("PII_HMAC_KEY", settings.PII_HMAC_KEY, parse_hmac_key, _derive("pii-digest"))


def reset_key_cache() -> None:
    """Forget cached keys (after settings change in tests or a rotation)."""
    _keys.cache_clear()
    _hmac_key.cache_clear()
    _cipher.cache_clear()


def active_key_id() -> str:
    return _keys()[0][0]


@functools.cache
def _cipher(key: bytes) -> AESGCM:
    return AESGCM(key)


def seal(plaintext: str) -> str:
    """Encrypt `plaintext` under the active key; a fresh random nonce every time."""
    key_id, key = _keys()[0]
    nonce = os.urandom(12)
    sealed = _cipher(key).encrypt(nonce, plaintext.encode("utf-8"), key_id.encode())
    return f"{key_id}${base64.b64encode(nonce + sealed).decode('ascii')}"


def unseal(token: str) -> str:
    """Decrypt a token made by `seal` with whichever configured key made it."""
    key_id, _, b64 = token.partition("$")
    keys = dict(_keys())
    if key_id not in keys:
        raise ImproperlyConfigured(f"PII key {key_id!r} is not configured")
    blob = base64.b64decode(b64)
    plain = AESGCM(keys[key_id]).decrypt(blob[:12], blob[12:], key_id.encode())
    return plain.decode("utf-8")


def token_key_id(token: str) -> str:
    return token.partition("$")[0]


def digest(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SHA256 hex digest of `value` for exact-match lookup."""
    message = f"{purpose}\x1f{value}".encode()
    return hmac.digest(_hmac_key(), message, "sha256").hex()


def identity_digest(document_type: str, document_number: str) -> str:
    """The digest that identifies a person across records (and shards them, see DESIGN §4).

    Resident IDs, residence permits and foreign permanent residence IDs share one number
    space, so they share a digest; passports and the two travel permits (港澳、台湾居民来往内地通行证)
    each have a number space of their own, so they are keyed by type as well as number.
    """
    kind = document_type if document_type in ("passport", "hk_macao_permit", "taiwan_permit") else "id"
    return digest(f"{kind}:{document_number.upper()}", purpose="identity")
