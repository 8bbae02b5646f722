"""Encryption of personal data at rest (AES-256-GCM) and keyed digests for exact lookup.

Ciphertext tokens read ``<key_id>$<base64(nonce || ciphertext+tag)>`` so that keys can rotate:
the first key of ``settings.PII_KEYS`` encrypts, every listed key decrypts. Digests are
HMAC-SHA256 under ``settings.PII_HMAC_KEY`` with a purpose prefix, so that the same ID number
gives unrelated digests in unrelated columns only when asked to.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_KEY_ID = "dev"


def _derive(label: str) -> bytes:
    return hashlib.sha256(f"xuedang:{label}:{settings.SECRET_KEY}".encode()).digest()


@functools.cache
def _keys() -> tuple[tuple[str, bytes], ...]:
    raw = settings.PII_KEYS.strip()
    if not raw:
        return ((DEV_KEY_ID, _derive("pii-encryption")),)
    keys = []
    for part in raw.split(","):
        key_id, _, b64 = part.strip().partition(":")
        key = base64.b64decode(b64)
        if not key_id or len(key) != 32 or "$" in key_id:
            raise ImproperlyConfigured("PII_KEYS entries must be `id:base64(32 bytes)`")
        keys.append((key_id, key))
    return tuple(keys)


@functools.cache
def _hmac_key() -> bytes:
    raw = settings.PII_HMAC_KEY.strip()
    return base64.b64decode(raw) if raw else _derive("pii-digest")


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
    space, so they share a digest; passports are keyed by type as well as number.
    """
    kind = "passport" if document_type == "passport" else "id"
    return digest(f"{kind}:{document_number.upper()}", purpose="identity")
