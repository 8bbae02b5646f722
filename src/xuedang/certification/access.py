"""Doors of the 自考办 pages: one per kind of object, the same 404 for missing and forbidden.

A province's 自考办 acts on the 自考 credentials of its province; the national 自考办 and centre
staff read every province's (`institutions.access.self_study_scope`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase

from xuedang.archive.models import Binding
from xuedang.certification.models import AuthenticationApplication, Scan, SchoolCheck
from xuedang.institutions.access import (
    APPROVING,
    READING,
    REGISTERING,
    institution_scope,
    memberships,
    self_study_provinces,
    self_study_scope,
)
from xuedang.institutions.models import Scope
from xuedang.registry.models import BackRegistrationBatch, BackRegistrationState, Credential, CredentialSource

View = Callable[..., HttpResponseBase]


def self_study_view(roles: Iterable[str] = READING) -> Callable[[View], View]:
    """The 自考办 pages' door: signed in, with a 自考办 (or centre) role among `roles`; 404 otherwise."""
    roles = tuple(roles)

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if self_study_provinces(request.user, roles) == set():
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def registering_provinces(actor: object, roles: Iterable[str]) -> list[str]:
    """The provinces whose 自考办 the actor holds one of `roles` in (the national office registers none)."""
    held = memberships(actor, roles).filter(scope=Scope.SELF_STUDY).exclude(province_code="")
    return sorted(set(held.values_list("province_code", flat=True)))


def self_study_credentials_for(actor: object, roles: Iterable[str] = READING) -> QuerySet[Credential]:
    return Credential.objects.filter(source=CredentialSource.SELF_STUDY).filter(self_study_scope(actor, roles))


def access_self_study_credential(actor: object, pk: int, *, roles: Iterable[str] = READING) -> Credential:
    credential = self_study_credentials_for(actor, roles).select_related("institution").filter(pk=pk).first()
    if credential is None:
        raise Http404
    return credential


def may_register(actor: object, credential: Credential, roles: Iterable[str]) -> bool:
    """Acting on one credential: a role in its own province's 自考办 (never the national office's)."""
    return credential.province_code in registering_provinces(actor, roles)


# --- 补录: the school submits, its province decides -------------------------------------------


def back_registration_batches_for(actor: object) -> QuerySet[BackRegistrationBatch]:
    return BackRegistrationBatch.objects.filter(institution_scope(actor, READING, prefix="institution"))


def access_back_registration_batch(actor: object, pk: int) -> BackRegistrationBatch:
    batch = back_registration_batches_for(actor).select_related("institution").filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def may_decide_back_registration(actor: object, batch: BackRegistrationBatch) -> bool:
    """Only an approver of the school's province decides (the provincial authority approves 补录)."""
    return (
        batch.state == BackRegistrationState.PENDING
        and memberships(actor, APPROVING)
        .filter(scope=Scope.PROVINCE, province_code=batch.institution.province_code)
        .exists()
    )


# --- 学历认证: the applicant's own applications --------------------------------------------------


def access_own_application(actor: object, pk: int) -> AuthenticationApplication:
    """The applicant's own application; the same 404 for anyone else's or a missing one."""
    application = AuthenticationApplication.objects.filter(pk=pk, applicant_id=getattr(actor, "pk", None)).first()
    if application is None:
        raise Http404
    return application


def is_reviewer(actor: object) -> bool:
    """The centre's 学历认证 reviewers are its approvers (第二十二条: the centre decides)."""
    return memberships(actor, APPROVING).filter(scope=Scope.CENTRE).exists()


def reviewer_view(view: View) -> View:
    """The centre's 学历认证 pages: approvers of the centre only (第二十二条: the centre decides)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_reviewer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def school_checks_for(actor: object) -> QuerySet[SchoolCheck]:
    """The checks asked of the schools the actor registers or approves for."""
    return SchoolCheck.objects.filter(institution_scope(actor, REGISTERING + APPROVING, prefix="institution"))


def access_school_check(actor: object, pk: int) -> SchoolCheck:
    check = school_checks_for(actor).select_related("application", "institution").filter(pk=pk).first()
    if check is None:
        raise Http404
    return check


def access_scan(actor: object, pk: int, kind: str) -> tuple[Scan, bool]:
    """(scan, seen by staff): one scan of application `pk` for its applicant, the centre's reviewers,
    or the school asked to check it (and that school's province); the same 404 for anyone else."""
    scan = Scan.objects.select_related("application__applicant").filter(application_id=pk, kind=kind).first()
    if scan is None:
        raise Http404
    if scan.application.applicant_id == getattr(actor, "pk", None):
        return scan, False
    if is_reviewer(actor) or school_checks_for(actor).filter(application_id=pk).exists():
        return scan, True
    raise Http404


def own_published_credentials(actor: object) -> QuerySet[Credential]:
    """The published credentials bound to the actor's archive (what an applicant may choose)."""
    bound = Binding.objects.filter(user_id=getattr(actor, "pk", 0) or 0, credential__isnull=False)
    return Credential.objects.filter(pk__in=bound.values("credential_id"), state="published")
