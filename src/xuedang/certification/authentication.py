"""学历认证 services (第二十二条, decision 0030): apply, accept (受理, the applicant told by SMS),
ask the school to confirm a record the registry lacks, the school's answer, and the decision
within 20 working days of acceptance (the official holiday calendar counts them)."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xuedang.accounts.notify import notify
from xuedang.archive.models import Binding
from xuedang.certification.models import (
    OPEN_STATES,
    ApplicationState,
    AuthenticationApplication,
    PaymentState,
    Scan,
    SchoolCheck,
    Step,
)
from xuedang.certification.payments import payment_backend
from xuedang.core.audit import audit_log
from xuedang.core.calendar import add_working_days
from xuedang.core.images import ImageRefused, image_intake
from xuedang.institutions.models import Institution
from xuedang.institutions.selectors import staff_label
from xuedang.registry.models import AccessEvent, Credential, CredentialState, ViewerKind
from xuedang.reports.codes import new_code

DECISION_WORKING_DAYS = 20
SCHOOL_WORKING_DAYS = 10
SCAN_MAX_BYTES = 2 * 1024 * 1024
SCAN_FIT = (3000, 3000)


def _fail(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _step(application: AuthenticationApplication, text: str) -> None:
    Step.objects.create(application=application, state=application.state, text=text[:300])


def _tell(application: AuthenticationApplication, text: str) -> None:
    """In-app, and by SMS/email after commit (accounts.notify)."""
    notify(
        user=application.applicant, text=text, url=reverse("certification:application_detail", args=[application.pk])
    )


def _scan(kind: str, data: bytes) -> Scan:
    try:
        clean = image_intake(data, max_bytes=SCAN_MAX_BYTES, formats=("JPEG", "PNG"), fit=SCAN_FIT, min_side=300)
    except ImageRefused as refused:
        raise refused.for_field(kind) from refused
    return Scan(
        kind=kind, image=clean.data, content_type=clean.content_type, sha256=hashlib.sha256(clean.data).hexdigest()
    )


def _check_description(institution: Institution | None, graduation_year: int | None, certificate_number: str) -> None:
    if institution is None:
        raise _fail("institution", "请选择证书上的学校 / choose the school on the certificate")
    if graduation_year is None or not 1949 <= graduation_year <= timezone.localdate().year:
        raise _fail("graduation_year", "请填写毕业年份 / give the graduation year")
    if not certificate_number.strip():
        raise _fail("certificate_number", "请填写证书编号 / give the certificate number")


@transaction.atomic
def application_submit(
    *,
    applicant: Any,
    scans: dict[str, bytes],
    report_zh: bool,
    report_en: bool,
    credential: Credential | None = None,
    institution: Institution | None = None,
    certificate_number: str = "",
    graduation_year: int | None = None,
    level: str = "",
    major_name: str = "",
) -> AuthenticationApplication:
    """申请 — a signed-in person whose identity has been checked applies for a credential of
    theirs in the registry, or describes one that is not; both scans, at least one language."""
    if applicant.identity_checked_at is None:
        raise _fail("__all__", "请先完成身份核验 / check your identity first", "identity")
    if credential is not None:
        if not Binding.objects.filter(user=applicant, credential=credential).exists():
            raise _fail("credential", "只能为本人档案中的学历申请认证 / only a credential in your own archive")
        if credential.state != CredentialState.PUBLISHED:
            raise _fail("credential", "该学历未发布或已撤销 / this credential is not published or is revoked")
    else:
        _check_description(institution, graduation_year, certificate_number)
    if not (report_zh or report_en):
        raise _fail("report_zh", "请至少选择一种报告语言 / choose at least one report language")
    missing = [kind for kind in Scan.Kind.values if not scans.get(kind)]
    if missing:
        raise _fail(missing[0], "请上传证书和证件的彩色扫描件 / upload colour scans of the certificate and the ID")
    clean = [_scan(kind, scans[kind]) for kind in Scan.Kind.values]
    fee = Decimal(str(getattr(settings, "CERTIFICATION_FEE", "0")))
    application = AuthenticationApplication(
        applicant=applicant,
        credential=credential,
        institution=institution if credential is None else credential.institution,
        certificate_number=(certificate_number.strip() if credential is None else credential.certificate_number)[:40],
        graduation_year=graduation_year if credential is None else credential.study_end.year,
        level=level if credential is None else credential.level,
        major_name=(major_name.strip() if credential is None else credential.major_name)[:100],
        report_zh=report_zh,
        report_en=report_en,
        fee=fee,
        payment_state=PaymentState.NOT_REQUIRED,
    )
    if fee > 0:
        started = payment_backend().start(amount=fee, subject=PAYMENT_SUBJECT)
        application.payment_state, application.payment_reference = started.state, started.reference
    application.save()
    for scan in clean:
        scan.application = application
        scan.save()
    _step(application, "已提交申请 / application submitted")
    audit_log(
        actor=applicant,
        action="certification.application.submitted",
        target=application,
        after={"credential": application.credential_id, "fee": str(fee), "payment": application.payment_state},
    )
    return application


PAYMENT_SUBJECT = "学历认证 / credential authentication"


@transaction.atomic
def payment_settle(*, reference: str, amount: str) -> AuthenticationApplication | None:
    """A verified provider notification says order `reference` is paid `amount` (yuan): the
    waiting application of that order with exactly that fee becomes 已付款; None if there is none
    (unknown order, already settled, or a different amount — nothing changes)."""
    application = (
        AuthenticationApplication.objects.select_for_update()
        .filter(payment_reference=reference, payment_state=PaymentState.PENDING)
        .first()
    )
    try:
        paid = Decimal(amount)
    except ArithmeticError:
        return None
    if application is None or reference == "" or paid != application.fee:
        return None
    application.payment_state = PaymentState.PAID
    application.save(update_fields=["payment_state"])
    _step(application, "已付款 / fee paid")
    audit_log(
        actor=None,
        action="certification.application.paid",
        target=application,
        after={"payment": PaymentState.PAID, "reference": reference, "amount": str(paid)},
    )
    return application


def payment_is_settled(*, reference: str, amount: str) -> bool:
    """Whether order `reference` was already settled for `amount` (a provider repeating its notification)."""
    try:
        paid = Decimal(amount)
    except ArithmeticError:
        return False
    return AuthenticationApplication.objects.filter(
        payment_reference=reference, payment_state=PaymentState.PAID, fee=paid
    ).exists()


def _locked(application: AuthenticationApplication, states: tuple[str, ...]) -> AuthenticationApplication:
    application = AuthenticationApplication.objects.select_for_update().get(pk=application.pk)
    if application.state not in states:
        raise _fail("state", "该申请当前状态不能办理此步骤 / the application is not at this step", "state")
    return application


@transaction.atomic
def application_accept(*, actor: Any, application: AuthenticationApplication, today: date | None = None) -> None:
    """受理 — the centre accepts a paid (or free) application; the decision is due 20 working days later."""
    application = _locked(application, (ApplicationState.SUBMITTED,))
    settled = (PaymentState.NOT_REQUIRED, PaymentState.PAID)
    if application.payment_state not in settled:
        raise _fail("payment", "申请费用未付，不能受理 / the fee has not been paid", "unpaid")
    today = today or timezone.localdate()
    application.decision_due, application.decision_due_estimated = add_working_days(today, DECISION_WORKING_DAYS)
    application.state, application.accepted_at, application.accepted_by = (
        ApplicationState.ACCEPTED,
        timezone.now(),
        actor,
    )
    application.save(update_fields=["state", "accepted_at", "accepted_by", "decision_due", "decision_due_estimated"])
    due = application.decision_due.isoformat()
    _step(application, f"已受理，将于 {due} 前作出决定 / accepted; decision due by {due}")
    _tell(application, f"您的学历认证申请 #{application.pk} 已受理，将于 {due} 前作出决定")
    audit_log(
        actor=actor,
        action="certification.application.accepted",
        target=application,
        before={"state": ApplicationState.SUBMITTED},
        after={"state": application.state, "decision_due": due},
    )


@transaction.atomic
def school_check_request(
    *,
    actor: Any,
    application: AuthenticationApplication,
    institution: Institution | None = None,
    today: date | None = None,
) -> SchoolCheck:
    """学校核查 — ask the awarding school to confirm the record, answer due in 10 working days."""
    application = _locked(application, (ApplicationState.ACCEPTED,))
    institution = institution or application.institution
    if institution is None:
        raise _fail("institution", "请选择核查学校 / choose the school to ask")
    deadline, _ = add_working_days(today or timezone.localdate(), SCHOOL_WORKING_DAYS)
    check = SchoolCheck.objects.create(
        application=application, institution=institution, deadline=deadline, asked_by=actor
    )
    application.state = ApplicationState.SCHOOL_CHECK
    application.save(update_fields=["state"])
    _step(application, f"已请{institution.name}核查 / sent to the school for confirmation")
    audit_log(
        actor=actor,
        action="certification.school_check.requested",
        target=check,
        after={"institution": institution.code, "deadline": deadline.isoformat()},
    )
    return check


@transaction.atomic
def school_check_answer(*, actor: Any, check: SchoolCheck, confirm: bool, evidence: str) -> SchoolCheck:
    """The school confirms or denies, with its evidence (e.g. the graduate register it consulted)."""
    check = SchoolCheck.objects.select_for_update().get(pk=check.pk)
    if check.answer:
        raise _fail("answer", "该核查已答复 / this check has been answered", "answered")
    if not evidence.strip():
        raise _fail("evidence", "请写明核查依据 / give the evidence for the answer")
    check.answer = SchoolCheck.Answer.CONFIRMED if confirm else SchoolCheck.Answer.DENIED
    check.evidence, check.answered_by, check.answered_at = evidence.strip()[:2000], actor, timezone.now()
    check.save(update_fields=["answer", "evidence", "answered_by", "answered_at"])
    application = _locked(check.application, (ApplicationState.SCHOOL_CHECK,))
    application.state = ApplicationState.ACCEPTED
    application.save(update_fields=["state"])
    _step(application, f"学校已答复：{check.get_answer_display()}")
    audit_log(
        actor=actor,
        action=f"certification.school_check.{check.answer}",
        target=check,
        after={"answer": check.answer},
        reason=check.evidence,
    )
    return check


@transaction.atomic
def application_decide(*, actor: Any, application: AuthenticationApplication, approve: bool, reasons: str = "") -> None:
    """认证通过 or 不予认证 (with reasons). Approval needs the registry's published record or the
    school's confirmation; a refusal states why, and the applicant reads it."""
    application = _locked(application, (ApplicationState.ACCEPTED,))
    if approve:
        in_registry = application.credential is not None and application.credential.state == CredentialState.PUBLISHED
        confirmed = application.checks.filter(answer=SchoolCheck.Answer.CONFIRMED).exists()
        if not (in_registry or confirmed):
            raise _fail(
                "__all__", "学历库无此记录且学校未确认，不能通过 / neither the registry nor the school confirms it"
            )
    elif not reasons.strip():
        raise _fail("reasons", "不予认证须说明理由 / give the reasons for refusing")
    application.state = ApplicationState.APPROVED if approve else ApplicationState.REFUSED
    application.decided_at, application.decided_by = timezone.now(), actor
    application.refusal_reasons = "" if approve else reasons.strip()[:2000]
    application.report_number = new_code() if approve else ""
    application.save(update_fields=["state", "decided_at", "decided_by", "refusal_reasons", "report_number"])
    text = "认证通过 / authenticated" if approve else f"不予认证：{application.refusal_reasons}"
    _step(application, text)
    _tell(application, f"您的学历认证申请 #{application.pk}：{text}")
    audit_log(
        actor=actor,
        action=f"certification.application.{application.state}",
        target=application,
        before={"state": ApplicationState.ACCEPTED},
        after={"state": application.state},
        reason=application.refusal_reasons,
    )


def application_is_open(application: AuthenticationApplication) -> bool:
    return application.state in OPEN_STATES


def scan_staff_view_log(*, actor: object, scan: Scan, origin: str) -> None:
    """A staff member saw an applicant's scan: written in the applicant's access log (访问记录)."""
    applicant = scan.application.applicant
    if not applicant.identity_digest:
        return
    AccessEvent.objects.create(
        identity_digest=applicant.identity_digest,
        record_type="authentication",
        record_id=scan.application_id,
        viewer_kind=ViewerKind.STAFF,
        viewer_label=staff_label(actor)[:200],
        seen=f"学历认证申请 #{scan.application_id} {scan.get_kind_display()}"[:300],
        origin=origin[:60],
    )
