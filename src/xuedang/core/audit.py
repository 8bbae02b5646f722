"""The append-only, hash-chained audit log (DESIGN.md §2, STYLE.md "Audit and history").

Each entry's hash covers its content and the previous entry's hash, so editing, deleting or
inserting a row breaks the chain at that point; `verify_chain` (and `xuedang audit verify`)
finds the first break. Appends are serialised: on PostgreSQL by a transaction-scoped
advisory lock, on SQLite by its IMMEDIATE transactions (one writer at a time). Values are
scrubbed before they enter: ID and phone numbers masked, secrets removed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models
from django.utils import timezone

from xuedang.core.masking import mask_document, mask_phone
from xuedang.core.models import AuditEntry

GENESIS = "0" * 64
ADVISORY_LOCK_KEY = 0x78756564616E67  # "xuedang"
BULK_BATCH = 1000
SECRET_KEYS = frozenset({"password", "secret", "token", "code_hash", "api_key"})
MASKED_KEYS = {"document_number": mask_document, "phone": mask_phone}
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")
_PHONE_LIKE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


@dataclass
class AuditDraft:
    """One entry to be chained and written by `audit_log_bulk`."""

    action: str
    target_type: str
    target_id: str
    actor: Any = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str = ""
    approved_by: Any = None
    at: datetime = field(default_factory=timezone.now)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        value = _ID_LIKE.sub(lambda m: mask_document(m.group(1)), value)
        return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(1)), value)
    if isinstance(value, dict):
        return scrub(value)
    if isinstance(value, list | tuple):
        return [_scrub_value(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | Decimal | UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def scrub(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON-safe copy with personal numbers masked and secrets removed."""
    if values is None:
        return None
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key in SECRET_KEYS:
            clean[key] = "[removed]"
        elif key in MASKED_KEYS and isinstance(value, str):
            clean[key] = MASKED_KEYS[key](value)
        else:
            clean[key] = _scrub_value(value)
    return clean


def _target(target: models.Model | tuple[str, str]) -> tuple[str, str]:
    if isinstance(target, tuple):
        return target
    return target._meta.label_lower, str(target.pk)


def chain_hash(
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    before: Any,
    after: Any,
    reason: str,
    approved_by_id: int | None,
) -> str:
    """The hash of one entry's content chained to the hash before it."""
    at = at.astimezone(UTC) if timezone.is_aware(at) else at
    payload = [
        prev_hash,
        at.isoformat(timespec="microseconds"),
        actor_id,
        actor_label,
        action,
        target_type,
        target_id,
        before,
        after,
        reason,
        approved_by_id,
    ]
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def compute_hash(entry: AuditEntry) -> str:
    return chain_hash(
        entry.prev_hash,
        entry.at,
        entry.actor_id,
        entry.actor_label,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.before,
        entry.after,
        entry.reason,
        entry.approved_by_id,
    )


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def _last_hash() -> str:
    last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS


def _entry(draft: AuditDraft, prev_hash: str) -> AuditEntry:
    actor = draft.actor if getattr(draft.actor, "pk", None) else None
    approver = draft.approved_by if getattr(draft.approved_by, "pk", None) else None
    entry = AuditEntry(
        at=draft.at,
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        action=draft.action,
        target_type=draft.target_type,
        target_id=draft.target_id,
        before=scrub(draft.before),
        after=scrub(draft.after),
        reason=draft.reason,
        approved_by=approver,
        prev_hash=prev_hash,
    )
    entry.hash = compute_hash(entry)
    return entry


def audit_log(
    *,
    actor: Any,
    action: str,
    target: models.Model | tuple[str, str],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    approved_by: Any = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry; call inside the transaction of the write it records."""
    target_type, target_id = _target(target)
    draft = AuditDraft(
        action=action,
        target_type=target_type,
        target_id=target_id,
        actor=actor,
        before=before,
        after=after,
        reason=reason,
        approved_by=approved_by,
        at=at or timezone.now(),
    )
    _lock_chain()
    entry = _entry(draft, _last_hash())
    entry.save(force_insert=True)
    return entry


def audit_log_bulk(drafts: Iterable[AuditDraft]) -> int:
    """Append many entries in order (imports), chained; one lock for the batch.

    On PostgreSQL the entries stream through `COPY`; elsewhere `bulk_create` in batches.
    """
    _lock_chain()
    entries = _chained(drafts, _last_hash())
    if connection.vendor == "postgresql":
        return _copy_entries(entries)
    written, batch = 0, []
    for entry in entries:
        batch.append(entry)
        if len(batch) >= BULK_BATCH:
            written += len(AuditEntry.objects.bulk_create(batch))
            batch = []
    if batch:
        written += len(AuditEntry.objects.bulk_create(batch))
    return written


def _chained(drafts: Iterable[AuditDraft], prev: str) -> Iterator[AuditEntry]:
    for draft in drafts:
        entry = _entry(draft, prev)
        prev = entry.hash
        yield entry


COPY_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
    "reason",
    "approved_by_id",
    "prev_hash",
    "hash",
)


def _copy_entries(entries: Iterator[AuditEntry]) -> int:
    def dump(value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    written = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY core_auditentry ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy,
    ):
        for e in entries:
            copy.write_row(
                (
                    e.at,
                    e.actor_id,
                    e.actor_label,
                    e.action,
                    e.target_type,
                    e.target_id,
                    dump(e.before),
                    dump(e.after),
                    e.reason,
                    e.approved_by_id,
                    e.prev_hash,
                    e.hash,
                )
            )
            written += 1
    return written


def audit_rows_copy(
    *, actor: Any, action: str, target_type: str, at: datetime, reason: str, rows: Iterable[tuple[str, dict[str, Any]]]
) -> int:
    """PostgreSQL fast path for imports: (target_id, after) pairs of one action by one actor.

    Same chain and scrubbing as `audit_log`, without building model instances per row.
    """
    _lock_chain()
    prev = _last_hash()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    label = actor.get_username() if actor_id else "system"
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY core_auditentry ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy,
    ):
        for target_id, after in rows:
            clean = scrub(after)
            digest = chain_hash(prev, at, actor_id, label, action, target_type, target_id, None, clean, reason, None)
            copy.write_row(
                (
                    at,
                    actor_id,
                    label,
                    action,
                    target_type,
                    target_id,
                    None,
                    json.dumps(clean, ensure_ascii=False),
                    reason,
                    None,
                    prev,
                    digest,
                )
            )
            prev, written = digest, written + 1
    return written


def _stream(batch_size: int) -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size)


def verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first entry that does not fit."""
    prev, checked = GENESIS, 0
    for entry in _stream(batch_size):
        if entry.prev_hash != prev:
            return ChainReport(
                False,
                checked,
                entry.pk,
                "与前一条不衔接（有条目被删除或插入）/ does not follow the previous entry "
                "(an entry was deleted or inserted)",
            )
        if compute_hash(entry) != entry.hash:
            return ChainReport(
                False, checked, entry.pk, "内容与哈希不符（条目被修改）/ content does not match its hash (entry edited)"
            )
        prev, checked = entry.hash, checked + 1
    return ChainReport(True, checked)


def history_for(target: models.Model | tuple[str, str]) -> models.QuerySet[AuditEntry]:
    target_type, target_id = _target(target)
    return AuditEntry.objects.filter(target_type=target_type, target_id=target_id).order_by("id")
