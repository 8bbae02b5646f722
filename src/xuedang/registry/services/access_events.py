"""The access log (学信档案 访问记录): every time someone other than the student sees one of their
records — staff in the school portal or the archive's queues, a verifier through a report or the
public lookup. Everyone who shows a record writes here; the student reads it in the archive.

Keyed by the record's identity digest, so accesses before the student binds their account are
shown to them once they do (decision 0011 moved it here from archive: registry's own staff pages
write to it, and nothing below archive could).
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from xuedang.institutions.selectors import staff_label
from xuedang.registry.models import AccessEvent, ViewerKind


class Viewed(Protocol):
    """A row whose sight is logged: a registry record, or a report (reports keeps the digest)."""

    pk: Any
    identity_digest: str
    _meta: ClassVar[Any]


def access_event_record(
    *, record: Viewed, viewer_kind: str, viewer_label: str, seen: str, origin: str = ""
) -> AccessEvent:
    """Log that someone other than the student saw `record` (shown on the access page)."""
    return AccessEvent.objects.create(
        identity_digest=record.identity_digest,
        record_type=record._meta.model_name,
        record_id=record.pk,
        viewer_kind=viewer_kind,
        viewer_label=viewer_label[:200],
        seen=seen[:300],
        origin=origin[:60],
    )


def access_event_staff_view(*, actor: object, record: Viewed, seen: str, origin: str) -> AccessEvent:
    """A staff member opened a student's record (`origin`: the caller's network, `core.middleware.coarse_origin`)."""
    return access_event_record(
        record=record, viewer_kind=ViewerKind.STAFF, viewer_label=staff_label(actor), seen=seen, origin=origin
    )
