"""Writes for the student's archive: binding records to accounts, logging accesses."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model

from xuedang.archive.models import AccessEvent, Binding, BindingMethod
from xuedang.core.audit import audit_log
from xuedang.registry.models import Admission, Credential, Enrollment

RECORD_FIELDS = {Admission: "admission", Enrollment: "enrollment", Credential: "credential"}


@transaction.atomic
def bindings_refresh(*, user: Any) -> int:
    """Bind every record registered under the account's ID *and* name (自动绑定).

    An ID match under another name does not bind (the archive explains why). Records bound
    to another account stay there. Returns how many records were newly bound.
    """
    if not user.identity_digest or not user.real_name:
        return 0
    created = 0
    for model, field in RECORD_FIELDS.items():
        already = Binding.objects.filter(**{f"{field}__isnull": False}).values(f"{field}_id")
        candidates = model.objects.filter(identity_digest=user.identity_digest, name=user.real_name) \
            .exclude(pk__in=already)
        for record in candidates:
            Binding.objects.create(user=user, method=BindingMethod.AUTOMATIC, **{field: record})
            audit_log(actor=user, action=f"archive.{field}.bound", target=record,
                      after={"method": BindingMethod.AUTOMATIC})
            created += 1
    return created


def access_event_record(*, record: Model, viewer_kind: str, viewer_label: str, seen: str,
                        origin: str = "") -> AccessEvent:
    """Log that someone other than the student saw `record` (shown on the access page)."""
    return AccessEvent.objects.create(
        identity_digest=record.identity_digest, record_type=record._meta.model_name,
        record_id=record.pk, viewer_kind=viewer_kind, viewer_label=viewer_label[:200],
        seen=seen[:300], origin=origin[:60],
    )
