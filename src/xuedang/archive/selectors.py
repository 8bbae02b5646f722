"""Reads for the student's archive: only records bound to the student's own account; and the
school's and province's queues of photo disputes and corrections, within their scope."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from xuedang.accounts.models import IdentityChallenge, User
from xuedang.archive.models import Binding, Correction, CorrectionState, FormerIdentity, PhotoCheck
from xuedang.core import validators
from xuedang.core.masking import mask_name
from xuedang.institutions.access import APPROVING, REGISTERING, institution_scope
from xuedang.registry.models import (
    AccessEvent,
    Admission,
    AdmissionReview,
    Credential,
    CredentialState,
    Enrollment,
    Photo,
)

# A record a student's archive can hold (each keeps the identity it was registered with).
Record = Admission | Enrollment | Credential
RECORD_FIELDS: dict[type[Record], str] = {Admission: "admission", Enrollment: "enrollment", Credential: "credential"}
QUERYABLE = (CredentialState.PUBLISHED, CredentialState.REVOKED)


# --- Identities an account may claim ----------------------------------------------------------


def claimed_identities(user: Any) -> list[tuple[str, str]]:
    """(identity digest, name) pairs records may be registered under: the account's current
    identity and every approved former one (曾用名, 原证件号码)."""
    pairs = [(user.identity_digest, user.real_name)] if user.identity_digest and user.real_name else []
    for former in user.former_identities.filter(state=FormerIdentity.State.APPROVED):
        pairs.append((former.identity_digest or user.identity_digest, former.name))
    return pairs


def identity_condition(pairs: list[tuple[str, str]]) -> Q:
    condition = Q(pk__in=[])
    for digest, name in pairs:
        condition |= Q(identity_digest=digest, name=name)
    return condition


def account_birth_date(user: Any) -> date | None:
    """The birth date in the account's ID (resident ID and residence-permit layouts)."""
    if user.document_type in ("resident_id", "hmt_permit") and len(user.document_number) == 18:
        return validators.birth_date_from_resident_id(user.document_number)
    return None


def identity_matches(user: Any, record: Record) -> bool:
    """Manual binding's rule: the record's ID is one of the account's (current or approved
    former), or, for records registered without an ID, name and birth date both match."""
    pairs = claimed_identities(user)
    if record.identity_digest:
        return record.identity_digest in {digest for digest, _ in pairs}
    birth = account_birth_date(user)
    names = {validators.name_match_key(name) for _, name in pairs}  # 买买提艾力 is 买买提·艾力
    return birth is not None and record.birth_date == birth and validators.name_match_key(record.name) in names


# --- Manual binding's daily attempts ----------------------------------------------------------

BIND_ATTEMPTS_PER_DAY = 5


def bind_attempts_key(user: Any) -> str:
    return f"archive:bind-attempts:{user.pk}:{timezone.localdate():%Y%m%d}"


def bind_attempts_left(*, user: Any) -> int:
    return max(0, BIND_ATTEMPTS_PER_DAY - int(cache.get(bind_attempts_key(user), 0)))


# --- The identity question (身份核验) ------------------------------------------------------------

# Wrong answers an identity gets in total, over every account that held it (decision 0017).
CHALLENGE_FAILURES = 5


def true_institutions(user: User) -> set[str]:
    codes: set[str] = set()
    for model in (Enrollment, Credential, Admission):
        codes |= set(
            model.objects.filter(identity_digest=user.identity_digest, name=user.real_name).values_list(
                "institution__code", flat=True
            )
        )
    return codes


def challenge_failures(user: User) -> int:
    """Wrong answers to the identity questions so far under the account's identity."""
    if not user.identity_digest:
        return 0
    rows = IdentityChallenge.objects.filter(identity_digest=user.identity_digest)
    return rows.aggregate(total=Sum("failures"))["total"] or 0


def challenge_failures_left(user: User) -> int:
    return max(CHALLENGE_FAILURES - challenge_failures(user), 0)


# --- The student's records ----------------------------------------------------------------------


def student_enrollments(*, student: Any) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(
        pk__in=student.bindings.filter(enrollment__isnull=False).values("enrollment_id")
    ).select_related("institution")


def student_credentials(*, student: Any, published_only: bool = True) -> QuerySet[Credential]:
    """A student's credentials; unpublished ones are not queryable (第十七条) unless asked for."""
    qs = Credential.objects.filter(
        pk__in=student.bindings.filter(credential__isnull=False).values("credential_id")
    ).select_related("institution", "enrollment")
    if published_only:
        qs = qs.filter(state__in=[CredentialState.PUBLISHED, CredentialState.REVOKED])
    return qs


