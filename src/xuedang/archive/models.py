"""The student's side of the registry (学信档案): which records belong to which account, and
who has looked at them.

Records themselves live in `registry`; this app only links them to accounts (Binding) and
keeps the student-visible log of every access by anyone else (AccessEvent).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xuedang.registry.models import Admission, Credential, Enrollment


class BindingMethod(models.TextChoices):
    AUTOMATIC = "automatic", "自动绑定 / bound automatically (ID + name)"
    MANUAL = "manual", "手动绑定 / bound by the student"


class Binding(models.Model):
    """One registry record bound to one student account. Exactly one record per row.

    .. pii: links a person's account to their records.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bindings")
    admission = models.ForeignKey(Admission, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10, choices=BindingMethod.choices)
    bound_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "档案绑定 / binding"
        verbose_name_plural = "档案绑定 / bindings"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(admission__isnull=False, enrollment__isnull=True, credential__isnull=True)
                    | models.Q(admission__isnull=True, enrollment__isnull=False, credential__isnull=True)
                    | models.Q(admission__isnull=True, enrollment__isnull=True, credential__isnull=False)
                ),
                name="binding_one_record",
            ),
            # A record belongs to one account at a time.
            models.UniqueConstraint(fields=["admission"], condition=models.Q(admission__isnull=False),
                                    name="binding_admission_unique"),
            models.UniqueConstraint(fields=["enrollment"], condition=models.Q(enrollment__isnull=False),
                                    name="binding_enrollment_unique"),
            models.UniqueConstraint(fields=["credential"], condition=models.Q(credential__isnull=False),
                                    name="binding_credential_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.admission or self.enrollment or self.credential}"

    @property
    def record(self) -> Admission | Enrollment | Credential:
        return self.admission or self.enrollment or self.credential  # type: ignore[return-value]


class ViewerKind(models.TextChoices):
    STAFF = "staff", "工作人员查看 / staff view"
    VERIFICATION = "verification", "在线验证 / verification of a report"
    PUBLIC_LOOKUP = "public_lookup", "零散查询 / public certificate lookup"
    API = "api", "接口验证 / verification through the API"


class AccessEvent(models.Model):
    """One access to a person's record by someone other than the person (学信档案 access page).

    Keyed by the record's identity digest, so accesses before the student binds their account
    are shown to them once they do.

    .. pii: who looked at a named person's record, and a coarse origin (IP prefix).
    """

    identity_digest = models.CharField(max_length=64, db_index=True)
    record_type = models.CharField(max_length=12)  # admission | enrollment | credential | report
    record_id = models.BigIntegerField()
    viewer_kind = models.CharField(max_length=16, choices=ViewerKind.choices)
    viewer_label = models.CharField("查看方 / who", max_length=200)
    seen = models.CharField("查看内容 / what was seen", max_length=300)
    origin = models.CharField("来源 / from where (coarse)", max_length=60, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "访问记录 / access event"
        verbose_name_plural = "访问记录 / access events"
        indexes = [models.Index(fields=["identity_digest", "-at"], name="access_event_owner_idx")]

    def __str__(self) -> str:
        return f"{self.viewer_kind} {self.record_type}#{self.record_id} {self.at:%Y-%m-%d %H:%M}"
