import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.core.codetables import code_choices
from xuedang.core.masking import mask_document
from xuedang.core.middleware import coarse_origin
from xuedang.core.spreadsheets import write_csv, write_xlsx
from xuedang.institutions import services as institution_services
from xuedang.institutions.access import APPROVING, REGISTERING, access_institution, institutions_for, is_centre
from xuedang.institutions.models import FormerName, Institution, President, Role
from xuedang.registry import selectors, services
from xuedang.registry.access import (
    access_admission,
    access_admission_batch,
    access_admission_correction,
    access_credential,
    access_enrollment,
    access_publication_job,
    access_revocation_request,
    access_transfer_request,
    access_waiver,
    admission_batches_for,
    admission_corrections_for,
    may_answer_as_sending,
    may_decide_as_province,
    may_decide_revocation,
    may_record_semester_start,
    may_supervise,
    may_withdraw,
    reviewed_admissions_for,
    staff_view,
    waivers_for,
)
from xuedang.registry.forms import (
    AdmissionConfirmForm,
    AdmissionCorrectionForm,
    AdmissionDeclineForm,
    AnnotationForm,
    AnnualRegistrationForm,
    CancelForm,
    ChangeForm,
    CorrectionForm,
    CredentialEditForm,
    CredentialForm,
    EnrollmentForm,
    InstitutionRenameForm,
    NoteForm,
    PhotoArchiveForm,
    PresidentForm,
    PublishForm,
    RevocationDecisionForm,
    RevocationForm,
    SemesterStartForm,
    TransferDecisionForm,
    TransferForm,
    WaiverForm,
)
from xuedang.registry.models import (
    AdmissionReview,
    AdmissionState,
    CredentialState,
    EnrollmentState,
    Level,
    TransferRequest,
    TransferState,
)

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> selectors.EnrollmentFilters:
    year = request.GET.get("entry_year", "")
    return selectors.EnrollmentFilters(
        q=request.GET.get("q", "").strip()[:100],
        major_code=request.GET.get("major_code", "").strip()[:10],
        entry_year=int(year) if year.isdigit() and len(year) == 4 else None,
        state=request.GET.get("state", "") if request.GET.get("state") in EnrollmentState.values else "",
        level=request.GET.get("level", "") if request.GET.get("level") in Level.values else "",
    )


@staff_view()
def enrollment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = _filters(request)
    params = request.GET.copy()
    params.pop("page", None)
    page = Paginator(selectors.enrollment_list(actor=request.user, filters=filters), PAGE_SIZE)
    return render(
        request,
        "registry/enrollment_list.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "filters": filters,
            "states": EnrollmentState.choices,
            "levels": Level.choices,
            "query": params.urlencode(),
        },
    )


EXPORT_HEADER = [
    "学校 / institution",
    "学号 / student number",
    "姓名 / name",
    "性别 / gender",
    "出生日期 / birth date",
    "证件号码 / document number",
    "院系 / department",
    "专业代码 / major code",
    "专业 / major",
    "层次 / level",
    "学习形式 / study form",
    "入学日期 / entry date",
    "学籍状态 / state",
]


def _export_rows(qs):
    for e in qs.iterator(chunk_size=2000):
        yield [
            e.institution.name,
            e.student_number,
            e.name,
            e.get_gender_display().split(" / ")[0],
            e.birth_date,
            mask_document(e.document_number),
            e.department,
            e.major_code,
            e.major_name,
            e.get_level_display().split(" / ")[0],
            e.get_study_form_display().split(" / ")[0],
            e.entry_date,
            e.get_state_display().split(" / ")[0],
        ]


@staff_view()
def enrollment_export(request: AuthenticatedHttpRequest, fmt: str) -> FileResponse:
    """The filtered list as XLSX or CSV; ID numbers masked, formulas neutralised."""
    if fmt not in ("xlsx", "csv"):
        raise Http404
    qs = selectors.enrollment_list(actor=request.user, filters=_filters(request))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 — FileResponse closes it
    if fmt == "xlsx":
        write_xlsx(_export_rows(qs), header=EXPORT_HEADER, out=out, sheet_title="学籍")
    else:
        write_csv(_export_rows(qs), header=EXPORT_HEADER, out=out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=f"enrollments.{fmt}")


