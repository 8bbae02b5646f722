"""Doors to registry records for staff: one per kind, the same 404 for missing and forbidden.

Students reach their own records through the archive (bound records), never through here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404

from xuedang.institutions.access import READING, institution_scope
from xuedang.registry.models import Admission, Credential, Enrollment


def enrollments_for(actor: object, roles: Iterable[str] = READING) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(institution_scope(actor, roles, prefix="institution"))


def credentials_for(actor: object, roles: Iterable[str] = READING) -> QuerySet[Credential]:
    return Credential.objects.filter(institution_scope(actor, roles, prefix="institution"))


def admissions_for(actor: object, roles: Iterable[str] = READING) -> QuerySet[Admission]:
    return Admission.objects.filter(institution_scope(actor, roles, prefix="institution"))


def access_enrollment(actor: object, pk: int, *, roles: Iterable[str] = READING) -> Enrollment:
    enrollment = enrollments_for(actor, roles).select_related("institution").filter(pk=pk).first()
    if enrollment is None:
        raise Http404
    return enrollment


def access_credential(actor: object, pk: int, *, roles: Iterable[str] = READING) -> Credential:
    credential = credentials_for(actor, roles).select_related("institution").filter(pk=pk).first()
    if credential is None:
        raise Http404
    return credential


def access_admission(actor: object, pk: int, *, roles: Iterable[str] = READING) -> Admission:
    admission = admissions_for(actor, roles).select_related("institution").filter(pk=pk).first()
    if admission is None:
        raise Http404
    return admission
