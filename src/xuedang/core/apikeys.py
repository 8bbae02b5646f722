"""Keys that systems present to the API (school, province and employer systems).

A key reads ``<kind>_<prefix>_<secret>``: the prefix finds the stored row, the secret is 256
random bits of which only a SHA-256 is stored (with that much randomness a fast hash is
enough), and the key itself is shown once, when issued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet

from xuedang.core.audit import audit_log

# A key row: institutions' `ApiKey`, reports' `VerifierKey` (each with prefix, key_hash, active).
K = TypeVar("K", bound=Model)


@dataclass(frozen=True)
class NewKey:
    prefix: str
    key_hash: str
    text: str  # what the system presents; shown once


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_name_clean(name: str) -> str:
    """The name a key is listed under: required, at most 60 characters."""
    if not name.strip() or len(name) > 60:
        raise ValidationError({"name": ["请填写密钥名称（不超过 60 字）/ name the key (at most 60 characters)"]})
    return name.strip()


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


@transaction.atomic
def key_issue(
    model: type[K], *, actor: Any, kind: str, action: str, after: Callable[[K], dict[str, Any]], **fields: Any
) -> tuple[K, str]:
    """A new key row of `model` with `fields`, audited as `action` (`after(key)` and the prefix,
    never the secret); returns the row and the key text, which is shown only now."""
    new = key_new(kind)
    key = model._default_manager.create(prefix=new.prefix, key_hash=new.key_hash, **fields)
    audit_log(actor=actor, action=action, target=key, after={**after(key), "prefix": new.prefix})
    return key, new.text


def key_find(keys: QuerySet[K], presented: str, kind: str) -> K | None:
    """The active key among `keys` matching `presented`, compared in constant time; None otherwise."""
    parts = key_parts(presented, kind)
    if parts is None:
        return None
    key = keys.filter(prefix=parts[0], active=True).first()
    if key is None or not key_matches(cast(Any, key).key_hash, parts[1]):  # any key model has key_hash
        return None
    return key


@transaction.atomic
def key_revoke(*, actor: Any, key: K, action: str, reason: str) -> K:
    """Turn a key off for good (the row stays), audited as `action`."""
    row: Any = key  # any key model: all have `active`
    row.active = False
    key.save(update_fields=["active"])
    audit_log(actor=actor, action=action, target=key, before={"active": True}, after={"active": False}, reason=reason)
    return key