@staff_view()
def enrollment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrollment = access_enrollment(request.user, pk)
    services.access_event_staff_view(
        actor=request.user,
        record=enrollment,
        seen="学籍（全部字段）/ enrollment, all fields",
        origin=coarse_origin(request),
    )
    return render(
        request,
        "registry/enrollment_detail.html",
        {
            "enrollment": enrollment,
            "timeline": selectors.enrollment_timeline(enrollment=enrollment),
            "transfers": selectors.transfer_request_list(actor=request.user).filter(source=enrollment),
            "ethnicity": dict(code_choices("ethnicity")).get(enrollment.ethnicity, enrollment.ethnicity),
        },
    )


@staff_view()
def late_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """逾期 — registrations and cancellations entered after their deadline, for the province to follow up."""
    return render(request, "registry/late_list.html", selectors.late_records(actor=request.user))


@staff_view()
def semester_starts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """开学日期 and 学年注册 due: the institution records its first-semester start once a year; its
    province reads it with its history; both see who has not registered yet, with the countdown."""
    schools = institutions_for(request.user).order_by("code")
    code = request.GET.get("institution", "")
    institution = access_institution(request.user, code) if code else schools.first()
    if institution is None:
        raise Http404
    form = SemesterStartForm(request.POST or None) if may_record_semester_start(request.user, institution) else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.semester_start_record(actor=request.user, institution=institution, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "开学日期已登记 / the semester start is recorded")
                return redirect(f"{reverse('registry:semester_starts')}?institution={institution.code}")
    return render(request, "registry/semester_starts.html", _semester_context(request, institution, form, schools))


def _semester_context(
    request: HttpRequest, institution: Institution, form: SemesterStartForm | None, schools: Any
) -> dict[str, Any]:
    today = timezone.localdate()
    recorded = list(institution.semester_starts.all())
    year_param = request.GET.get("year", "")
    year = int(year_param) if year_param.isdigit() and len(year_param) == 4 else None
    current = next((r for r in recorded if r.academic_year == year), recorded[0] if recorded else None)
    missing = page = None
    if current is not None:
        missing = selectors.annual_registration_missing(institution=institution, recorded=current)
        page = Paginator(missing, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "institution": institution,
        "schools": schools,
        "form": form,
        "recorded": recorded,
        "current": current,
        "countdown": selectors.countdown(current.deadline, today) if current else None,
        "page": page,
        "history": selectors.semester_start_history(institution)[:50],
    }


