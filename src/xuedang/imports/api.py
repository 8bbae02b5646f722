"""The API for schools' and provinces' own systems: submit registration files and follow
their import.

Authenticated by an API key (`Authorization: Bearer xd_…`). An institution's key acts only
for its own institution, any kind of file. A province's key sends 录取 (admissions) data —
which reach the registry from the province before the school registers anyone — for one
institution of that province at a time (`institution` field). Each key may make
`API_KEY_RATE` requests (default 120 a minute); more get 429 with Retry-After.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import HttpBearer

from xuedang.imports.models import ImportJob, ImportKind, ImportState
from xuedang.imports.parsing import MAX_BYTES
from xuedang.imports.selectors import job_progress
from xuedang.imports.services import import_job_create
from xuedang.institutions.models import ApiKey, Institution
from xuedang.institutions.services import api_key_check


class SystemKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = api_key_check(token)
        if key is None:
            return None
        if is_ratelimited(
            request,
            group="api-key",
            key=lambda _group, _request: key.prefix,
            rate=settings.API_KEY_RATE,
            increment=True,
        ):
            raise Ratelimited
        if key.last_used_at is None or timezone.now() - key.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return key


class SystemKeyRequest(HttpRequest):
    """A request SystemKey let through: ninja puts the key it returned on `request.auth`."""

    auth: ApiKey


router = Router(tags=["school and province systems"], auth=SystemKey())


class Problem(Schema):
    detail: str


class ImportIn(Schema):
    # Any text is accepted here and an unknown kind answered 400 with the list (the message the
    # schools' systems already handle); the enumeration documents the kinds.
    kind: str = Field(description="数据类型 / kind of file", json_schema_extra={"enum": list(ImportKind.values)})
    institution: str = Field("", description="院校代码，仅省级密钥需要 / institution code, provinces' keys only")


class JobOut(Schema):
    id: int
    institution: str
    kind: str = Field(json_schema_extra={"enum": list(ImportKind.values)})
    state: str = Field(json_schema_extra={"enum": list(ImportState.values)})
    state_label: str
    percent: int
    processed_rows: int
    total_rows: int
    inserted_rows: int
    skipped_rows: int
    error_count: int
    message: str
    errors: list[dict]


def _job_out(job: ImportJob) -> dict:
    progress = job_progress(job)
    return {
        "id": job.pk,
        "institution": job.institution.code,
        "kind": job.kind,
        "state": job.state,
        "state_label": job.get_state_display(),
        "percent": progress.percent,
        "processed_rows": progress.processed,
        "total_rows": progress.total,
        "inserted_rows": job.inserted_rows,
        "skipped_rows": job.skipped_rows,
        "error_count": job.error_count,
        "message": job.message,
        "errors": job.errors,
    }


@router.post("/imports", response={202: JobOut, 400: Problem}, summary="提交导入文件 / submit a file")
def import_submit(request: SystemKeyRequest, data: Form[ImportIn], file: File[UploadedFile]) -> Status:
    """`institution` (院校代码) is needed with a province's key, which may send admissions only."""
    key: ApiKey = request.auth
    kind, institution = data.kind, data.institution
    if kind not in ImportKind.values:
        detail = f"数据类型“{kind[:40]}”无效，可选：{'、'.join(ImportKind.values)} / unknown kind"
        return Status(400, {"detail": detail})
    target = key.institution if key.institution is not None else _province_target(key, kind, institution)
    if isinstance(target, str):
        return Status(400, {"detail": target})
    if file.size is None or file.size > MAX_BYTES or file.size == 0:
        limit = MAX_BYTES // 1024 // 1024
        return Status(400, {"detail": f"文件为空或超过 {limit} MB / the file is empty or larger than {limit} MB"})
    try:
        with transaction.atomic():
            job = import_job_create(
                actor=None,
                institution=target,
                kind=kind,
                upload=file,
                filename=f"api:{key.prefix}:{file.name}",
                api_key=key,
            )
    except ValidationError as error:  # a school's key sending 录取 (they come from the province)
        return Status(400, {"detail": " ".join(error.messages)})
    job.refresh_from_db()
    return Status(202, _job_out(job))


@router.get("/imports/{job_id}", response=JobOut, summary="导入进度与结果 / an import's progress and result")
def import_status(request: SystemKeyRequest, job_id: int) -> dict:
    key: ApiKey = request.auth
    jobs = ImportJob.objects.select_related("institution").filter(pk=job_id)
    jobs = jobs.filter(institution=key.institution) if key.institution_id else jobs.filter(api_key=key)
    job = jobs.first()
    if job is None:
        raise Http404
    return _job_out(job)


def _province_target(key: ApiKey, kind: str, code: str) -> Institution | str:
    """The institution a province's key sends admissions for, or the reason it may not."""
    if kind != ImportKind.ADMISSIONS:
        return "省级密钥只能提交录取数据（admissions）/ a province's key sends admission data only"
    institution = Institution.objects.filter(code=code, province_code=key.province_code).first()
    if institution is None:
        return f"院校代码“{code[:10]}”不是本省的高校 / institution {code[:10]!r} is not an institution of this province"
    return institution
