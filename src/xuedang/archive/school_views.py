"""The school's and province's side of the archive: photo disputes (图像校对), corrections
(纠错) and, for the centre, former identities. Registrars see their school's queue; approvers
the requests forwarded to their province; every door gives the same 404 outside scope."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.archive import selectors, services
from xuedang.archive.access import (
    access_former_identity,
    access_photo_dispute,
    access_school_correction,
    staff_queue_view,
)
from xuedang.archive.display import credential_fields, enrollment_fields
from xuedang.archive.forms import FormerIdentityDecisionForm, PhotoResolveForm, ProvinceDecisionForm, SchoolReviewForm
from xuedang.archive.models import CorrectionState
from xuedang.core.masking import mask_document
from xuedang.core.middleware import coarse_origin
from xuedang.institutions.access import APPROVING, REGISTERING, institution_scope, is_centre
from xuedang.institutions.models import Institution
from xuedang.registry.models import Credential
from xuedang.registry.services import PHOTO_MAX_BYTES, access_event_staff_view

PAGE_SIZE = 50


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _may(actor: object, roles: tuple, institution_id: int) -> bool:
    return Institution.objects.filter(institution_scope(actor, roles), pk=institution_id).exists()


@staff_queue_view
def photo_disputes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open disputes of graduation photos at the registrar's school."""
    page = Paginator(selectors.photo_disputes_for(actor=request.user).order_by("created_at"), PAGE_SIZE)
    return render(request, "archive/school/photo_disputes.html", {"page": page.get_page(request.GET.get("page"))})


@staff_queue_view
def photo_dispute_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    check = access_photo_dispute(request.user, pk)
    form = PhotoResolveForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["new_photo"]
        try:
            services.photo_check_resolve(
                actor=request.user,
                check=check,
                resolution=form.cleaned_data["resolution"],
                new_photo=upload.read(PHOTO_MAX_BYTES + 1) if upload else None,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已处理并通知学生 / answered; the student has been notified")
            return redirect("archive_school:photo_disputes")
    access_event_staff_view(
        actor=request.user, record=check.enrollment, seen="图像校对照片 / photo dispute", origin=coarse_origin(request)
    )
    return _private(
        render(
            request,
            "archive/school/photo_dispute_detail.html",
            {"check": check, "form": form},
            status=400 if form.errors else 200,
        )
    )


@staff_queue_view
def photo_dispute_image(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    check = access_photo_dispute(request.user, pk)
    return _private(HttpResponse(bytes(check.photo.image), content_type=check.photo.content_type))


@staff_queue_view
def corrections(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Correction requests waiting for this officer: the school's, then those with the province."""
    state = request.GET.get("state", "")
    state = state if state in CorrectionState.values else ""
    qs = selectors.corrections_for(actor=request.user, state=state).order_by("created_at")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "archive/school/corrections.html", {"page": page, "state": state, "states": CorrectionState.choices}
    )


@staff_queue_view
def correction_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One request: the record, the proposed value, the evidence; the officer's decision."""
    correction = access_school_correction(request.user, pk)
    school = correction.state == CorrectionState.SCHOOL and _may(request.user, REGISTERING, correction.institution_id)
    province = correction.state == CorrectionState.PROVINCE and _may(request.user, APPROVING, correction.institution_id)
    form_class = SchoolReviewForm if school else ProvinceDecisionForm
    form = form_class(request.POST or None) if (school or province) else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            _decide(request, correction, form.cleaned_data, school=school)
            return redirect("archive_school:correction_detail", pk=correction.pk)
    record = correction.record
    access_event_staff_view(
        actor=request.user, record=record, seen=f"纠错申请 #{correction.pk} / correction", origin=coarse_origin(request)
    )
    fields = credential_fields(record) if isinstance(record, Credential) else enrollment_fields(record)
    masked = [
        (label, mask_document(record.document_number) if label.startswith("证件") else value) for label, value in fields
    ]
    return _private(
        render(
            request,
            "archive/school/correction_detail.html",
            {
                "correction": correction,
                "fields": masked,
                "form": form,
                "steps": correction.steps.all(),
                "needs_province": services.correction_needs_province(correction),
            },
        )
    )


def _decide(request: HttpRequest, correction, data: dict, *, school: bool) -> None:
    """Apply the officer's decision; a refusal by the rules (or a colleague who was faster) is shown."""
    try:
        if school:
            services.correction_school_review(
                actor=request.user, correction=correction, decision=data["decision"], note=data["note"]
            )
        else:
            services.correction_province_decide(
                actor=request.user, correction=correction, approve=data["decision"] == "approve", note=data["note"]
            )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return
    messages.success(request, "已处理并通知学生 / decided; the student has been notified")


@staff_queue_view
def correction_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    correction = access_school_correction(request.user, pk)
    response = HttpResponse(bytes(correction.evidence), content_type=correction.evidence_type)
    extension = "pdf" if correction.evidence_type == "application/pdf" else "jpg"
    response["Content-Disposition"] = f'inline; filename="evidence-{correction.pk}.{extension}"'
    return _private(response)


def _centre_approver(request: HttpRequest) -> None:
    if not is_centre(request.user, APPROVING):
        raise Http404


@staff_queue_view
def former_identities(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Former names and IDs waiting for the centre's approval."""
    _centre_approver(request)
    return render(
        request,
        "archive/school/former_identities.html",
        {"items": selectors.former_identities_pending().order_by("created_at")[:200]},
    )


@staff_queue_view
def former_identity_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    former = access_former_identity(request.user, pk)
    form = FormerIdentityDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.former_identity_decide(
                actor=request.user,
                former=former,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已处理 / decided")
            return redirect("archive_school:former_identities")
    return _private(render(request, "archive/school/former_identity_detail.html", {"former": former, "form": form}))


@staff_queue_view
def former_identity_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    former = access_former_identity(request.user, pk)
    return _private(HttpResponse(bytes(former.evidence), content_type=former.evidence_type))
