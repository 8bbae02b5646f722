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

from xuedang.institutions.access import (
    APPROVING,
    READING,
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
