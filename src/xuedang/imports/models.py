from django.conf import settings
from django.db import models

from xuedang.institutions.models import Institution


class ImportKind(models.TextChoices):
    ENROLLMENTS = "enrollments", "新生学籍注册 / new-student registration"
    ADMISSIONS = "admissions", "录取数据 / admission data"
    ANNUAL_REGISTRATIONS = "annual_registrations", "学年注册 / annual registration"
    CHANGES = "changes", "学籍异动 / status changes"
    CANCELLATIONS = "cancellations", "学籍注销 / cancellation"
    CREDENTIALS = "credentials", "学历注册 / credentials"
    CREDENTIAL_UPDATES = "credential_updates", "学历注册信息更新 / credential corrections before publication"


class ImportState(models.TextChoices):
    PENDING = "pending", "排队中 / queued"
    VALIDATING = "validating", "校验中 / validating"
    LOADING = "loading", "写入中 / loading"
    INVALID = "invalid", "有错误，未写入 / errors found, nothing written"
    DONE = "done", "已完成 / done"
    FAILED = "failed", "失败，未写入 / failed, nothing written"


class ImportJob(models.Model):
    """One uploaded file and what became of it.

    .. pii: the stored file holds the students' identities; it lives under DATA_DIR/imports
       with the job and is removed when the job finishes (the registry keeps the data).
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="import_jobs")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=ImportState.choices, default=ImportState.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    inserted_rows = models.PositiveIntegerField(default=0)
    skipped_rows = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, default="")
    errors = models.JSONField(default=list, help_text="the first errors, for the page; the report has all")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    api_key = models.ForeignKey(
        "institutions.ApiKey",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the key of the system that submitted it, if any",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="last sign of life of the worker")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "导入任务 / import job"
        verbose_name_plural = "导入任务 / import jobs"

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.filename} {self.state}"
