"""Public verification (在线验证, 零散查询) and the student's reports page.

Verification pages are public. They keep the code out of what they can: the typed form is a
POST (no code in the URL), no page sends a Referer to another site, and nothing is cached. Only the QR link
carries the code in its path, as it must.
"""

from __future__ import annotations

import functools
from io import BytesIO
from typing import Any

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import engines
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods, require_POST

from xuedang.archive import selectors as archive
from xuedang.archive.access import access_student_credential, access_student_enrollment, archive_view
from xuedang.archive.session import bind_new_records
from xuedang.core.metrics import verification_count
from xuedang.core.middleware import coarse_origin
from xuedang.registry.models import ViewerKind
from xuedang.registry.services import access_event_record
from xuedang.reports import limits, selectors, services
from xuedang.reports.access import access_student_report
from xuedang.reports.content import report_content, report_photo, verify_url
from xuedang.reports.forms import (
    LookupCaptchaForm,
    LookupForm,
    MonthsForm,
    ReportCreateForm,
    VerifyCaptchaForm,
    VerifyForm,
)
from xuedang.reports.models import Report, ReportState

RATE_LIMITED = ("查询过于频繁，请稍后再试", "Too many attempts from your network; please wait a while and try again.")
PUBLIC_LABEL = "公开验证页面 / public verification page"


def _private(response: HttpResponse) -> HttpResponse:
    """Codes and personal data: never cached, never leaked to another site through the Referer."""
    if response.status_code == 429:
        response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # no-referrer would make form posts send Origin: null
    response["X-Robots-Tag"] = "noindex"
    return response


def _viewer(request: HttpRequest, default: str) -> str:
    user = request.user
    if user.is_authenticated:
        return f"{user.real_name or user.username}（登录用户 / signed-in user）"
    return default


@functools.cache
def _urls() -> dict[str, str]:
    return {
        "verify": reverse("verify:verify"),
        "lookup": reverse("verify:lookup"),
        "login": reverse("login"),
        "logout": reverse("logout"),
        "home": reverse("home"),
        "stylesheet": static("xuedang/base.css"),
    }


@functools.cache
def _blank_code_input() -> str:
    """The empty code field, rendered once per process (the widget renderer is the page's costliest tag)."""
    return str(VerifyForm()["code"])


def _verify_page(
    request: HttpRequest, form: VerifyForm | None, *, verification: Any = None, limited: bool = False, status: int = 200
) -> HttpResponse:
    """The page, with the code form, or without it (`form` None: the QR link's answer, which links
    to the form instead and so needs no CSRF token)."""
    context: dict[str, Any] = {"verification": verification, "limited": limited and RATE_LIMITED, "urls": _urls()}
    if form is not None:
        blank = not form.is_bound and not form.initial
        context.update(
            form=form,
            show_form=True,
            captcha="captcha" in form.fields,
            code_input=_blank_code_input() if blank else form["code"],
        )
    if verification is not None:
        context["message"] = verification.message
        context["status_class"] = "ok" if verification.status == selectors.Status.VALID else "error"
        if verification.shows_content:
            report = verification.report
            context.update(
                report=report,
                kind_label=report.get_kind_display(),
                valid_until=report.valid_until.isoformat(),
                fields=verification.fields,
                photo_url=reverse("verify:photo", args=[report.code]) if report.snapshot.get("photo_id") else "",
            )
    context.update(user=request.user, LANGUAGE_CODE=translation.get_language())
    return _private(HttpResponse(_verify_template().render(context, request), status=status))


def _verify_template() -> Any:
    """Jinja2, compiled once per process (reloaded when edited under DEBUG); given the request it
    offers `csrf_input`, computed only where the page shows a form (so the QR link's answer sets
    no CSRF cookie)."""
    return engines["jinja2"].get_template("reports/verify.jinja")


