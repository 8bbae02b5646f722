"""Former identities (姓名、证件号码变更): an earlier name or ID the centre confirms, so records
registered under it bind to the account."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xuedang.accounts.notify import notify
from xuedang.archive.models import FormerIdentity
from xuedang.archive.services.bindings import bindings_refresh
from xuedang.archive.services.common import _fail
from xuedang.archive.services.evidence import evidence_check_into
from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log
from xuedang.core.masking import mask_document


@transaction.atomic
def former_identity_request(
    *, user: Any, name: str, document_number: str, reason: str, evidence: bytes, evidence_name: str
) -> FormerIdentity:
    """Ask the centre to confirm an earlier name and/or ID, with evidence (户籍证明 etc.)."""
    errors: dict[str, list[str]] = {}
    try:
        name = validators.normalize_name(name)
    except ValidationError as error:
        errors["name"] = error.messages
    digest = hint = ""
    if document_number.strip():
        try:
            number = validators.normalize_resident_id(document_number)
            digest, hint = crypto.identity_digest("resident_id", number), mask_document(number)
        except ValidationError as error:
            errors["document_number"] = error.messages
    if not reason.strip():
        errors["reason"] = ["请说明变更原因 / give the reason for the change"]
    evidence, content_type = evidence_check_into(errors, evidence, evidence_name)
    if errors:
        raise ValidationError(errors)
    if not digest and name == user.real_name:
        raise _fail(
            "name",
            "曾用名与现用名相同，且未填写原证件号码 / the former name is your current name and no former ID was given",
        )
    former = FormerIdentity.objects.create(
        user=user,
        name=name,
        identity_digest=digest,
        document_hint=hint,
        reason=reason.strip(),
        evidence=evidence,
        evidence_type=content_type,
    )
    audit_log(
        actor=user,
        action="archive.former_identity.requested",
        target=former,
        after={"name": name, "document_number": hint},
    )
    return former


@transaction.atomic
def former_identity_decide(*, actor: Any, former: FormerIdentity, approve: bool, note: str) -> FormerIdentity:
    """The centre approves or rejects a former identity; approval binds its records at once."""
    former = FormerIdentity.objects.select_for_update().select_related("user").get(pk=former.pk)
    if former.state != FormerIdentity.State.PENDING:
        raise _fail("__all__", "该申请已处理 / this request has already been decided", "decided")
    if not approve and not note.strip():
        raise _fail("note", "请填写不予批准的理由 / give the reason for rejecting")
    former.state = FormerIdentity.State.APPROVED if approve else FormerIdentity.State.REJECTED
    former.decided_by, former.decided_at, former.decision_reason = actor, timezone.now(), note.strip()
    former.save()
    audit_log(
        actor=actor,
        action=f"archive.former_identity.{former.state}",
        target=former,
        before={"state": FormerIdentity.State.PENDING},
        after={"state": former.state},
        reason=note,
    )
    if approve:
        bindings_refresh(user=former.user)
    notify(user=former.user, text=f"曾用身份“{former.name}”{former.get_state_display()}", url=reverse("archive:home"))
    return former
