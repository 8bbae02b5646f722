"""The student's archive (学信档案) pages. Every page goes through `archive_view` and a door in
archive.access, so another person's record and a missing one give the same 404."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xuedang.accounts.access import student_page
from xuedang.accounts.forms import apply_errors
from xuedang.accounts.http import AuthenticatedHttpRequest, safe_next
from xuedang.accounts.notify import notifications_mark_read
from xuedang.archive import documents, selectors, services
from xuedang.archive.access import (
    access_student_admission,
    access_student_correction,
    access_student_credential,
    access_student_enrollment,
    access_student_photo,
    archive_view,
)
from xuedang.archive.display import (
    admission_fields,
    credential_fields,
    enrollment_events,
    enrollment_fields,
    history_rows,
    registered_under,
)
from xuedang.archive.forms import (
    BindCredentialForm,
    BindEnrollmentForm,
    ChallengeForm,
    CorrectionForm,
    FormerIdentityForm,
    PhotoCheckForm,
)
from xuedang.archive.session import bind_new_records
from xuedang.institutions.models import Institution
from xuedang.registry.models import Credential, Enrollment
from xuedang.registry.selectors import record_history


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@archive_view
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The archive's front page. Binding is refreshed here: one indexed lookup per kind by the
    account's identity digest (docs/decisions/0004-archive-binding.md)."""
    bind_new_records(request, every_visit=True)
    student = request.user
    return _no_store(
        render(
            request,
            "archive/home.html",
            {
                "enrollments": selectors.student_enrollments(student=student).order_by("-entry_date"),
                "credentials": selectors.student_credentials(student=student, published_only=False).order_by(
                    "-study_end"
                ),
                "admissions": selectors.student_admissions(student=student).order_by("-year"),
                "unbound": selectors.unbound_under_other_names(student=student),
                "photos": [row for row in selectors.photos_to_check(student=student) if row[2] is None],
                "unread": student.notifications.filter(read_at__isnull=True).count(),
                "formers": student.former_identities.all(),
            },
        )
    )


@archive_view
def enrollment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """学籍 — or 学籍档案 once the student has left — with the registration and change timeline."""
    bind_new_records(request)
    enrollment = access_student_enrollment(request.user, pk)
    return _no_store(
        render(
            request,
            "archive/enrollment_detail.html",
            {
                "enrollment": enrollment,
                "fields": enrollment_fields(enrollment),
                "timeline": enrollment_events(enrollment),
                "changes": enrollment.changes.all(),
                "notes": enrollment.notes.all(),
                "history": history_rows(record_history(target_type="registry.enrollment", target_id=enrollment.pk)),
                "registered_under": registered_under(request.user, enrollment),
                "corrections": selectors.student_corrections(student=request.user).filter(enrollment=enrollment),
            },
        )
    )


@archive_view
def credential_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """学历 — every field of 第十七条 with the photo."""
    bind_new_records(request)
    credential = access_student_credential(request.user, pk, published_only=False)
    return _no_store(
        render(
            request,
            "archive/credential_detail.html",
            {
                "credential": credential,
                "fields": credential_fields(credential),
                "history": history_rows(record_history(target_type="registry.credential", target_id=credential.pk)),
                "registered_under": registered_under(request.user, credential),
                "corrections": selectors.student_corrections(student=request.user).filter(credential=credential),
            },
        )
    )


@archive_view
def admission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    bind_new_records(request)
    admission = access_student_admission(request.user, pk)
    return _no_store(
        render(
            request,
            "archive/admission_detail.html",
            {
                "admission": admission,
                "fields": admission_fields(admission),
                "registered_under": registered_under(request.user, admission),
            },
        )
    )


