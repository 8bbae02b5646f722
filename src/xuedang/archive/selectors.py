"""Reads for the student's archive: only records bound to the student's own account."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xuedang.archive.models import AccessEvent
from xuedang.registry.models import Admission, Credential, CredentialState, Enrollment


def student_enrollments(*, student: Any) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(pk__in=student.bindings.filter(enrollment__isnull=False)
                                     .values("enrollment_id")).select_related("institution")


def student_credentials(*, student: Any, published_only: bool = True) -> QuerySet[Credential]:
    """A student's credentials; unpublished ones are not queryable (第十七条) unless asked for."""
    qs = Credential.objects.filter(pk__in=student.bindings.filter(credential__isnull=False)
                                   .values("credential_id")).select_related("institution", "enrollment")
    if published_only:
        qs = qs.filter(state__in=[CredentialState.PUBLISHED, CredentialState.REVOKED])
    return qs


def student_admissions(*, student: Any) -> QuerySet[Admission]:
    return Admission.objects.filter(pk__in=student.bindings.filter(admission__isnull=False)
                                    .values("admission_id")).select_related("institution")


def access_events(*, student: Any) -> QuerySet[AccessEvent]:
    """Every access by others to records under the student's identity."""
    if not student.identity_digest:
        return AccessEvent.objects.none()
    return AccessEvent.objects.filter(identity_digest=student.identity_digest)