def _verify(request: HttpRequest, typed: str, form: VerifyForm | None, *, limited: bool) -> HttpResponse:
    if limited:
        verification_count("page", "rate_limited")
        return _verify_page(request, form, limited=True, status=429)
    verification = services.report_verify_logged(
        typed=typed, viewer_label=_viewer(request, PUBLIC_LABEL), origin=coarse_origin(request)
    )
    verification_count("page", verification.status)
    if verification.is_miss:
        limits.miss_record(request)
    return _verify_page(request, form, verification=verification)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The verification page: type a code (POST keeps it out of the URL)."""
    form_class = VerifyCaptchaForm if limits.captcha_required(request) else VerifyForm
    if request.method == "GET":
        return _verify_page(request, form_class())
    form = form_class(request.POST)
    if not form.is_valid():
        return _verify_page(request, form, status=400)
    return _verify(request, form.cleaned_data["code"], form_class(), limited=limits.verify_limited(request))


@require_http_methods(["GET"])
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """The QR link. After repeated misses from this network, the captcha comes first; the captcha
    gate and the per-IP count are one Redis round trip (limits.verify_gate)."""
    captcha, limited = limits.verify_gate(request)
    if captcha:
        return _verify_page(request, VerifyCaptchaForm(initial={"code": code[:64]}))
    return _verify(request, code, None, limited=limited)


@require_http_methods(["GET"])
def verify_photo(request: HttpRequest, code: str) -> HttpResponse:
    """The photo of a report as issued, only while the report itself may be shown."""
    if limits.captcha_required(request) or limits.verify_limited(request):
        raise Http404
    verification = selectors.report_verify(typed=code)
    image = report_photo(verification.report) if verification.shows_content else None
    if image is None:
        raise Http404
    return _private(HttpResponse(image, content_type="image/jpeg"))


def _lookup_page(request: HttpRequest, form: LookupForm, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    return _private(render(request, "reports/lookup.html", {"form": form, **context}, status=status))


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """零散查询: certificate number + name → the credential's basic fields."""
    form_class = LookupCaptchaForm if limits.captcha_required(request) else LookupForm
    if request.method == "GET":
        return _lookup_page(request, form_class())
    form = form_class(request.POST)
    if not form.is_valid():
        return _lookup_page(request, form, status=400)
    if limits.lookup_limited(request):
        return _lookup_page(request, form, limited=RATE_LIMITED, status=429)
    credential = selectors.credential_lookup(
        certificate_number=form.cleaned_data["certificate_number"], name=form.cleaned_data["name"]
    )
    if credential is None:
        limits.miss_record(request)
        return _lookup_page(request, form_class(), not_found=True)
    access_event_record(
        record=credential,
        viewer_kind=ViewerKind.PUBLIC_LOOKUP,
        viewer_label=_viewer(request, "零散查询 / public certificate lookup"),
        seen=f"学历基本信息 / basic credential fields {credential.certificate_number}",
        origin=coarse_origin(request),
    )
    return _lookup_page(request, form_class(), credential=credential, fields=selectors.lookup_fields(credential))


# --- The student's own reports ---------------------------------------------------------------------
def _record_choices(student: Any) -> list[tuple[str, str]]:
    choices = [
        (f"credential:{c.pk}", f"学历 / credential · {c.institution_name} · {c.major_name} · {c.certificate_number}")
        for c in archive.student_credentials(student=student)
    ]
    choices += [
        (f"enrollment:{e.pk}", f"学籍 / enrollment · {e.institution.name} · {e.major_name} · {e.entry_date:%Y}")
        for e in archive.student_enrollments(student=student)
    ]
    return choices


def _record(student: Any, choice: str) -> Any:
    kind, _, pk = choice.partition(":")
    door = access_student_credential if kind == "credential" else access_student_enrollment
    return door(student, int(pk))