@staff_view(REGISTERING)
def enrollment_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """注册学籍 — one student, by a registrar of the institution."""
    institutions = institutions_for(request.user, REGISTERING).order_by("code")
    form = EnrollmentForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            identity = services.identity_validate(
                name=data["name"],
                gender=data["gender"],
                birth_date=data["birth_date"],
                ethnicity=data["ethnicity"],
                document_type=data["document_type"],
                document_number=data["document_number"],
            )
            enrollment = services.new_student_register(  # 资格复查 against the reviewed 录取
                actor=request.user,
                institution=data["institution"],
                exam_number=data["exam_number"],
                student_number=data["student_number"],
                identity=identity,
                major_code=data["major_code"],
                major_name=data["major_name"],
                level=data["level"],
                study_form=data["study_form"],
                length_years=data["length_years"],
                entry_date=data["entry_date"],
                expected_graduation_date=data["expected_graduation_date"],
                is_full_time=data["study_form"] == "1",
                department=data["department"],
                class_name=data["class_name"],
                admission_type=data["admission_type"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "学籍已注册 / enrollment registered")
            return redirect("registry:enrollment_detail", pk=enrollment.pk)
    return render(request, "registry/form.html", {"form": form, "title": "注册学籍 / register a student"})


@staff_view(REGISTERING)
def enrollment_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """更正 — the school fixes its own entry while the credential is unpublished (第十九条 after)."""
    enrollment = access_enrollment(request.user, pk, roles=REGISTERING)
    initial = {f: getattr(enrollment, f) for f in services.CORRECTABLE_FIELDS}
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollment_correct(
                actor=request.user, enrollment=enrollment, changes=form.changes(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已更正 / corrected")
            return redirect("registry:enrollment_detail", pk=enrollment.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "enrollment": enrollment, "title": "更正学籍信息 / correct the school's entry"},
        status=400 if form.errors else 200,
    )


@staff_view(REGISTERING)
def enrollment_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """学籍注销, with the 15-working-day deadline shown."""
    enrollment = access_enrollment(request.user, pk, roles=REGISTERING)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.enrollment_cancel(actor=request.user, enrollment=enrollment, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            _cancel_messages(request, result)
            return redirect("registry:enrollment_detail", pk=enrollment.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "enrollment": enrollment, "title": "学籍注销 / cancel the enrollment"},
    )


def _cancel_messages(request: HttpRequest, result: services.Cancellation) -> None:
    messages.success(request, f"已注销，登记截止日 {result.deadline} / cancelled; deadline {result.deadline}")
    if result.late:
        messages.warning(request, "已超过 15 个工作日，已标记逾期并报省级部门 / entered late; flagged for the province")
    if result.estimated:
        from xuedang.core.calendar import CALENDAR_FALLBACK_WARNING

        messages.warning(request, CALENDAR_FALLBACK_WARNING)


@staff_view(REGISTERING)
def enrollment_annual(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """学年注册 of one student."""
    enrollment = access_enrollment(request.user, pk, roles=REGISTERING)
    form = AnnualRegistrationForm(request.POST or None, initial={"registered_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.annual_registration_record(
                actor=request.user, enrollment=enrollment, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            late = "（逾期 / late）" if registration.late else ""
            messages.success(request, f"学年注册已登记{late} / annual registration recorded")
            return redirect("registry:enrollment_detail", pk=enrollment.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "enrollment": enrollment, "title": "学年注册 / annual registration"},
    )


@staff_view(REGISTERING)
def admission_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """录取 data waiting for the school's answer (registrars)."""
    state = request.GET.get("state", "admitted")
    qs = reviewed_admissions_for(request.user, REGISTERING).select_related("institution").order_by("exam_number")
    if state in AdmissionState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "registry/admission_list.html", {"page": page, "state": state, "states": AdmissionState.choices}
    )


@staff_view(REGISTERING)
def admission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm the 学籍 of one admitted student, or decline, defer or cancel the admission."""
    admission = access_admission(request.user, pk, roles=REGISTERING)
    action = request.POST.get("action")
    confirm = AdmissionConfirmForm(request.POST if action == "confirm" else None, prefix="confirm")
    decline = AdmissionDeclineForm(request.POST if action == "decline" else None, prefix="decline")
    form = confirm if action == "confirm" else decline
    if request.method == "POST" and form.is_valid():
        try:
            if action == "confirm":
                enrollment = services.admission_confirm(actor=request.user, admission=admission, **form.cleaned_data)
                messages.success(request, "学籍已注册 / enrollment registered")
                return redirect("registry:enrollment_detail", pk=enrollment.pk)
            services.admission_decline(actor=request.user, admission=admission, **form.cleaned_data)
            messages.success(request, "已处理 / recorded")
            return redirect("registry:admission_list")
        except ValidationError as error:
            form.add_service_errors(error)
    return render(
        request, "registry/admission_detail.html", {"admission": admission, "confirm": confirm, "decline": decline}
    )


@staff_view(REGISTERING)
def enrollment_change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """学籍异动 — one change with its official code; the values before it are kept."""
    enrollment = access_enrollment(request.user, pk, roles=REGISTERING)
    form = ChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollment_change_record(
                actor=request.user,
                enrollment=enrollment,
                change_code=form.cleaned_data["change_code"],
                change_date=form.cleaned_data["change_date"],
                changes=form.changes(),
                reason=form.cleaned_data["reason"],
                decision_number=form.cleaned_data["decision_number"],
                decision_date=form.cleaned_data["decision_date"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "学籍异动已登记 / change recorded")
            return redirect("registry:enrollment_detail", pk=enrollment.pk)
    return render(
        request, "registry/form.html", {"form": form, "enrollment": enrollment, "title": "学籍异动 / record a change"}
    )


@staff_view(REGISTERING + APPROVING)
def transfer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """转学申请 — those waiting for this officer first, then every request the officer may read."""
    state = request.GET.get("state", "")
    state = state if state in TransferState.values else ""
    page = Paginator(selectors.transfer_request_list(actor=request.user, state=state), PAGE_SIZE)
    return render(
        request,
        "registry/transfer_list.html",
        {
            "waiting": selectors.transfers_waiting(actor=request.user)[:PAGE_SIZE],
            "page": page.get_page(request.GET.get("page")),
            "state": state,
            "states": TransferState.choices,
            "may_file": institutions_for(request.user, REGISTERING).exists(),
        },
    )


@staff_view(REGISTERING)
def transfer_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """转学申请 — filed by the receiving school; nothing is written until both others decide."""
    institutions = institutions_for(request.user, REGISTERING).order_by("code")
    form = TransferForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.transfer_request_file(
                actor=request.user,
                to_institution=data["institution"],
                from_code=data["from_code"],
                from_student_number=data["from_student_number"],
                document_type=data["document_type"],
                document_number=data["document_number"],
                student_number=data["student_number"],
                transfer_date=data["transfer_date"],
                decision_number=data["decision_number"],
                reason=data["reason"],
                major_code=data["major_code"],
                major_name=data["major_name"],
                department=data["department"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                "转学申请已提交，待转出学校同意、省级教育行政部门审批 / transfer request filed; "
                "waiting for the sending school, then the province",
            )
            return redirect("registry:transfer_detail", pk=transfer.pk)
    return render(request, "registry/form.html", {"form": form, "title": "提出转学申请 / file a transfer request"})


def _transfer_side(actor: object, transfer: TransferRequest) -> str | None:
    """Which party's step this officer may take now, if any."""
    if may_answer_as_sending(actor, transfer):
        return "sending"
    if may_decide_as_province(actor, transfer):
        return "province"
    if may_withdraw(actor, transfer):
        return "receiving"
    return None


def _transfer_act(actor: object, transfer: TransferRequest, side: str, data: dict) -> None:
    decision, note = data["decision"], data["note"]
    if side == "sending":
        services.transfer_request_sending_answer(actor=actor, transfer=transfer, agree=decision == "agree", note=note)
    elif side == "province":
        services.transfer_request_province_decide(
            actor=actor, transfer=transfer, approve=decision == "approve", note=note
        )
    else:
        services.transfer_request_withdraw(actor=actor, transfer=transfer, note=note)


@staff_view(REGISTERING + APPROVING)
def transfer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One 转学申请: the student, both schools, each step; the step this officer may take."""
    transfer = access_transfer_request(request.user, pk)
    side = _transfer_side(request.user, transfer)
    form = TransferDecisionForm(request.POST or None, side=side) if side else None
    if request.method == "POST":
        if form is None or side is None:
            messages.error(
                request, "该申请已被处理，或不由您处理 / this request has been handled, or is not yours to decide"
            )
            return redirect("registry:transfer_detail", pk=transfer.pk)
        if form.is_valid():
            try:
                _transfer_act(request.user, transfer, side, form.cleaned_data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "已处理 / done")
                return redirect("registry:transfer_detail", pk=transfer.pk)
    services.access_event_staff_view(
        actor=request.user,
        record=transfer.source,
        seen=f"转学申请 #{transfer.pk} / transfer request",
        origin=coarse_origin(request),
    )
    response = render(
        request,
        "registry/transfer_detail.html",
        {
            "transfer": transfer,
            "source": transfer.source,
            "form": form,
            "side": side,
            "document_masked": mask_document(transfer.source.document_number),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view(REGISTERING)
def credential_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """学历注册 — the credential of one enrollment, unpublished until complete and due."""
    enrollment = access_enrollment(request.user, pk, roles=REGISTERING)
    form = CredentialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            credential = _register_credential(request, enrollment, data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("registry:credential_detail", pk=credential.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "enrollment": enrollment, "multipart": True, "title": "学历注册 / register the credential"},
        status=400 if form.errors else 200,
    )


def _register_credential(request: HttpRequest, enrollment, data: dict):
    from django.db import transaction

    with transaction.atomic():
        photo = None
        if data["photo"]:
            photo = services.photo_register(
                actor=request.user,
                enrollment=enrollment,
                purpose="graduation",
                image=data["photo"].read(services.PHOTO_MAX_BYTES + 1),
            )
        return services.credential_register(
            actor=request.user,
            enrollment=enrollment,
            kind=data["kind"],
            study_end=data["study_end"],
            certificate_number=data["certificate_number"],
            photo=photo,
            minor=data["minor"],
        )


@staff_view()
def credential_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A credential with the 第十七条 fields still missing; publication on or after its issue date."""
    credential = access_credential(request.user, pk)
    if request.method == "POST":
        credential = access_credential(request.user, pk, roles=REGISTERING)
        try:
            services.credential_publish(actor=request.user, credential=credential)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, "学历已发布，可供查询 / published; the credential can now be verified")
        return redirect("registry:credential_detail", pk=credential.pk)
    services.access_event_staff_view(
        actor=request.user,
        record=credential,
        seen="学历（全部字段）/ credential, all fields",
        origin=coarse_origin(request),
    )
    return render(
        request,
        "registry/credential_detail.html",
        {"credential": credential, "missing": services.credential_missing_fields(credential)},
    )


@staff_view(REGISTERING)
def credential_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """修改待发布学历 — the school corrects a draft's 第十七条 fields itself (第十九条: before
    publication); every change keeps the values before it in the audit log."""
    credential = access_credential(request.user, pk, roles=REGISTERING)
    if credential.state != CredentialState.DRAFT:
        messages.error(
            request, "学历已发布，修改须经省级教育行政部门审核 / published: corrections go through the province"
        )
        return redirect("registry:credential_detail", pk=credential.pk)
    if credential.enrollment_id is None:  # 自考 credentials: their own batch and corrections (decision 0029)
        messages.error(request, "自考学历请通过自考办的流程更正 / 自考 credentials are corrected by their own office")
        return redirect("registry:credential_detail", pk=credential.pk)
    form = CredentialEditForm(request.POST or None, request.FILES or None, credential=credential)
    if request.method == "POST" and form.is_valid():
        try:
            _edit_credential(request, credential, form)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "学历已修改 / credential updated")
            return redirect("registry:credential_detail", pk=credential.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "credential": credential,
            "multipart": True,
            "title": "修改待发布学历 / edit a draft credential",
        },
        status=400 if form.errors else 200,
    )


