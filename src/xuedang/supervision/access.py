"""Who may see which dashboard: a province's staff see their province, the centre sees every
province; an institution's staff see their own institution's figures and lists. The same 404
for a province or institution that does not exist and for one out of scope."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase

from xuedang.core.codetables import code_choices
from xuedang.institutions.access import READING, access_institution, institutions_for, is_centre, memberships
from xuedang.institutions.models import Scope
from xuedang.supervision.selectors import HeadcountScope

View = Callable[..., HttpResponseBase]


def supervised_provinces(actor: object) -> set[str] | None:
    """The province codes the actor supervises; None means every province (the centre)."""
    if is_centre(actor, READING):
        return None
    grants = memberships(actor, READING).filter(scope=Scope.PROVINCE)
    return set(grants.values_list("province_code", flat=True))


def access_province(actor: object, code: str) -> str:
    provinces = supervised_provinces(actor)
    allowed = code in dict(code_choices("province")) if provinces is None else code in provinces
    if not allowed:
        raise Http404
    return code


def supervisor_view(*, centre_only: bool = False) -> Callable[[View], View]:
    """Signed in, and a province's or the centre's staff (the centre alone when `centre_only`)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            provinces = supervised_provinces(request.user)
            if provinces is not None and (centre_only or not provinces):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def headcount_scope(actor: object, raw: str) -> HeadcountScope:
    """The statistics scope asked for ("national", "province:11", "institution:10001"; "" for the
    actor's own widest one), if the actor may read it; the same 404 otherwise."""
    if not raw:
        provinces = supervised_provinces(actor)
        if provinces is None:
            raw = "national"
        elif provinces:
            raw = f"province:{min(provinces)}"
        else:
            school = institutions_for(actor, READING).order_by("code").first()
            raw = f"institution:{school.code}" if school else ""
    kind, _, code = raw.partition(":")
    if kind == "national" and supervised_provinces(actor) is None:
        return HeadcountScope(kind="national", code="", exact=False)
    if kind == "province":
        return HeadcountScope(kind="province", code=access_province(actor, code), exact=False)
    if kind == "institution":
        institution = access_institution(actor, code, roles=READING)
        own = memberships(actor, READING).filter(scope=Scope.INSTITUTION, institution=institution).exists()
        return HeadcountScope(kind="institution", code=institution.code, exact=own)
    raise Http404