def student_admissions(*, student: Any) -> QuerySet[Admission]:
    """A student's 录取, once the centre re-checked it (issue 14): a row still under review, or
    returned to the province, is not yet a fact about them."""
    return Admission.objects.filter(
        pk__in=student.bindings.filter(admission__isnull=False).values("admission_id"),
        review=AdmissionReview.CENTRE_APPROVED,
    ).select_related("institution")


def access_events(*, student: Any) -> QuerySet[AccessEvent]:
    """Every access by others to records under the student's identity, or bound to the student
    (records without an ID, or under a former ID)."""
    if not student.identity_digest:
        return AccessEvent.objects.none()
    bound = Q(identity_digest=student.identity_digest)
    for field, kind in (("enrollment", "enrollment"), ("credential", "credential"), ("admission", "admission")):
        ids = student.bindings.filter(**{f"{field}__isnull": False}).values(f"{field}_id")
        bound |= Q(record_type=kind, record_id__in=ids)
    return AccessEvent.objects.filter(bound)


@dataclass(frozen=True)
class Unbound:
    """A record under the student's ID but another name: shown, not opened, with what to do."""

    kind: str
    institution: str
    registered_name: str  # masked: it may be a stranger's name typed against the wrong ID
    year: int


def unbound_under_other_names(*, student: Any) -> list[Unbound]:
    pairs = claimed_identities(student)
    digests = {digest for digest, _ in pairs}
    names = {name for _, name in pairs}
    found: list[Unbound] = []
    for model, kind, year_field in (
        (Enrollment, "学籍 / enrollment", "entry_date"),
        (Credential, "学历 / credential", "study_end"),
        (Admission, "录取 / admission", None),
    ):
        field = model._meta.model_name
        bound = (
            Binding.objects.filter(**{f"{field}__isnull": False})
            .filter(**{f"{field}__in": model.objects.filter(identity_digest__in=digests)})
            .values(f"{field}_id")
        )
        for record in (
            model.objects.filter(identity_digest__in=digests)
            .exclude(name__in=names)
            .exclude(pk__in=bound)
            .select_related("institution")[:20]
        ):
            year = getattr(record, year_field).year if year_field else cast(Admission, record).year
            found.append(Unbound(kind, record.institution.name, mask_name(record.name), year))
    return found


def photos_to_check(*, student: Any) -> list[tuple[Enrollment, Photo, PhotoCheck | None]]:
    """The current graduation photo of each bound enrollment whose credential is not yet published."""
    rows = []
    for enrollment in student_enrollments(student=student):
        credential = Credential.objects.filter(enrollment=enrollment).first()
        if credential is not None and credential.state != CredentialState.DRAFT:
            continue
        photo = (
            Photo.objects.filter(enrollment=enrollment, purpose=Photo.Purpose.GRADUATION, superseded=False)
            .order_by("-uploaded_at")
            .first()
        )
        if photo is not None:
            rows.append((enrollment, photo, PhotoCheck.objects.filter(photo=photo).first()))
    return rows


def student_corrections(*, student: Any) -> QuerySet[Correction]:
    return Correction.objects.filter(user=student).select_related("institution", "enrollment", "credential")


def photo_disputes_for(*, actor: Any, open_only: bool = True) -> QuerySet[PhotoCheck]:
    qs = PhotoCheck.objects.filter(
        institution_scope(actor, REGISTERING, prefix="institution"), verdict=PhotoCheck.Verdict.WRONG
    )
    if open_only:
        qs = qs.filter(state=PhotoCheck.State.OPEN)
    return qs.select_related("enrollment", "institution")


def corrections_for(*, actor: Any, state: str = "") -> QuerySet[Correction]:
    """The school's requests (registrars) and the province's forwarded ones (approvers)."""
    school = Q(institution_scope(actor, REGISTERING, prefix="institution"))
    province = Q(
        institution_scope(actor, APPROVING, prefix="institution"),
        state__in=[CorrectionState.PROVINCE, CorrectionState.APPLIED, CorrectionState.REJECTED],
        needs_province=True,
    )
    qs = Correction.objects.filter(school | province)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("institution", "enrollment", "credential")