def _edit_credential(request: HttpRequest, credential, form: CredentialEditForm) -> None:
    upload = form.cleaned_data["photo"]
    services.credential_edit(
        actor=request.user,
        credential=credential,
        changes=form.changes(),
        reason=form.cleaned_data["reason"],
        photo=upload.read(services.PHOTO_MAX_BYTES + 1) if upload else None,
    )


@staff_view(REGISTERING)
def credential_annotate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """辅修 or 证明书 on a credential, also after publication; earlier values stay in the audit log."""
    credential = access_credential(request.user, pk, roles=REGISTERING)
    form = AnnotationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.credential_annotate(
                actor=request.user, credential=credential, reason=form.cleaned_data["reason"], **form.annotations()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "批注已登记 / annotation recorded")
            return redirect("registry:credential_detail", pk=credential.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "credential": credential, "title": "学历批注 / annotate a credential"},
    )


@staff_view(REGISTERING)
def enrollment_note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """奖惩 or 学习证明 on one enrollment."""
    enrollment = access_enrollment(request.user, pk, roles=REGISTERING)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrollment_note_add(actor=request.user, enrollment=enrollment, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已登记 / recorded")
            return redirect("registry:enrollment_detail", pk=enrollment.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "enrollment": enrollment, "title": "奖惩与学习证明 / rewards, penalties, certificates"},
    )


