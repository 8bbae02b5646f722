import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.core.spreadsheets import write_csv, write_xlsx
from xuedang.imports import services
from xuedang.imports.access import access_import_job, jobs_for, upload_institutions
from xuedang.imports.files import job_file
from xuedang.imports.forms import UploadForm
from xuedang.imports.kinds import KINDS
from xuedang.imports.selectors import job_progress

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _registrar_institutions(request: HttpRequest):
    institutions = upload_institutions(request.user)
    if not institutions.exists():
        raise Http404
    return institutions


@login_required
def import_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    institutions = _registrar_institutions(request)
    form = UploadForm(request.POST or None, request.FILES or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            with transaction.atomic():
                job = services.import_job_create(
                    actor=request.user,
                    institution=form.cleaned_data["institution"],
                    kind=form.cleaned_data["kind"],
                    upload=upload,
                    filename=upload.name,
                )
        except ValidationError as error:  # 录取 from a school: they come from the province
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return redirect("imports:import_detail", pk=job.pk)
    jobs = jobs_for(request.user).select_related("institution")[:50]
    return render(request, "imports/import_list.html", {"form": form, "jobs": jobs, "kinds": KINDS.values()})


@login_required
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = access_import_job(request.user, pk)
    return render(request, "imports/import_detail.html", {"job": job, "progress": job_progress(job)})


@login_required
@require_GET
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    job = access_import_job(request.user, pk)
    progress = job_progress(job)
    return JsonResponse(
        {
            "state": job.state,
            "label": job.get_state_display(),
            "percent": progress.percent,
            "processed": progress.processed,
            "total": progress.total,
            "finished": job.finished_at is not None,
        }
    )


@login_required
@require_GET
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    job = access_import_job(request.user, pk)
    path = job_file(job, "errors.xlsx")
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"errors-{job.pk}.xlsx", content_type=XLSX)


@login_required
@require_GET
def import_template(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    _registrar_institutions(request)
    kind = KINDS.get(request.GET.get("kind", "enrollments"))
    if kind is None or fmt not in ("xlsx", "csv"):
        raise Http404
    header = [column.zh for column in kind.columns]
    example = [[column.example for column in kind.columns]]
    out = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(example, header=header, out=out, sheet_title=kind.title)
        content_type = XLSX
    else:
        write_csv(example, header=header, out=out)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind.key}-template.{fmt}"'
    return response
