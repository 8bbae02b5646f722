"""The 自考办's pages (decision 0029): the province's 自考 graduates, their file, photo,
publication and corrections. Thin: each view parses, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.certification import services
from xuedang.certification.access import (
    access_back_registration_batch,
    access_self_study_credential,
    back_registration_batches_for,
    may_decide_back_registration,
    may_register,
    registering_provinces,
    self_study_credentials_for,
    self_study_view,
)
from xuedang.certification.forms import (
    BackRegistrationDecisionForm,
    BackRegistrationFileForm,
    PhotoForm,
    SelfStudyCorrectionForm,
    SelfStudyFileForm,
)
from xuedang.core.masking import mask_document
from xuedang.institutions.access import APPROVING, READING, REGISTERING, institutions_for
from xuedang.registry import selectors as registry_selectors
from xuedang.registry import services as registry
from xuedang.registry.access import staff_view
from xuedang.registry.models import CredentialState

PAGE_SIZE = 50


@self_study_view()
def self_study_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """自考学历 of the office's province(s); the province's registrars upload a file here."""
    provinces = registering_provinces(request.user, REGISTERING)
    form = SelfStudyFileForm(request.POST or None, request.FILES or None, provinces=provinces) if provinces else None
    problems: list[registry.RowProblem] = []
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                created = services.self_study_file_register(
                    actor=request.user,
                    province_code=form.cleaned_data["province_code"],
                    upload=upload,
                    filename=upload.name,
                )
            except registry.SelfStudyRejected as rejected:
                problems = rejected.problems
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"已注册 {len(created)} 条自考学历 / {len(created)} credentials registered")
                return redirect("certification:self_study_list")
    qs = self_study_credentials_for(request.user).select_related("institution").order_by("-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if problems or (form is not None and form.errors) else 200
    return render(
        request, "certification/self_study_list.html", {"page": page, "form": form, "problems": problems}, status=status
    )


@self_study_view()
def self_study_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(services.template_csv(registry.SELF_STUDY_COLUMNS), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="self-study-template.csv"'
    return response


@self_study_view()
def self_study_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One 自考 credential: photo and publication (registrar), correction after publication (approver)."""
    credential = access_self_study_credential(request.user, pk)
    registers = may_register(request.user, credential, REGISTERING)
    approves = may_register(request.user, credential, APPROVING)
    photo_form = PhotoForm() if registers and credential.state == CredentialState.DRAFT else None
    correction_form = SelfStudyCorrectionForm() if approves and credential.state == CredentialState.PUBLISHED else None
    context = {
        "credential": credential,
        "document": mask_document(credential.document_number),
        "lacks": registry_selectors.credential_lacks(credential) if credential.state == CredentialState.DRAFT else [],
        "photo_form": photo_form,
        "correction_form": correction_form,
        "may_publish": registers and credential.state == CredentialState.DRAFT,
    }
    return render(request, "certification/self_study_detail.html", context)


def _retry(request: AuthenticatedHttpRequest, pk: int, error: ValidationError) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    return redirect("certification:self_study_detail", pk=pk)


@self_study_view(REGISTERING)
def self_study_photo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    credential = access_self_study_credential(request.user, pk, roles=REGISTERING)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not may_register(request.user, credential, REGISTERING) or not form.is_valid():
        return redirect("certification:self_study_detail", pk=pk)
    try:
        registry.self_study_photo_register(
            actor=request.user,
            credential=credential,
            image=form.cleaned_data["image"].read(registry.PHOTO_MAX_BYTES + 1),
        )
    except ValidationError as error:
        return _retry(request, pk, error)
    messages.success(request, "照片已登记 / photo registered")
    return redirect("certification:self_study_detail", pk=pk)


@self_study_view(REGISTERING)
def self_study_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    credential = access_self_study_credential(request.user, pk, roles=REGISTERING)
    if request.method != "POST" or not may_register(request.user, credential, REGISTERING):
        return redirect("certification:self_study_detail", pk=pk)
    try:
        registry.self_study_credential_publish(actor=request.user, credential=credential)
    except ValidationError as error:
        return _retry(request, pk, error)
    messages.success(request, "已发布 / published")
    return redirect("certification:self_study_detail", pk=pk)


@self_study_view(APPROVING)
def self_study_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    credential = access_self_study_credential(request.user, pk, roles=APPROVING)
    form = SelfStudyCorrectionForm(request.POST or None)
    if request.method != "POST" or not may_register(request.user, credential, APPROVING) or not form.is_valid():
        return redirect("certification:self_study_detail", pk=pk)
    try:
        registry.self_study_credential_correct(
            actor=request.user,
            credential=credential,
            changes={form.cleaned_data["field"]: form.cleaned_data["value"]},
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        return _retry(request, pk, error)
    messages.success(request, "已更正 / corrected")
    return redirect("certification:self_study_detail", pk=pk)


# --- 补录 (1991–2001) ------------------------------------------------------------------------


@staff_view(READING)
def back_registration_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """补录批次 of the schools in scope; the schools' registrars submit a file here."""
    institutions = institutions_for(request.user, REGISTERING).order_by("code")
    form = BackRegistrationFileForm(request.POST or None, request.FILES or None, institutions=institutions)
    problems: list[registry.RowProblem] = []
    if request.method == "POST":
        if not institutions.exists():
            raise Http404
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.back_registration_file_submit(
                    actor=request.user,
                    institution=form.cleaned_data["institution"],
                    upload=upload,
                    filename=upload.name,
                )
            except registry.BackRegistrationRejected as rejected:
                problems = rejected.problems
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request, f"已提交 {batch.rows} 条，待省级审核 / {batch.rows} records sent to the province"
                )
                return redirect("certification:back_registration_detail", pk=batch.pk)
    page = Paginator(back_registration_batches_for(request.user).select_related("institution"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "form": form if institutions.exists() else None, "problems": problems}
    status = 400 if problems or form.errors else 200
    return render(request, "certification/back_registration_list.html", context, status=status)


@staff_view(READING)
def back_registration_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(
        services.template_csv(registry.BACK_REGISTRATION_COLUMNS), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="back-registration-template.csv"'
    return response


@staff_view(READING)
def back_registration_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One 补录 batch and its records; the school's province approves or refuses it here."""
    batch = access_back_registration_batch(request.user, pk)
    may_decide = may_decide_back_registration(request.user, batch)
    form = BackRegistrationDecisionForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                registry.back_registration_decide(
                    actor=request.user,
                    batch=batch,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "已处理 / decided")
                return redirect("certification:back_registration_detail", pk=batch.pk)
    rows = [(c, mask_document(c.document_number) if c.document_number else "") for c in batch.credentials.all()[:500]]
    context = {"batch": batch, "rows": rows, "form": form}
    return render(
        request, "certification/back_registration_detail.html", context, status=400 if form and form.errors else 200
    )
