"""Writes for the student's archive: binding records to accounts, the photo check (图像校对),
corrections (纠错), former identities and the identity question (身份核验).

Every write validates first, then writes its audit entry in the same transaction. Errors are
`ValidationError`s keyed by field with "中文 / English" messages; nothing changes on error.

Submodules by subject (decision 0011, as registry's in decision 0009); this package is the public
surface: other apps and tests import from `xuedang.archive.services`. Reads are in `selectors`;
notifications are the accounts' (`accounts.notify.notify`); the access log is the registry's
(`registry.services.access_event_record`).
"""

from xuedang.archive.services.bindings import (
    binding_claim_credential,
    binding_claim_enrollment,
    bindings_notify,
    bindings_refresh,
    bindings_release,
    bindings_tell,
)
from xuedang.archive.services.challenge import challenge_answer, challenge_get, challenge_question
from xuedang.archive.services.corrections import (
    SCHOOL_DECISIONS,
    correction_file,
    correction_needs_province,
    correction_province_decide,
    correction_school_review,
)
from xuedang.archive.services.evidence import EVIDENCE_MAX_BYTES, evidence_check
from xuedang.archive.services.former_identities import former_identity_decide, former_identity_request
from xuedang.archive.services.photo_checks import photo_check_answer, photo_check_resolve

__all__ = [
    # evidence files
    "EVIDENCE_MAX_BYTES",
    # corrections
    "SCHOOL_DECISIONS",
    # bindings
    "binding_claim_credential",
    "binding_claim_enrollment",
    "bindings_notify",
    "bindings_refresh",
    "bindings_release",
    "bindings_tell",
    # identity question
    "challenge_answer",
    "challenge_get",
    "challenge_question",
    "correction_file",
    "correction_needs_province",
    "correction_province_decide",
    "correction_school_review",
    "evidence_check",
    # former identities
    "former_identity_decide",
    "former_identity_request",
    # photo check
    "photo_check_answer",
    "photo_check_resolve",
]