@archive_view
def photo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The image itself, only to the student it belongs to; never cached by a shared proxy."""
    bind_new_records(request)
    picture = access_student_photo(request.user, pk)
    return _no_store(HttpResponse(bytes(picture.image), content_type=picture.content_type))


@archive_view
def photo_checks(request: AuthenticatedHttpRequest) -> HttpResponse:
    """图像校对 — the photo that will be registered with each coming credential."""
    bind_new_records(request)
    return _no_store(
        render(
            request,
            "archive/photos.html",
            {
                "rows": [
                    (enrollment, picture, check, PhotoCheckForm(prefix=f"p{picture.pk}"))
                    for enrollment, picture, check in selectors.photos_to_check(student=request.user)
                ]
            },
        )
    )


@require_POST
@archive_view
def photo_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    bind_new_records(request)
    picture = access_student_photo(request.user, pk)
    form = PhotoCheckForm(request.POST, prefix=f"p{picture.pk}")
    if form.is_valid():
        try:
            services.photo_check_answer(user=request.user, photo=picture, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, "已提交校对结果 / your answer has been recorded")
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))  # ErrorList yields str; its stubs say ValidationError too
    return redirect("archive:photos")


def _bind_page(request: HttpRequest, form_class: type, claim, title: str, template: str) -> HttpResponse:
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已绑定到您的档案 / bound to your archive")
            return redirect("archive:home")
    return render(
        request, template, {"form": form, "title": title, "left": selectors.bind_attempts_left(user=request.user)}
    )


@archive_view
def bind_credential(request: AuthenticatedHttpRequest) -> HttpResponse:
    """「我还有学历没显示出来」"""
    bind_new_records(request)
    return _bind_page(
        request,
        BindCredentialForm,
        services.binding_claim_credential,
        "我还有学历没显示出来 / a credential of mine is missing",
        "archive/bind.html",
    )


@archive_view
def bind_enrollment(request: AuthenticatedHttpRequest) -> HttpResponse:
    """「我还有学籍没显示出来」"""
    bind_new_records(request)
    return _bind_page(
        request,
        BindEnrollmentForm,
        services.binding_claim_enrollment,
        "我还有学籍没显示出来 / an enrollment of mine is missing",
        "archive/bind.html",
    )


@archive_view
def correction_new(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    """纠错 — flag a field, say what it should be and why, attach evidence."""
    bind_new_records(request)
    record: Credential | Enrollment
    if kind == "credential":
        record = access_student_credential(request.user, pk, published_only=False)
    else:
        record = access_student_enrollment(request.user, pk)
    form = CorrectionForm(
        request.POST or None, request.FILES or None, kind=kind, initial={"field": request.GET.get("field", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correction = services.correction_file(
                user=request.user,
                record=record,
                field=data["field"],
                new_value=data["new_value"],
                reason=data["reason"],
                evidence=data["evidence"].read(services.EVIDENCE_MAX_BYTES + 1),
                evidence_name=data["evidence"].name,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "纠错申请已提交 / your correction request has been filed")
            return redirect("archive:correction_detail", pk=correction.pk)
    return render(
        request,
        "archive/correction_new.html",
        {"form": form, "record": record, "kind": kind},
        status=400 if form.errors else 200,
    )


@archive_view
def correction_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    bind_new_records(request)
    return _no_store(
        render(
            request, "archive/corrections.html", {"corrections": selectors.student_corrections(student=request.user)}
        )
    )


@archive_view
def correction_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    bind_new_records(request)
    correction = access_student_correction(request.user, pk)
    return _no_store(
        render(request, "archive/correction_detail.html", {"correction": correction, "steps": correction.steps.all()})
    )


@archive_view
def access_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every access to the student's records by anyone else: when, who, what."""
    bind_new_records(request)
    return _no_store(
        render(request, "archive/access.html", {"events": selectors.access_events(student=request.user)[:500]})
    )


@archive_view
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    bind_new_records(request)
    items = list(request.user.notifications.all()[:200])
    notifications_mark_read(user=request.user)
    return _no_store(render(request, "archive/notifications.html", {"items": items}))


@archive_view
def export_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    """个人信息副本 — everything the registry holds about the student, as JSON (PIPL)."""
    bind_new_records(request)
    data = selectors.archive_export(student=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="xuedang-archive.json"'
    return _no_store(response)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _no_store(response)


@archive_view
def print_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    """学信档案打印版 — the records on A4 for an office that asks for them; ID numbers masked."""
    bind_new_records(request)
    return _pdf(documents.printable_archive_pdf(student=request.user), "xuedang-archive.pdf")


@archive_view
def export_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    """个人信息副本 — everything the registry holds about the student, as PDF (PIPL)."""
    bind_new_records(request)
    return _pdf(documents.personal_data_pdf(student=request.user), "xuedang-personal-data.pdf")


@archive_view
def former_identity(request: AuthenticatedHttpRequest) -> HttpResponse:
    """曾用名 / 原证件号码 — ask for records under an earlier identity to be recognised as yours."""
    bind_new_records(request)
    form = FormerIdentityForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.former_identity_request(
                user=request.user,
                name=data["name"],
                document_number=data["document_number"],
                reason=data["reason"],
                evidence=data["evidence"].read(services.EVIDENCE_MAX_BYTES + 1),
                evidence_name=data["evidence"].name,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已提交，等待审核 / submitted for review")
            return redirect("archive:home")
    return render(
        request,
        "archive/form.html",
        {"form": form, "multipart": True, "title": "曾用身份 / former name or ID"},
        status=400 if form.errors else 200,
    )


@student_page
def identity_challenge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """身份核验: which institution did you attend? Asked before the archive first opens (at
    /account/identity-challenge/, among the account pages; the question is the archive's)."""
    user = request.user
    if user.identity_checked_at:
        return render(
            request,
            "accounts/message.html",
            {"title": "身份已核验 / identity checked", "text": "您的身份已核验。/ Your identity has been checked."},
        )
    if not user.identity_digest:
        return redirect("accounts:appeal")
    challenge = services.challenge_get(user=user)
    if challenge is None:
        return render(request, "accounts/challenge.html", {"nothing": True})
    left = selectors.challenge_failures_left(user)
    if not left:
        return render(request, "accounts/challenge.html", {"exhausted": True})
    question = services.challenge_question(challenge)
    names = dict(Institution.objects.filter(code__in=question.schools).values_list("code", "name"))
    form = ChallengeForm(
        request.POST or None,
        schools=[(c, names.get(c, c)) for c in question.schools],
        majors=question.majors,
        years=question.years,
        number_kind=question.number_kind,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            right = services.challenge_answer(
                user=user,
                institution_code=data["institution"],
                major=data["major"],
                year=data["year"],
                number=data["number"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if right:
                messages.success(request, "核验通过 / identity checked")
                return redirect(safe_next(request))
            if not selectors.challenge_failures_left(user):
                return render(request, "accounts/challenge.html", {"exhausted": True})
            messages.error(request, "回答有误（不提示是哪一项）/ something is not right (we do not say which)")
            return redirect(request.get_full_path())  # the options in their new order
    return render(request, "accounts/challenge.html", {"form": form, "left": left}, status=400 if form.errors else 200)
