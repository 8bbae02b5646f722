"""Verification reports (在线验证报告) and the organisations that verify them through the API.

A report is the student's consent, limited in time, for anyone holding its code to see one
record as it stood when the report was issued (`snapshot`) and the record's state now.
Nothing here is deleted: closing and replacing are states, expiry is a date.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models

from xuedang.registry.models import Credential, Enrollment

MIN_MONTHS, MAX_MONTHS = 1, 6


class ReportKind(models.TextChoices):
    CREDENTIAL = "credential", "学历证书电子注册备案表 / Verification Report of Higher Education Qualification"
    ENROLLMENT = "enrollment", "学籍在线验证报告 / Online Verification Report of Student Record"


class ReportLanguage(models.TextChoices):
    ZH = "zh", "中文 / Chinese"
    EN = "en", "英文 / English"


class ReportState(models.TextChoices):
    ACTIVE = "active", "有效 / active"
    CLOSED = "closed", "已关闭 / closed by the student"
    REPLACED = "replaced", "已更换验证码 / replaced by a new code"
    # The record was revoked (第二十六条) or its 学籍 cancelled: the report stops being usable,
    # and its code keeps answering 「已撤销」, not "closed by the student".
    REVOKED = "revoked", "记录已撤销 / the record was revoked"


class Report(models.Model):
    """One verification report of one record, with its code and validity.

    .. pii: a snapshot of a named person's record as issued (ID number masked, never in full),
       the owner's account, and the identity digest that keys the owner's access log.
    """

    code = models.CharField("在线验证码 / verification code", max_length=16, unique=True)
    kind = models.CharField("报告类型 / kind", max_length=10, choices=ReportKind.choices)
    lang = models.CharField("语言 / language", max_length=2, choices=ReportLanguage.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports")
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The record's identity digest, so access_event_record can log verifications of the report
    # on the owner's access page without another query.
    identity_digest = models.CharField(max_length=64)
    snapshot = models.JSONField("报告内容 / content as issued")
    months = models.PositiveSmallIntegerField("有效期（月）/ validity (months)")
    valid_until = models.DateField("有效期至 / valid until")
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.ACTIVE)
    replaced_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces")
    created_at = models.DateTimeField(auto_now_add=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "在线验证报告 / verification report"
        verbose_name_plural = "在线验证报告 / verification reports"
        indexes = [models.Index(fields=["user", "-created_at"], name="report_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind=ReportKind.CREDENTIAL, credential__isnull=False, enrollment__isnull=True)
                    | models.Q(kind=ReportKind.ENROLLMENT, credential__isnull=True, enrollment__isnull=False)
                ),
                name="report_one_record_of_its_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(months__gte=MIN_MONTHS, months__lte=MAX_MONTHS), name="report_months_1_to_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display().split(' / ')[0]} {self.code[:4]}…"

    @property
    def record(self) -> Credential | Enrollment:
        return self.credential or self.enrollment  # type: ignore[return-value]

    def is_expired(self, today: date) -> bool:
        return today > self.valid_until


class Organisation(models.Model):
    """A verifier (用人单位, school, agency) with an account for the verification API.

    .. pii: a contact person's name and email at the organisation.
    """

    name = models.CharField("单位名称 / organisation", max_length=200, unique=True)
    credit_code = models.CharField(
        "统一社会信用代码 / unified social credit code", max_length=18, blank=True, default=""
    )
    contact_name = models.CharField("联系人 / contact", max_length=100, blank=True, default="")
    contact_email = models.EmailField("联系邮箱 / contact email", blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "查询单位 / verifying organisation"
        verbose_name_plural = "查询单位 / verifying organisations"

    def __str__(self) -> str:
        return self.name


class VerifierKey(models.Model):
    """An organisation's key for the verification API.

    Holds no personal data. Only a SHA-256 of the secret is stored (256-bit random secrets, so a
    fast hash is enough, as for institutions.ApiKey); the key is shown once, when issued.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="keys")
    name = models.CharField("名称 / name", max_length=60)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "验证接口密钥 / verification API key"
        verbose_name_plural = "验证接口密钥 / verification API keys"

    def __str__(self) -> str:
        return f"{self.organisation} {self.name} ({self.prefix}…)"
