"""The API for schools' own systems: submit registration files and follow their import.

Authenticated by an institution's API key (`Authorization: Bearer xd_…`); a key acts only
for its own institution, and the jobs it submits are recorded against that institution.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import HttpBearer

from xuedang.imports.models import ImportJob, ImportKind
from xuedang.imports.parsing import MAX_BYTES
from xuedang.imports.selectors import job_progress
from xuedang.imports.services import import_job_create
from xuedang.institutions.models import ApiKey
from xuedang.institutions.services import api_key_check


class InstitutionKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = api_key_check(token)
        if key is not None and (key.last_used_at is None or timezone.now() - key.last_used_at > timedelta(minutes=1)):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return key


router = Router(tags=["school systems"], auth=InstitutionKey())


class Problem(Schema):
    detail: str


class JobOut(Schema):
    id: int
    institution: str
    kind: str
    state: str
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
    return {"id": job.pk, "institution": job.institution.code, "kind": job.kind, "state": job.state,
            "state_label": job.get_state_display(), "percent": progress.percent, "processed_rows": progress.processed,
            "total_rows": progress.total, "inserted_rows": job.inserted_rows, "skipped_rows": job.skipped_rows,
            "error_count": job.error_count, "message": job.message, "errors": job.errors}


@router.post("/imports", response={202: JobOut, 400: Problem}, summary="提交导入文件 / submit a file")
def import_submit(request: HttpRequest, kind: Form[str], file: File[UploadedFile]) -> Status:
    key: ApiKey = request.auth
    if kind not in ImportKind.values:
        detail = f"数据类型“{kind[:40]}”无效，可选：{'、'.join(ImportKind.values)} / unknown kind"
        return Status(400, {"detail": detail})
    if file.size > MAX_BYTES or file.size == 0:
        limit = MAX_BYTES // 1024 // 1024
        return Status(400, {"detail": f"文件为空或超过 {limit} MB / the file is empty or larger than {limit} MB"})
    with transaction.atomic():
        job = import_job_create(actor=None, institution=key.institution, kind=kind, upload=file,
                                filename=f"api:{key.prefix}:{file.name}")
    job.refresh_from_db()
    return Status(202, _job_out(job))


@router.get("/imports/{job_id}", response=JobOut, summary="导入进度与结果 / an import's progress and result")
def import_status(request: HttpRequest, job_id: int) -> dict:
    key: ApiKey = request.auth
    job = ImportJob.objects.select_related("institution").filter(pk=job_id, institution=key.institution).first()
    if job is None:
        raise Http404
    return _job_out(job)
