"""学历认证 (第二十二条): a person's application to have a credential authenticated, whether or not
it is in the registry; the scans, the school's confirmation and every step (decision 0030)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xuedang.institutions.models import Institution
from xuedang.registry.models import Credential, Level


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", "申请 / submitted"
    ACCEPTED = "accepted", "受理 / accepted"
    SCHOOL_CHECK = "school_check", "学校核查 / with the school for confirmation"
    APPROVED = "approved", "认证通过 / authenticated"
    REFUSED = "refused", "不予认证 / refused"


OPEN_STATES = (ApplicationState.SUBMITTED, ApplicationState.ACCEPTED, ApplicationState.SCHOOL_CHECK)


class PaymentState(models.TextChoices):
    NOT_REQUIRED = "not_required", "免费 / no fee"
    PENDING = "pending", "待付款 / waiting for payment"
    PAID = "paid", "已付款 / paid"
    DEVELOPMENT_UNPAID = "dev_unpaid", "未付款（开发环境，未收费）/ not paid (development backend)"


class AuthenticationApplication(models.Model):
    """One 学历认证 application.

    .. pii: links a named person to a credential (or the one they describe) and their ID scans.
    """

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A credential not in the registry, as the applicant describes it.
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="学校 / school"
    )
    certificate_number = models.CharField("证书编号 / certificate number", max_length=40, blank=True, default="")
    graduation_year = models.PositiveSmallIntegerField("毕业年份 / graduation year", null=True, blank=True)
    level = models.CharField("层次 / level", max_length=2, choices=Level.choices, blank=True, default="")
    major_name = models.CharField("专业 / major", max_length=100, blank=True, default="")
    report_zh = models.BooleanField("中文报告 / Chinese report", default=True)
    report_en = models.BooleanField("英文报告 / English report", default=False)
    fee = models.DecimalField("费用（元）/ fee (CNY)", max_digits=8, decimal_places=2)
    payment_state = models.CharField(max_length=12, choices=PaymentState.choices)
    payment_reference = models.CharField(max_length=64, blank=True, default="")
    state = models.CharField(
        "状态 / state", max_length=14, choices=ApplicationState.choices, default=ApplicationState.SUBMITTED
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_due = models.DateField("决定期限 / decision due", null=True, blank=True)
    decision_due_estimated = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refusal_reasons = models.TextField("不予认证理由 / reasons for refusing", blank=True, default="")
    # 认证报告编号: 16 characters of the verification-code alphabet (80 bits), given on approval.
    report_number = models.CharField("报告编号 / report number", max_length=16, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "学历认证申请 / authentication application"
        verbose_name_plural = "学历认证申请 / authentication applications"
        indexes = [models.Index(fields=["state", "decision_due"], name="auth_app_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credential__isnull=False) | models.Q(institution__isnull=False),
                name="auth_app_credential_or_description",
            ),
            models.CheckConstraint(
                condition=models.Q(report_zh=True) | models.Q(report_en=True), name="auth_app_one_language"
            ),
        ]

    def __str__(self) -> str:
        return f"认证 #{self.pk} {self.state}"


class Scan(models.Model):
    """A colour scan of the certificate or of the ID, re-encoded without its metadata.

    .. pii: an image of a person's certificate or identity document.
    """

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", "证书扫描件 / certificate scan"
        ID_CARD = "id_card", "证件扫描件 / ID scan"

    application = models.ForeignKey(AuthenticationApplication, on_delete=models.PROTECT, related_name="scans")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    image = models.BinaryField()
    content_type = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="scan_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind}"


class SchoolCheck(models.Model):
    """The centre asks the awarding school to confirm a record the registry does not hold.

    .. pii: ties a named applicant to a school's answer about them.
    """

    class Answer(models.TextChoices):
        CONFIRMED = "confirmed", "属实 / confirmed"
        DENIED = "denied", "不属实 / denied"

    application = models.ForeignKey(AuthenticationApplication, on_delete=models.PROTECT, related_name="checks")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField("答复期限 / answer due")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True, default="")
    evidence = models.TextField("核查依据 / evidence", blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["institution", "answer"], name="school_check_queue_idx")]

    def __str__(self) -> str:
        return f"核查 #{self.pk} {self.institution_id} {self.answer or 'open'}"


class Step(models.Model):
    """One step of an application as its applicant follows it (申请 → 受理 → 学校核查 → 决定).

    .. pii: the progress of a named person's application.
    """

    application = models.ForeignKey(AuthenticationApplication, on_delete=models.PROTECT, related_name="steps")
    state = models.CharField(max_length=14, choices=ApplicationState.choices)
    text = models.CharField(max_length=300)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.state}"
