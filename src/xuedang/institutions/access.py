"""Who may touch which institution: the one place staff scope is decided.

A centre membership covers every institution; a province membership covers the
institutions of that province; an institution membership covers that institution. Roles
are separate duties (第二十四条): a registrar may not approve, an approver may not register.
Every scoped query in the project narrows through `institution_scope` or one of the
`access_*` doors built on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.http import Http404

from xuedang.institutions.models import Institution, Membership, Role, Scope


def memberships(actor: object, roles: Iterable[str] | None = None) -> QuerySet[Membership]:
    """The actor's active memberships, optionally only those with one of `roles`."""
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return Membership.objects.none()
    qs = Membership.objects.filter(user=cast(Any, actor), active=True)  # an authenticated account
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return qs


def is_staff_member(actor: object) -> bool:
    return memberships(actor).exists()


def is_centre(actor: object, roles: Iterable[str] | None = None) -> bool:
    return memberships(actor, roles).filter(scope=Scope.CENTRE).exists()


def institution_scope(actor: object, roles: Iterable[str] | None = None, *, prefix: str = "") -> Q:
    """A filter on institutions (or on rows with an `institution` relation, via `prefix`)
    that the actor may act on with one of `roles`. Empty scope matches nothing."""
    grants = list(memberships(actor, roles).values_list("scope", "province_code", "institution_id"))
    if any(scope == Scope.CENTRE for scope, _, _ in grants):
        return Q()
    provinces = {province for scope, province, _ in grants if scope == Scope.PROVINCE}
    schools = {school for scope, _, school in grants if scope == Scope.INSTITUTION}
    field = f"{prefix}__" if prefix else ""
    condition = Q(**{f"{field}pk__in": []})
    if provinces:
        condition |= Q(**{f"{field}province_code__in": provinces})
    if schools:
        condition |= Q(**{f"{field}pk__in": schools})
    return condition


def institutions_for(actor: object, roles: Iterable[str] | None = None) -> QuerySet[Institution]:
    return Institution.objects.filter(institution_scope(actor, roles))


def access_institution(actor: object, code: str, *, roles: Iterable[str] | None = None) -> Institution:
    """The institution with 院校代码 `code` if the actor may act on it; 404 otherwise."""
    institution = institutions_for(actor, roles).filter(code=code).first()
    if institution is None:
        raise Http404
    return institution


def self_study_provinces(actor: object, roles: Iterable[str] | None = None) -> set[str] | None:
    """The provinces whose 自考 credentials the actor may act on with one of `roles`: None for
    all of them (the national 自考办), an empty set for none. Centre staff oversee 自考 too."""
    grants = list(memberships(actor, roles).filter(scope__in=[Scope.CENTRE, Scope.SELF_STUDY]))
    if any(grant.scope == Scope.CENTRE or not grant.province_code for grant in grants):
        return None
    return {grant.province_code for grant in grants}


def self_study_scope(actor: object, roles: Iterable[str] | None = None, *, field: str = "province_code") -> Q:
    """A filter on rows with a 自考 province (`field`) that the actor may act on; empty scope matches nothing."""
    provinces = self_study_provinces(actor, roles)
    if provinces is None:
        return Q()
    return Q(**{f"{field}__in": sorted(provinces)}) if provinces else Q(pk__in=[])


REGISTERING = (Role.REGISTRAR,)
APPROVING = (Role.APPROVER,)
READING = (Role.REGISTRAR, Role.APPROVER, Role.AUDITOR, Role.USER_ADMIN)


# --- Who administers whose staff (issue 13 item 2) -----------------------------------------------
# Centre user administrators appoint centre and province staff; a province's user administrators
# appoint the staff of that province's institutions; an institution's user administrators appoint
# its registrars, approvers and auditors (not further user administrators: that is the province's).
INSTITUTION_ADMIN_GRANTS = (Role.REGISTRAR, Role.APPROVER, Role.AUDITOR)


def administers(
    actor: object, *, scope: str, role: str, province_code: str = "", institution_id: int | None = None
) -> bool:
    """Whether the actor, as a user administrator, may give or take `role` in this scope."""
    admin = memberships(actor, (Role.USER_ADMIN,))
    if scope in (Scope.CENTRE, Scope.PROVINCE, Scope.SELF_STUDY):
        return admin.filter(scope=Scope.CENTRE).exists()
    if scope != Scope.INSTITUTION or institution_id is None:
        return False
    school = Institution.objects.filter(pk=institution_id).values_list("province_code", flat=True).first()
    if school is not None and admin.filter(scope=Scope.PROVINCE, province_code=school).exists():
        return True
    return (
        role in INSTITUTION_ADMIN_GRANTS
        and admin.filter(scope=Scope.INSTITUTION, institution_id=institution_id).exists()
    )


def administers_user(actor: object, user: object) -> bool:
    """Whether the actor administers at least one of `user`'s roles (staff pages, two-factor reset)."""
    held = Membership.objects.filter(user=cast(Any, user)).values_list(
        "scope", "role", "province_code", "institution_id"
    )
    return any(
        administers(actor, scope=scope, role=role, province_code=province, institution_id=school)
        for scope, role, province, school in held
    )


def administered_memberships(actor: object) -> QuerySet[Membership]:
    """The memberships (active, waiting or ended) in the scopes the actor administers as a user administrator."""
    condition = Q(pk__in=[])
    for scope, province, school in memberships(actor, (Role.USER_ADMIN,)).values_list(
        "scope", "province_code", "institution_id"
    ):
        if scope == Scope.CENTRE:
            condition |= Q(scope__in=[Scope.CENTRE, Scope.PROVINCE, Scope.SELF_STUDY])
        elif scope == Scope.PROVINCE:
            condition |= Q(scope=Scope.INSTITUTION, institution__province_code=province)
        else:
            condition |= Q(scope=Scope.INSTITUTION, institution_id=school, role__in=INSTITUTION_ADMIN_GRANTS)
    return Membership.objects.filter(condition)


def is_user_admin(actor: object) -> bool:
    return memberships(actor, (Role.USER_ADMIN,)).exists()
