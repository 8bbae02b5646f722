"""The 自考办's pages (decision 0029): the province's 自考 graduates, their file, photo,
publication and corrections. Thin: each view parses, calls one service or selector, renders."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.certification import authentication, report, services
from xuedang.certification.access import (
    access_back_registration_batch,
    access_own_application,
    access_scan,
    access_school_check,
    access_self_study_credential,
    back_registration_batches_for,
    may_decide_back_registration,
    may_register,
    own_published_credentials,
    registering_provinces,
    reviewer_view,
    school_checks_for,
    self_study_credentials_for,
    self_study_view,
)
from xuedang.certification.forms import (
    ApplicationForm,
    BackRegistrationDecisionForm,
    BackRegistrationFileForm,
    PhotoForm,
    ReviewForm,
    SchoolAnswerForm,
    SelfStudyCorrectionForm,
    SelfStudyFileForm,
)
from xuedang.certification.models import OPEN_STATES, AuthenticationApplication, PaymentState
from xuedang.certification.payments import (
    WECHAT_FAIL,
    WECHAT_OK,
    AlipayPayments,
    PaymentUnavailable,
    WechatPayments,
    payment_backend,
)
from xuedang.core.masking import mask_document
from xuedang.core.middleware import coarse_origin
from xuedang.institutions.access import APPROVING, READING, REGISTERING, institutions_for
from xuedang.institutions.selectors import institution_by_code
from xuedang.registry import selectors as registry_selectors
from xuedang.registry import services as registry
from xuedang.registry.access import staff_view
from xuedang.registry.models import CredentialState
from xuedang.reports.limits import over_rate

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


# --- 学历认证: the applicant follows every step ------------------------------------------------


@login_required
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The applicant's progress page: state, payment, deadline, each step, a refusal's reasons."""
    application = access_own_application(request.user, pk)
    context = {"application": application, "steps": application.steps.all()}
    return render(request, "certification/application_detail.html", context)


@login_required
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The applicant's own applications, newest first."""
    applications = AuthenticationApplication.objects.filter(applicant=request.user).select_related("institution")
    return render(request, "certification/application_list.html", {"applications": applications})


