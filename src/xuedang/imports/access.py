"""Doors to import jobs: a registrar sees the jobs of the institutions they register for."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from xuedang.imports.models import ImportJob
from xuedang.institutions.access import REGISTERING, institution_scope, memberships
from xuedang.institutions.models import ApiKey, Institution, Scope


def upload_institutions(actor: object) -> QuerySet[Institution]:
    """Institutions whose records the actor may register (registrars only; 第二十四条)."""
    return Institution.objects.filter(institution_scope(actor, REGISTERING)).order_by("code")


def jobs_for(actor: object) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(institution_scope(actor, REGISTERING, prefix="institution"))


def access_import_job(actor: object, pk: int) -> ImportJob:
    job = jobs_for(actor).select_related("institution").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


# 录取 comes from the province (issue 14 item 1, 第七条): only a province's admissions office —
# a registrar of the province (or the centre), or the province's system key — submits admission
# data, for the institutions of that province. Schools see reviewed admissions; they send none.
ADMISSIONS_FROM_PROVINCE = (
    "录取数据只能由生源省级招生考试机构提交，学校不能自行上传 / admission data come from the province's "
    "admissions office; an institution cannot upload them itself"
)


def admissions_submitter(actor: object, institution: Institution, api_key: ApiKey | None) -> bool:
    """Whether this actor (or system key) may submit 录取 for `institution`."""
    if api_key is not None:
        return api_key.institution_id is None and api_key.province_code == institution.province_code
    if not getattr(actor, "pk", None):
        return True  # the operator's management command (`import_file`), run on the server itself
    offices = memberships(actor, REGISTERING).filter(Q(scope=Scope.CENTRE) | Q(scope=Scope.PROVINCE))
    return offices.filter(Q(scope=Scope.CENTRE) | Q(province_code=institution.province_code)).exists()
