"""Releasing an account's record bindings when its login goes (注销, or an appeal that moves
the identity elsewhere), so the person's next account can bind them (archive.bindings_refresh).

The archive app owns bindings and has no release service yet; this is the one place the
accounts app touches its table, and should move to `archive.services` when it has one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from xuedang.core.audit import audit_log


@transaction.atomic
def bindings_release(*, user: Any, reason: str) -> int:
    from xuedang.archive.models import Binding

    released = 0
    for binding in Binding.objects.filter(user=user).select_related("admission", "enrollment", "credential"):
        record = binding.record
        audit_log(actor=None, action=f"archive.{record._meta.model_name}.unbound", target=record,
                  before={"user": user.pk, "method": binding.method}, reason=reason)
        binding.delete()
        released += 1
    return released