def corrections_waiting(*, actor: Any) -> QuerySet[Correction]:
    """The requests waiting for this officer's decision: the school's own (registrars) and those
    forwarded to the province (approvers); the count on the staff home page."""
    return Correction.objects.filter(
        Q(state=CorrectionState.SCHOOL) & institution_scope(actor, REGISTERING, prefix="institution")
        | Q(state=CorrectionState.PROVINCE, needs_province=True)
        & institution_scope(actor, APPROVING, prefix="institution")
    )


def former_identities_pending() -> QuerySet[FormerIdentity]:
    return FormerIdentity.objects.filter(state=FormerIdentity.State.PENDING).select_related("user")


# --- PIPL export ----------------------------------------------------------------------------

IDENTITY = ("name", "gender", "birth_date", "ethnicity", "document_type", "document_number")


def _fields(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _record(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every concrete field of a registry row except digests and raw bytes."""
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name in skip or field.name == "identity_digest" or field.get_internal_type() == "BinaryField":
            continue
        values[field.attname] = getattr(obj, field.attname)
    return values


def _photo(photo: Photo) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "purpose": photo.purpose,
        "uploaded_at": photo.uploaded_at,
        "superseded": photo.superseded,
        "content_type": photo.content_type,
        "sha256": photo.sha256,
        "base64": base64.b64encode(bytes(photo.image)).decode(),
    }


def archive_export(*, student: Any) -> dict[str, Any]:
    """Everything the registry holds about the student (PIPL 第四十五条 right of access)."""
    from xuedang.registry.selectors import record_history

    def history(obj: Any) -> list[dict[str, Any]]:
        return [
            {"at": e.at, "action": e.action, "before": e.before, "after": e.after, "reason": e.reason}
            for e in record_history(target_type=obj._meta.label_lower, target_id=obj.pk)
        ]

    enrollments = []
    for enrollment in student_enrollments(student=student):
        enrollments.append(
            {
                **_record(enrollment),
                "institution": enrollment.institution.name,
                "annual_registrations": [_record(r, ("recorded_by",)) for r in enrollment.annual_registrations.all()],
                "changes": [_record(c, ("recorded_by",)) for c in enrollment.changes.all()],
                "notes": [_record(n, ("recorded_by",)) for n in enrollment.notes.all()],
                "photos": [_photo(p) for p in enrollment.photos.all()],
                "history": history(enrollment),
            }
        )
    return {
        "format": "xuedang-archive-export/1",
        "account": {
            "username": student.username,
            "real_name": student.real_name,
            "document_type": student.document_type,
            "document_number": student.document_number,
            "phone": student.phone,
            "email": student.email,
            "date_joined": student.date_joined,
            "identity_checked_at": student.identity_checked_at,
        },
        "former_identities": [
            _fields(f, ("name", "document_hint", "reason", "state", "created_at", "decided_at"))
            for f in student.former_identities.all()
        ],
        "bindings": [
            {"record": b.record._meta.model_name, "record_id": b.record.pk, "method": b.method, "bound_at": b.bound_at}
            for b in student.bindings.all()
        ],
        "admissions": [
            {**_record(a), "institution": a.institution.name, "history": history(a)}
            for a in student_admissions(student=student)
        ],
        "enrollments": enrollments,
        "credentials": [
            {**_record(c), "history": history(c)} for c in student_credentials(student=student, published_only=False)
        ],
        "photo_checks": [
            _fields(p, ("photo_id", "verdict", "reason", "state", "resolution", "created_at", "resolved_at"))
            for p in student.photo_checks.all()
        ],
        "corrections": [
            {
                **_fields(
                    c,
                    (
                        "id",
                        "enrollment_id",
                        "credential_id",
                        "field",
                        "old_value",
                        "new_value",
                        "reason",
                        "state",
                        "created_at",
                        "evidence_name",
                        "evidence_type",
                        "evidence_sha256",
                    ),
                ),
                "evidence_base64": base64.b64encode(bytes(c.evidence)).decode(),
                "steps": [_fields(s, ("action", "actor_label", "note", "at")) for s in c.steps.all()],
            }
            for c in student_corrections(student=student)
        ],
        "access_events": [
            _fields(e, ("at", "viewer_kind", "viewer_label", "seen", "record_type", "record_id"))
            for e in access_events(student=student)
        ],
        "notifications": [_fields(n, ("created_at", "text", "url", "read_at")) for n in student.notifications.all()],
    }
