from __future__ import annotations

from datetime import date

from django.db.models import Q

from xuedang.core import codetables
from xuedang.institutions.access import memberships
from xuedang.institutions.models import FormerName, Institution, President, Scope


def president_on(*, institution: Institution, on: date) -> str:
    """The president in office on `on` ("" when the registry does not know)."""
    president = (
        President.objects.filter(institution=institution, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .order_by("-start_date")
        .first()
    )
    return president.name if president else ""


def institution_name_on(*, institution: Institution, on: date) -> str:
    """The institution's name in force on `on`: the first former name still in force then, or
    today's name (更名、合并 with their effective dates)."""
    former = FormerName.objects.filter(institution=institution, until__gte=on).order_by("until").first()
    return former.name if former else institution.name


def institution_by_code(code: str) -> Institution | None:
    return Institution.objects.filter(code=code).first()


def staff_label(actor: object) -> str:
    """Who looked, as the student should read it: the organisation, not the person."""
    labels = []
    for membership in memberships(actor).select_related("institution"):
        if membership.scope == Scope.CENTRE:
            labels.append("全国学籍学历中心 / national centre")
        elif membership.scope == Scope.PROVINCE:
            province = codetables.code_label("province", membership.province_code)
            labels.append(f"{province}教育行政部门 / provincial education authority")
        elif membership.scope == Scope.SELF_STUDY:
            province = codetables.code_label("province", membership.province_code) if membership.province_code else ""
            labels.append(f"{province or '全国'}自考办 / self-study examinations office")
        else:
            assert membership.institution is not None  # the third scope: one institution
            labels.append(membership.institution.name)
    return "；".join(dict.fromkeys(labels)) or "工作人员 / staff"