@staff_view(REGISTERING)
def credentials_publish(request: AuthenticatedHttpRequest) -> HttpResponse:
    """发布到期学历 — first a preview of what will (and will not) be published, then, confirmed,
    every complete credential whose issue date has come by the chosen day."""
    institutions = institutions_for(request.user, REGISTERING).order_by("code")
    today = timezone.localdate()
    form = PublishForm(request.POST or None, institutions=institutions, initial={"due_by": today})
    if request.method != "POST" or not form.is_valid():
        return render(request, "registry/publish.html", {"form": form, "today": today})
    institution, due_by = form.cleaned_data["institution"], form.cleaned_data["due_by"]
    if due_by > today:
        form.add_error(
            "due_by", "发证日期未到的学历不能提前发布（第十八条）/ a credential is published on its issue date"
        )
        return render(request, "registry/publish.html", {"form": form, "today": today}, status=400)
    if not form.cleaned_data["confirmed"]:
        rows = [
            (c, selectors.credential_lacks(c))
            for c in selectors.credentials_due(institution=institution, due_by=due_by)[:PREVIEW_ROWS]
        ]
        confirm = PublishForm(
            initial={"institution": institution, "due_by": due_by, "confirmed": True}, institutions=institutions
        )
        return render(
            request,
            "registry/publish.html",
            {"form": confirm, "preview": rows, "ready": sum(not lacks for _, lacks in rows), "today": today},
        )
    try:
        job = services.publication_job_start(actor=request.user, institution=institution, due_by=due_by, today=today)
    except ValidationError as error:
        form.add_service_errors(error)
        return render(request, "registry/publish.html", {"form": form, "today": today}, status=400)
    return redirect("registry:publication_job", pk=job.pk)