def _reports_page(request: HttpRequest, form: ReportCreateForm, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    reports = list(selectors.student_reports(student=request.user))
    rows = [
        {
            "report": r,
            "verification": selectors.verification_of(r, today=today),
            "extendable": r.state == ReportState.ACTIVE and today >= services.extension_opens(r),
            "url": verify_url(r.code),
            # the validity as a bar (issue 19 item 8): days left of the days the report was made for
            "days_total": max((r.valid_until - timezone.localtime(r.created_at).date()).days, 1),
            "days_left": max((r.valid_until - today).days, 0),
        }
        for r in reports
    ]
    return _private(
        render(
            request, "reports/student_reports.html", {"form": form, "rows": rows, "months": range(1, 7)}, status=status
        )
    )


@archive_view
@require_http_methods(["GET", "POST"])
def student_reports(request: HttpRequest) -> HttpResponse:
    """在线验证报告: the student's reports, and a form to make one."""
    bind_new_records(request)
    choices = _record_choices(request.user)
    if request.method == "GET":
        return _reports_page(request, ReportCreateForm(records=choices))
    form = ReportCreateForm(request.POST, records=choices)
    if not form.is_valid():
        return _reports_page(request, form, status=400)
    try:
        report = services.report_create(
            student=request.user,
            record=_record(request.user, form.cleaned_data["record"]),
            lang=form.cleaned_data["lang"],
            months=form.cleaned_data["months"],
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _reports_page(request, form, status=400)
    messages.success(request, f"已生成报告，在线验证码 {report.code} / report created")
    return redirect("reports:student_reports")


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    report = access_student_report(request.user, pk)
    form = MonthsForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        months = form.cleaned_data["months"]
        if action == "extend":
            report = services.report_extend(student=request.user, report=report, months=months or report.months)
            messages.success(request, f"有效期已延至 {report.valid_until} / valid until {report.valid_until}")
        elif action == "close":
            services.report_close(student=request.user, report=report)
            messages.success(request, "报告已关闭，验证码即时失效 / the report is closed; its code no longer works")
        else:
            new = services.report_replace(student=request.user, report=report, months=months)
            messages.success(request, f"已更换验证码：{new.code} / new code issued; the old one no longer works")
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    return redirect("reports:student_reports")


@archive_view
@require_POST
def report_extend(request: HttpRequest, pk: int) -> HttpResponse:
    bind_new_records(request)
    return _act(request, pk, "extend")


@archive_view
@require_POST
def report_close(request: HttpRequest, pk: int) -> HttpResponse:
    bind_new_records(request)
    return _act(request, pk, "close")


@archive_view
@require_POST
def report_replace(request: HttpRequest, pk: int) -> HttpResponse:
    bind_new_records(request)
    return _act(request, pk, "replace")


def _pdf(request: HttpRequest, pk: int, disposition: str) -> HttpResponse:
    report = access_student_report(request.user, pk)
    if report.state != ReportState.ACTIVE:
        messages.error(request, "报告已关闭或已更换验证码，不能下载 / a closed or replaced report cannot be downloaded")
        return redirect("reports:student_reports")
    # Imported here: rendering and signing live in their own module with heavy dependencies.
    from xuedang.reports.pdf import render_report_pdf
    from xuedang.reports.signing import TimestampUnavailableError

    try:
        pdf = render_report_pdf(report_content(report))
    except TimestampUnavailableError:  # SIGNING_TSA_REQUIRED and the timestamp authority is down
        messages.error(
            request,
            "签名时间戳服务暂时不可用，报告未能生成，请稍后再试 / the signature timestamp service "
            "is unavailable, so the PDF could not be made; please try again in a few minutes",
        )
        return redirect("reports:student_reports")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'{disposition}; filename="xuedang-{report.kind}-{report.pk}.pdf"'
    return _private(response)


@archive_view
@require_http_methods(["GET"])
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    bind_new_records(request)
    return _pdf(request, pk, "attachment")


@archive_view
@require_http_methods(["GET"])
def report_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The same signed PDF, opened in the browser to print."""
    bind_new_records(request)
    return _pdf(request, pk, "inline")


@archive_view
@require_http_methods(["GET"])
def report_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The verification link as a QR code (SVG), for sharing from a phone."""
    bind_new_records(request)
    report: Report = access_student_report(request.user, pk)
    out = BytesIO()
    segno.make(verify_url(report.code), error="m").save(out, kind="svg", scale=6, border=2)
    return _private(HttpResponse(out.getvalue(), content_type="image/svg+xml"))