@login_required
def application_apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    """申请学历认证: choose a credential of one's archive or describe it; scans; languages."""
    form = ApplicationForm(
        request.POST or None, request.FILES or None, credentials=own_published_credentials(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        code = data["institution_code"]
        try:
            application = authentication.application_submit(
                applicant=request.user,
                scans={kind: data[kind].read(authentication.SCAN_MAX_BYTES + 1) for kind in ("certificate", "id_card")},
                report_zh=data["report_zh"],
                report_en=data["report_en"],
                credential=data["credential"],
                institution=institution_by_code(code) if code else None,
                certificate_number=data["certificate_number"],
                graduation_year=data["graduation_year"],
                level=data["level"],
                major_name=data["major_name"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "申请已提交 / application submitted")
            return redirect("certification:application_detail", pk=application.pk)
    return render(request, "certification/application_apply.html", {"form": form}, status=400 if form.errors else 200)


@reviewer_view
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The centre's queue: open applications, the nearest deadline first."""
    qs = AuthenticationApplication.objects.filter(state__in=OPEN_STATES).select_related("institution")
    page = Paginator(qs.order_by("decision_due", "submitted_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certification/review_list.html", {"page": page})


@reviewer_view
def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One application for the centre's reviewer: accept, ask the school, decide."""
    application = AuthenticationApplication.objects.filter(pk=pk).select_related("institution", "credential").first()
    if application is None:
        raise Http404
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        try:
            if action == "accept":
                authentication.application_accept(actor=request.user, application=application)
            elif action == "ask_school":
                authentication.school_check_request(actor=request.user, application=application)
            else:
                authentication.application_decide(
                    actor=request.user,
                    application=application,
                    approve=action == "approve",
                    reasons=form.cleaned_data["reasons"],
                )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已办理 / done")
            return redirect("certification:review_detail", pk=application.pk)
    context = {
        "application": application,
        "form": form,
        "steps": application.steps.all(),
        "checks": application.checks.all(),
    }
    return render(request, "certification/review_detail.html", context, status=400 if form.errors else 200)


@staff_view(REGISTERING + APPROVING)
def check_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The school's queue of 学历认证 checks, unanswered first."""
    checks = school_checks_for(request.user).select_related("application", "institution").order_by("answer", "deadline")
    page = Paginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certification/check_list.html", {"page": page})


@staff_view(REGISTERING + APPROVING)
def check_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One check: what the applicant described; the school confirms or denies with its evidence."""
    check = access_school_check(request.user, pk)
    form = SchoolAnswerForm(request.POST or None) if not check.answer else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                authentication.school_check_answer(
                    actor=request.user,
                    check=check,
                    confirm=form.cleaned_data["answer"] == "confirm",
                    evidence=form.cleaned_data["evidence"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "已答复 / answered")
                return redirect("certification:check_detail", pk=check.pk)
    status = 400 if form is not None and form.errors else 200
    return render(request, "certification/check_detail.html", {"check": check, "form": form}, status=status)


@login_required
def application_report(request: AuthenticatedHttpRequest, pk: int, lang: str) -> HttpResponse:
    """The applicant downloads the signed 认证报告 in a language they chose."""
    application = access_own_application(request.user, pk)
    chosen = {"zh": application.report_zh, "en": application.report_en}
    if not application.report_number or not chosen.get(lang):
        raise Http404
    pdf = report.authentication_report_pdf(application, lang)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="authentication-{application.report_number}-{lang}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def application_scan(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """One scan of an application (never a public URL): the applicant, the centre's reviewers, the
    school asked to check; a staff member's sight is written in the applicant's access log."""
    scan, by_staff = access_scan(request.user, pk, kind)
    if by_staff:
        authentication.scan_staff_view_log(actor=request.user, scan=scan, origin=coarse_origin(request))
    response = HttpResponse(bytes(scan.image), content_type=scan.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def application_pay(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The applicant goes to the payment provider's page for a fee still waiting to be paid."""
    application = access_own_application(request.user, pk)
    backend = payment_backend()
    if application.payment_state != PaymentState.PENDING:
        return redirect("certification:application_detail", pk=application.pk)
    order, fee, subject = application.payment_reference, application.fee, authentication.PAYMENT_SUBJECT
    if isinstance(backend, AlipayPayments):
        return redirect(backend.pay_url(out_trade_no=order, amount=fee, subject=subject))
    if isinstance(backend, WechatPayments):
        try:
            url = backend.pay_url(
                out_trade_no=order, amount=fee, subject=subject, client_ip=request.META.get("REMOTE_ADDR", "")
            )
        except PaymentUnavailable as error:
            messages.error(request, str(error))
            return redirect("certification:application_detail", pk=application.pk)
        return redirect(url)
    return redirect("certification:application_detail", pk=application.pk)


@csrf_exempt
@require_POST
def alipay_notify(request: HttpRequest) -> HttpResponse:
    """Alipay's asynchronous notification: believed only with a valid RSA2 signature of Alipay."""
    backend = payment_backend()
    if not isinstance(backend, AlipayPayments):
        raise Http404
    params = request.POST.dict()
    reference, amount = backend.paid_reference(params), params.get("total_amount", "")
    if reference and (
        authentication.payment_settle(reference=reference, amount=amount) is not None
        or authentication.payment_is_settled(reference=reference, amount=amount)  # Alipay repeats until "success"
    ):
        return HttpResponse("success", content_type="text/plain")
    return HttpResponse("fail", content_type="text/plain", status=400)


@csrf_exempt
@require_POST
def wechat_notify(request: HttpRequest) -> HttpResponse:
    """WeChat Pay's payment result (XML): believed only with a valid signature for this merchant;
    answered SUCCESS once settled, so WeChat Pay stops repeating it."""
    backend = payment_backend()
    if not isinstance(backend, WechatPayments):
        raise Http404
    reference, amount = backend.paid(request.body)
    settled = bool(reference) and (
        authentication.payment_settle(reference=reference, amount=amount) is not None
        or authentication.payment_is_settled(reference=reference, amount=amount)
    )
    if settled:
        return HttpResponse(WECHAT_OK, content_type="text/xml")
    return HttpResponse(WECHAT_FAIL, content_type="text/xml", status=400)


def verify(request: HttpRequest) -> HttpResponse:
    """Public verification of a 认证报告 by report number + certificate number (logged for the applicant)."""
    answer, application = "", None
    if request.method == "POST" and over_rate(request, "certification-verify", settings.REPORTS_LOOKUP_RATE):
        answer = "limited"  # report numbers cannot be tried by the thousand (decision 0018)
    elif request.method == "POST":
        answer, application = report.authentication_verify(
            report_number=request.POST.get("report_number", ""),
            certificate_number=request.POST.get("certificate_number", ""),
            origin=coarse_origin(request),
        )
    context = {"answer": answer, "application": application}
    response = render(request, "certification/verify.html", context, status=429 if answer == "limited" else 200)
    response["Cache-Control"] = "no-store"
    return response