@staff_view(REGISTERING)
def publication_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One 发布到期学历 job: its progress while it runs, then what was and was not published."""
    job = access_publication_job(request.user, pk)
    return render(request, "registry/publication_job.html", {"job": job})


PREVIEW_ROWS = 1000


@staff_view(REGISTERING)
def photos_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """学历照片压缩包 — all photos or none; every bad file listed with its reason."""
    institutions = institutions_for(request.user, REGISTERING).order_by("code")
    form = PhotoArchiveForm(request.POST or None, request.FILES or None, institutions=institutions)
    problems: list[services.PhotoProblem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["archive"]
        try:
            count = services.photos_register_archive(
                actor=request.user,
                institution=form.cleaned_data["institution"],
                data=upload.read(services.ZIP_MAX_BYTES + 1),
            )
        except services.PhotoArchiveRefused as refused:
            problems = refused.problems
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"已登记 {count} 张学历照片 / {count} graduation photos registered")
            return redirect("registry:photos_upload")
    return render(
        request,
        "registry/photos_upload.html",
        {"form": form, "problems": problems},
        status=400 if problems or form.errors else 200,
    )


@staff_view(REGISTERING)
def credentials_unpublished(request: AuthenticatedHttpRequest) -> HttpResponse:
    """待发布学历 — every unpublished credential of the registrar's schools, with what it lacks."""
    drafts = selectors.credentials_unpublished(actor=request.user)
    page = Paginator(drafts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(c, selectors.credential_lacks(c)) for c in page]
    return render(request, "registry/unpublished.html", {"page": page, "rows": rows})


