"""Public reference data: the Ministry's list of institutions."""

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from xuedang.institutions.models import Institution

router = Router(tags=["institutions"])


class InstitutionOut(Schema):
    school_id: str
    code: str
    name: str
    province_code: str
    authority: str
    city: str
    level: str
    remarks: str


@router.get("/{code}", response=InstitutionOut, summary="一所高校 / one institution")
def institution_detail(request: HttpRequest, code: str) -> Institution:
    institution = None if "\x00" in code else Institution.objects.filter(code=code, active=True).first()
    if institution is None:
        raise Http404
    return institution


@router.get("", response=list[InstitutionOut], summary="高校名单 / institutions")
def institution_list(request: HttpRequest, province: str = "", q: str = "") -> list[Institution]:
    if "\x00" in province + q:  # no name or code holds a NUL (and PostgreSQL refuses one in a query: a 500)
        return []
    qs = Institution.objects.filter(active=True)
    if province:
        qs = qs.filter(province_code=province)
    if q:
        qs = qs.filter(name__contains=q[:50])
    return list(qs[:200])
