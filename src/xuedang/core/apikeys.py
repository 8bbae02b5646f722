"""Keys that systems present to the API (school, province and employer systems).

A key reads ``<kind>_<prefix>_<secret>``: the prefix finds the stored row, the secret is 256
random bits of which only a SHA-256 is stored (with that much randomness a fast hash is
enough), and the key itself is shown once, when issued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class NewKey:
    prefix: str
    key_hash: str
    text: str  # what the system presents; shown once


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_new(kind: str) -> NewKey:
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    return NewKey(prefix, key_hash(secret), f"{kind}_{prefix}_{secret}")


def key_parts(presented: str, kind: str) -> tuple[str, str] | None:
    """(prefix, secret) of a key of this kind, or None for anything else."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != kind:
        return None
    return parts[1], parts[2]


def key_matches(stored_hash: str, secret: str) -> bool:
    return hmac.compare_digest(stored_hash, key_hash(secret))