@staff_view(REGISTERING)
def credential_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """撤销申请 — the school asks its province to revoke a published credential (or its 学籍)."""
    credential = access_credential(request.user, pk, roles=REGISTERING)
    form = RevocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revocation = services.revocation_file(actor=request.user, credential=credential, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "撤销申请已提交，待省级审核 / filed; waiting for the province")
            return redirect("registry:revocation_detail", pk=revocation.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "credential": credential, "title": "申请撤销学历 / ask to revoke the credential"},
        status=400 if form.errors else 200,
    )


@staff_view(REGISTERING + APPROVING)
def revocation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """撤销申请 of the officer's schools, waiting ones first."""
    qs = selectors.revocation_request_list(actor=request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/revocation_list.html", {"page": page})


@staff_view(REGISTERING + APPROVING)
def revocation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One 撤销申请; its province's approvers decide it here."""
    revocation = access_revocation_request(request.user, pk)
    may_decide = may_decide_revocation(request.user, revocation)
    form = RevocationDecisionForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            messages.error(request, "该申请已处理，或不由您审核 / decided already, or not yours to decide")
            return redirect("registry:revocation_detail", pk=revocation.pk)
        if form.is_valid():
            try:
                services.revocation_decide(
                    actor=request.user,
                    revocation=revocation,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "已处理 / done")
                return redirect("registry:revocation_detail", pk=revocation.pk)
    return render(
        request,
        "registry/revocation_detail.html",
        {"revocation": revocation, "credential": revocation.credential, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


ADMINISTERING = (Role.USER_ADMIN,)


@staff_view(ADMINISTERING)
def president_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """校（院）长任期 of the institutions this user administers; a new term by form."""
    institutions = institutions_for(request.user, ADMINISTERING).order_by("code")
    form = PresidentForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            institution_services.president_record(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "任期已登记 / term recorded")
            return redirect("registry:president_list")
    terms = President.objects.filter(institution__in=institutions).select_related("institution")
    page = Paginator(terms.order_by("institution__code", "-start_date"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/president_list.html",
        {"form": form, "page": page},
        status=400 if form.errors else 200,
    )


@staff_view(APPROVING)
def admission_batch_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """录取批次 to review: the province's approvers first, then the centre's (issue 14 item 1)."""
    batches = admission_batches_for(request.user).select_related("institution")
    state = request.GET.get("state", "")
    if state in AdmissionReview.values:
        batches = batches.filter(state=state)
    batches = batches.annotate(rows=Count("admissions")).order_by("-submitted_at", "-id")
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "state": state, "states": AdmissionReview.choices}
    return render(request, "registry/admission_batch_list.html", context)


@staff_view(APPROVING)
def admission_batch_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One batch's rows; the reviewer at its step passes it on, returning single rows with reasons."""
    batch = access_admission_batch(request.user, pk)
    may_review = services.admission_reviewer_stage(request.user, batch.institution) == batch.state
    error = ""
    if request.method == "POST":
        if not may_review:
            raise Http404
        chosen = {int(v) for v in request.POST.getlist("return") if v.isdigit()}
        returned = {row: request.POST.get(f"reason_{row}", "") for row in chosen}
        try:
            services.admission_batch_review(actor=request.user, batch=batch, returned=returned)
        except ValidationError as problem:
            error = "；".join(problem.messages)
        else:
            messages.success(request, f"已审核，退回 {len(returned)} 条 / reviewed; {len(returned)} returned")
            return redirect("registry:admission_batch_detail", pk=batch.pk)
    rows = batch.admissions.order_by("exam_number")
    context = {"batch": batch, "rows": rows, "may_review": may_review, "error": error}
    return render(request, "registry/admission_batch_detail.html", context)


@staff_view()
def waiver_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """资格复查例外 (decision 0026): registrars file them; the province's approvers decide here."""
    schools = institutions_for(request.user, REGISTERING).order_by("code")
    form = WaiverForm(request.POST or None, institutions=schools) if schools.exists() else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                identity = services.identity_validate(
                    name=data["name"],
                    gender=data["gender"],
                    birth_date=data["birth_date"],
                    ethnicity="",
                    document_type=data["document_type"],
                    document_number=data["document_number"],
                )
                services.eligibility_waiver_file(
                    actor=request.user,
                    institution=data["institution"],
                    category=data["category"],
                    identity=identity,
                    reason=data["reason"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "已报省级教育行政部门审批 / sent to the province for approval")
                return redirect("registry:waiver_list")
    waivers = [
        {
            "w": waiver,
            "masked": mask_document(waiver.document_number),
            "decidable": waiver.state == "pending" and may_supervise(request.user, waiver.institution),
        }
        for waiver in waivers_for(request.user).select_related("institution")[:200]
    ]
    return render(request, "registry/waiver_list.html", {"form": form, "waivers": waivers})


@require_POST
@staff_view(APPROVING)
def waiver_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    waiver = access_waiver(request.user, pk)
    try:
        services.eligibility_waiver_decide(
            actor=request.user,
            waiver=waiver,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", "")[:500],
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "已审批 / decided")
    return redirect("registry:waiver_list")


@login_required
def institution_names(request: AuthenticatedHttpRequest) -> HttpResponse:
    """更名、合并 with their effective dates (the centre's user administrators): every credential
    and report shows the name in force on its graduation date."""
    if not is_centre(request.user, ADMINISTERING):
        raise Http404
    form = InstitutionRenameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            institution_services.institution_rename(
                actor=request.user,
                institution=data["institution_code"],
                new_name=data["new_name"],
                effective=data["effective"],
                kind=data["kind"],
                note=data["note"],
                today=timezone.localdate(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已登记，自生效日期起使用新名称 / recorded; the new name applies from its date")
            return redirect("registry:institution_names")
    names = FormerName.objects.select_related("institution").order_by("-until", "institution__code")
    page = Paginator(names, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/institution_names.html",
        {"form": form, "page": page},
        status=400 if form.errors else 200,
    )


@staff_view(REGISTERING)
def admission_correction_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """录取数据更正 (第十条): the school asks; the province reviews and the centre re-checks."""
    admission = access_admission(request.user, pk, roles=REGISTERING)
    form = AdmissionCorrectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["evidence"]
        try:
            correction = services.admission_correction_file(
                actor=request.user,
                admission=admission,
                field=form.cleaned_data["field"],
                new_value=form.cleaned_data["new_value"],
                reason=form.cleaned_data["reason"],
                evidence=upload.read(services.EVIDENCE_MAX_BYTES + 1),
                evidence_name=upload.name,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "已报省级审核 / sent to the province")
            return redirect("registry:admission_correction_detail", pk=correction.pk)
    title = f"更正录取数据 {admission.exam_number} / correct admission data"
    return render(request, "registry/form.html", {"form": form, "title": title, "multipart": True})


@staff_view()
def admission_correction_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    corrections = admission_corrections_for(request.user).select_related("institution", "admission")
    page = Paginator(corrections.order_by("-filed_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/admission_correction_list.html", {"page": page})


@staff_view()
def admission_correction_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    correction = access_admission_correction(request.user, pk)
    decides = services.admission_correction_step(request.user, correction)
    error = ""
    if request.method == "POST":
        if not decides:
            raise Http404
        try:
            services.admission_correction_decide(
                actor=request.user,
                correction=correction,
                approve=request.POST.get("decision") == "approve",
                note=request.POST.get("note", "")[:500],
            )
        except ValidationError as problem:
            error = "；".join(problem.messages)
        else:
            messages.success(request, "已审核 / decided")
            return redirect("registry:admission_correction_detail", pk=correction.pk)
    context = {
        "c": correction,
        "label": services.ADMISSION_CORRECTABLE.get(correction.field, correction.field),
        "decides": decides,
        "error": error,
    }
    return render(request, "registry/admission_correction_detail.html", context)


@staff_view()
def admission_correction_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    correction = access_admission_correction(request.user, pk)
    response = HttpResponse(bytes(correction.evidence), content_type=correction.evidence_type)
    response["Content-Disposition"] = f'attachment; filename="evidence-{correction.pk}"'
    return response
