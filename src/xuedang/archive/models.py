"""The student's side of the registry (学信档案): which records belong to which account, and
who has looked at them.

Records themselves live in `registry`; this app only links them to accounts (Binding) and
keeps the student's requests about them (photo checks, corrections, former identities). The log
of accesses by anyone else (AccessEvent) is the registry's, which every reader writes to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xuedang.core.fields import EncryptedTextField
from xuedang.core.masking import mask_document
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
            models.UniqueConstraint(
                fields=["admission"], condition=models.Q(admission__isnull=False), name="binding_admission_unique"
            ),
            models.UniqueConstraint(
                fields=["enrollment"], condition=models.Q(enrollment__isnull=False), name="binding_enrollment_unique"
            ),
            models.UniqueConstraint(
                fields=["credential"], condition=models.Q(credential__isnull=False), name="binding_credential_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.admission or self.enrollment or self.credential}"

    @property
    def record(self) -> Admission | Enrollment | Credential:
        return self.admission or self.enrollment or self.credential  # type: ignore[return-value]


class FormerIdentity(models.Model):
    """An earlier name and/or ID of an account holder (approved identity change, 曾用名).

    Once approved, records registered under it bind to the account like the current identity
    does, and keep showing the name they were registered under.

    .. pii: a person's former name and the digest of a former document number.
    """

    class State(models.TextChoices):
        PENDING = "pending", "待审核 / pending"
        APPROVED = "approved", "已批准 / approved"
        REJECTED = "rejected", "未批准 / rejected"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="former_identities")
    name = models.CharField("曾用名 / former name", max_length=100)
    identity_digest = models.CharField(
        max_length=64, blank=True, default="", help_text="digest of the former ID; empty when only the name changed"
    )
    document_hint = models.CharField("原证件号码（脱敏）/ former ID (masked)", max_length=30, blank=True, default="")
    reason = models.TextField("变更原因 / reason")
    evidence = models.BinaryField()
    evidence_type = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "曾用身份 / former identity"
        verbose_name_plural = "曾用身份 / former identities"

    def __str__(self) -> str:
        return f"{self.user} ← {self.name}"


class PhotoCheck(models.Model):
    """图像校对 — the student's answer about the photo to be registered with the credential.

    A dispute stays open until the school resolves it; while open, the credential using the
    photo cannot be published (registry.services.credential_publish asks `photo_disputed`).

    .. pii: a named student's statement about their photo.
    """

    class Verdict(models.TextChoices):
        CORRECT = "correct", "正确 / correct"
        WRONG = "wrong", "信息有误 / wrong"

    class State(models.TextChoices):
        CONFIRMED = "confirmed", "已确认 / confirmed by the student"
        OPEN = "open", "待学校处理 / waiting for the school"
        REPLACED = "replaced", "学校已更换照片 / the school replaced the photo"
        UPHELD = "upheld", "学校核实照片无误 / the school checked the photo is right"

    photo = models.ForeignKey("registry.Photo", on_delete=models.PROTECT, related_name="+")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="photo_checks")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    reason = models.TextField("原因 / reason", blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices)
    resolution = models.TextField("学校答复 / school's answer", blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "图像校对 / photo check"
        verbose_name_plural = "图像校对 / photo checks"
        indexes = [models.Index(fields=["institution", "state"], name="photo_check_queue_idx")]
        constraints = [
            # One answer per photo: a new photo gets a new check.
            models.UniqueConstraint(fields=["photo"], name="photo_check_one_per_photo"),
        ]

    def __str__(self) -> str:
        return f"{self.photo_id} {self.verdict} {self.state}"


# field → (label, kind). Identity fields need the province whatever the record's state.
CORRECTABLE: dict[str, dict[str, tuple[str, str]]] = {
    "enrollment": {
        "name": ("姓名 / name", "name"),
        "gender": ("性别 / gender", "gender"),
        "birth_date": ("出生日期 / birth date", "date"),
        "ethnicity": ("民族 / ethnicity", "ethnicity"),
        "document_number": ("证件号码 / ID number", "resident_id"),
        "department": ("院系 / department", "text"),
        "major_name": ("专业 / major", "text"),
        "class_name": ("班级 / class", "text"),
        "entry_date": ("入学日期 / entry date", "date"),
    },
    "credential": {
        "name": ("姓名 / name", "name"),
        "gender": ("性别 / gender", "gender"),
        "birth_date": ("出生日期 / birth date", "date"),
        "major_name": ("专业 / major", "text"),
        "study_start": ("入学日期 / study start", "date"),
        "study_end": ("毕（结）业日期 / study end", "date"),
        "president_name": ("校（院）长姓名 / president", "name"),
    },
}
IDENTITY_FIELDS = frozenset({"name", "document_number"})


class CorrectionState(models.TextChoices):
    SCHOOL = "school", "学校审核中 / with the school"
    PROVINCE = "province", "已报省级审核 / with the province"
    APPLIED = "applied", "已更正 / applied"
    REJECTED = "rejected", "未通过 / rejected"


class Correction(models.Model):
    """纠错 — a student's request to correct one field of one of their records.

    The school reviews (accept, reject, or forward to the province when the record is
    published or the field is part of the identity); the province approves or rejects.
    Applying keeps the old value here, in the record's audit history and in the timeline.

    .. pii: a named student's record values (old and proposed) and their evidence file.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="corrections")
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT, related_name="+")
    field = models.CharField("字段 / field", max_length=40)
    # Encrypted: a correction of the ID number holds two ID numbers.
    old_value = EncryptedTextField("原值 / current value", blank=True, default="")
    new_value = EncryptedTextField("应为 / should be")
    reason = models.TextField("理由 / reason")
    evidence = models.BinaryField()
    evidence_type = models.CharField(max_length=40)
    evidence_name = models.CharField(max_length=200)
    evidence_sha256 = models.CharField(max_length=64)
    needs_province = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=CorrectionState.choices, default=CorrectionState.SCHOOL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "纠错申请 / correction"
        verbose_name_plural = "纠错申请 / corrections"
        indexes = [models.Index(fields=["institution", "state"], name="correction_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(enrollment__isnull=False, credential__isnull=True)
                    | models.Q(enrollment__isnull=True, credential__isnull=False)
                ),
                name="correction_one_record",
            ),
        ]

    def __str__(self) -> str:
        return f"纠错 #{self.pk} {self.field}"

    @property
    def record(self) -> Enrollment | Credential:
        return self.enrollment or self.credential  # type: ignore[return-value]

    @property
    def is_open(self) -> bool:
        return self.state in (CorrectionState.SCHOOL, CorrectionState.PROVINCE)

    @property
    def field_label(self) -> str:
        kind = "credential" if self.credential_id else "enrollment"
        return CORRECTABLE[kind].get(self.field, (self.field, ""))[0]

    @property
    def old_words(self) -> str:
        return _value_words(self.field, self.old_value)

    @property
    def new_words(self) -> str:
        return _value_words(self.field, self.new_value)

    @property
    def old_for_staff(self) -> str:
        """ID numbers stay masked on staff screens; the evidence file carries the full number."""
        return mask_document(self.old_value) if self.field == "document_number" else self.old_words

    @property
    def new_for_staff(self) -> str:
        return mask_document(self.new_value) if self.field == "document_number" else self.new_words


def _value_words(field: str, value: str) -> str:
    """Codes as words for the request pages (gender and ethnicity are stored as codes)."""
    from xuedang.core.codetables import code_label
    from xuedang.registry.models import Gender

    if field == "gender":
        return dict(Gender.choices).get(value, value)
    if field == "ethnicity":
        return code_label("ethnicity", value)
    return value


class CorrectionStep(models.Model):
    """One step of a correction's timeline (filed, accepted, forwarded, approved, rejected, applied).

    .. pii: staff decisions about a named student's record.
    """

    correction = models.ForeignKey(Correction, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=200)
    note = models.TextField(blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "纠错进度 / correction step"
        verbose_name_plural = "纠错进度 / correction steps"

    def __str__(self) -> str:
        return f"{self.correction_id} {self.action}"

    @property
    def action_words(self) -> str:
        return STEP_WORDS.get(self.action, self.action)


STEP_WORDS = {
    "filed": "提交申请 / filed",
    "forwarded": "学校报省级审核 / forwarded to the province",
    "school_rejected": "学校不予更正 / rejected by the school",
    "province_rejected": "省级不予批准 / rejected by the province",
    "applied": "已更正 / applied",
}
