"""The registry: admissions (录取), enrollments (学籍), changes (异动), annual registrations
(学年注册), credentials (学历) and photos.

Every record keeps the identity it was registered with (IdentitySnapshot). Nothing here is
ever deleted: cancellation, revocation and supersession are states. Writes go through
`registry.services`, which enforce the rules of DESIGN.md §2 and write the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xuedang.core.fields import EncryptedTextField
from xuedang.core.models import DocumentType
from xuedang.institutions.models import Institution


class Gender(models.TextChoices):
    """GB/T 2261.1."""

    UNKNOWN = "0", "未知的性别 / unknown"
    MALE = "1", "男 / male"
    FEMALE = "2", "女 / female"
    UNSPECIFIED = "9", "未说明的性别 / unspecified"


class Level(models.TextChoices):
    """培养层次 — the two-digit level codes used in certificate numbers."""

    DOCTORATE = "01", "博士研究生 / doctorate"
    MASTER = "02", "硕士研究生 / master"
    SECOND_BACHELOR = "04", "第二学士学位 / second bachelor"
    BACHELOR = "05", "本科 / bachelor"
    JUNIOR_COLLEGE = "06", "专科 / junior college"


class EducationType(models.TextChoices):
    """办学类型 — the sixth digit of an 18-digit certificate number."""

    GENERAL = "1", "普通高等教育 / general higher education"
    ADULT = "5", "成人高等教育 / adult higher education"
    SELF_STUDY = "6", "高等教育自学考试 / self-study examinations"
    ONLINE = "7", "网络教育 / online education"


class StudyForm(models.TextChoices):
    """学习形式."""

    FULL_TIME = "1", "全日制 / full-time"
    PART_TIME = "2", "非全日制 / part-time"
    SPARE_TIME = "3", "业余 / spare-time"
    CORRESPONDENCE = "4", "函授 / correspondence"
    ONLINE = "5", "网络教育 / online"
    SELF_STUDY = "6", "自学考试 / self-study"


class EnrollmentState(models.TextChoices):
    """学籍状态. The first four hold the person's one full-time general 学籍 (第八条)."""

    REGISTERED = "registered", "注册学籍 / registered"
    DEFERRED = "deferred", "暂缓注册 / registration deferred"
    SUSPENDED = "suspended", "休学 / suspended"
    RESERVED = "reserved", "保留学籍 / status reserved"
    GRADUATED = "graduated", "毕业 / graduated"
    COMPLETED = "completed", "结业 / completed without graduating"
    LEFT = "left", "肄业 / left without completing"
    TRANSFERRED_OUT = "transferred_out", "转出 / transferred out"
    WITHDRAWN = "withdrawn", "退学 / withdrawn"
    REVOKED = "revoked", "取消学籍 / status revoked"
    EXPELLED = "expelled", "开除学籍 / expelled"
    DECEASED = "deceased", "死亡 / deceased"


ACTIVE_ENROLLMENT_STATES = (
    EnrollmentState.REGISTERED,
    EnrollmentState.DEFERRED,
    EnrollmentState.SUSPENDED,
    EnrollmentState.RESERVED,
)


class IdentitySnapshot(models.Model):
    """The identity a record was registered with; it never follows later changes.

    .. pii: name, gender, birth date, ethnicity, document number (encrypted; digest beside it).
    """

    name = models.CharField("姓名 / name", max_length=100)
    gender = models.CharField("性别 / gender", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期 / birth date")
    ethnicity = models.CharField("民族 / ethnicity", max_length=2, blank=True, default="")
    document_type = models.CharField(
        "证件类型 / document type",
        max_length=20,
        choices=DocumentType.choices,
        default=DocumentType.RESIDENT_ID,
    )
    document_number = EncryptedTextField("证件号码 / document number", blank=True, default="")
    identity_digest = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta:
        abstract = True


class AdmissionState(models.TextChoices):
    ADMITTED = "admitted", "已录取 / admitted"
    REGISTERED = "registered", "已注册学籍 / registered"
    DECLINED = "declined", "放弃入学资格 / declined"
    DEFERRED = "deferred", "保留入学资格 / admission deferred"
    CANCELLED = "cancelled", "取消入学资格 / admission cancelled"


class AdmissionReview(models.TextChoices):
    """录取 reviewed twice before a school sees it (第七条): by the province, then by the centre."""

    SUBMITTED = "submitted", "已提交 / submitted"
    PROVINCE_APPROVED = "province_approved", "省级审核通过 / approved by the province"
    CENTRE_APPROVED = "centre_approved", "中心复核通过 / re-checked by the centre"
    RETURNED = "returned", "退回 / returned"


class AdmissionBatch(models.Model):
    """One submission of 录取 data by a province's admissions office for one institution (one file).

    .. pii: none itself; its rows are admissions.
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="admission_batches")
    import_job_id = models.BigIntegerField("导入批次 / import job", null=True, blank=True, unique=True)
    state = models.CharField(max_length=20, choices=AdmissionReview.choices, default=AdmissionReview.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    province_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    province_reviewed_at = models.DateTimeField(null=True, blank=True)
    centre_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    centre_reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "录取批次 / admission batch"
        verbose_name_plural = "录取批次 / admission batches"

    def __str__(self) -> str:
        return f"{self.institution_id} #{self.pk} {self.state}"


class Admission(IdentitySnapshot):
    """录取 — a province's admission of a candidate (考生号) to an institution.

    .. pii: see IdentitySnapshot; the 考生号.
    """

    exam_number = models.CharField("考生号 / candidate number", max_length=14)
    year = models.PositiveSmallIntegerField("录取年份 / admission year")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="admissions")
    province_code = models.CharField("生源地 / home province", max_length=2)
    major_code = models.CharField("专业代码 / major code", max_length=10)
    major_name = models.CharField("专业名称 / major", max_length=100)
    level = models.CharField("层次 / level", max_length=2, choices=Level.choices)
    study_form = models.CharField("学习形式 / study form", max_length=1, choices=StudyForm.choices)
    education_type = models.CharField(
        "办学类型 / education type",
        max_length=1,
        choices=EducationType.choices,
        default=EducationType.GENERAL,
    )
    admission_type = models.CharField("录取类型 / admission type", max_length=10)
    preparatory = models.BooleanField("预科 / preparatory", default=False)
    state = models.CharField(max_length=12, choices=AdmissionState.choices, default=AdmissionState.ADMITTED)
    state_reason = models.TextField(blank=True, default="")
    # Nothing unreviewed reaches a school: a row is the school's once the centre re-checked it.
    batch = models.ForeignKey(
        AdmissionBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="admissions"
    )
    review = models.CharField(
        "审核 / review", max_length=20, choices=AdmissionReview.choices, default=AdmissionReview.SUBMITTED
    )
    review_note = models.TextField("退回原因 / why returned", blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "录取 / admission"
        verbose_name_plural = "录取 / admissions"
        constraints = [
            models.UniqueConstraint(fields=["year", "exam_number"], name="admission_exam_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.exam_number}"


class Enrollment(IdentitySnapshot):
    """学籍 — a student's registered status at one institution.

    .. pii: see IdentitySnapshot; student number.
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="enrollments")
    student_number = models.CharField("学号 / student number", max_length=30)
    admission = models.OneToOneField(
        Admission, null=True, blank=True, on_delete=models.PROTECT, related_name="enrollment"
    )
    exam_number = models.CharField("考生号 / candidate number", max_length=14, blank=True, default="")
    department = models.CharField("院系 / department", max_length=100, blank=True, default="")
    major_code = models.CharField("专业代码 / major code", max_length=10)
    major_name = models.CharField("专业名称 / major", max_length=100)
    level = models.CharField("层次 / level", max_length=2, choices=Level.choices)
    education_type = models.CharField(
        "办学类型 / education type",
        max_length=1,
        choices=EducationType.choices,
        default=EducationType.GENERAL,
    )
    study_form = models.CharField("学习形式 / study form", max_length=1, choices=StudyForm.choices)
    is_full_time = models.BooleanField("全日制 / full-time", default=True)
    length_years = models.DecimalField("学制 / length (years)", max_digits=3, decimal_places=1)
    entry_date = models.DateField("入学日期 / entry date")
    expected_graduation_date = models.DateField("预计毕业日期 / expected graduation")
    admission_type = models.CharField("录取类型 / admission type", max_length=10, blank=True, default="")
    preparatory = models.BooleanField("预科 / preparatory", default=False)
    class_name = models.CharField("班级 / class", max_length=60, blank=True, default="")
    state = models.CharField(
        "学籍状态 / state",
        max_length=16,
        choices=EnrollmentState.choices,
        default=EnrollmentState.REGISTERED,
    )
    state_date = models.DateField("状态日期 / state since", null=True, blank=True)
    # The import job that registered this enrollment, if any: its audit entry (who, which
    # file, how many rows) stands for every row of the file (decision 0003).
    import_job_id = models.BigIntegerField("导入批次 / import job", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "学籍 / enrollment"
        verbose_name_plural = "学籍 / enrollments"
        indexes = [models.Index(fields=["institution", "state"], name="enrollment_inst_state_idx")]
        constraints = [
            models.UniqueConstraint(fields=["institution", "student_number"], name="enrollment_student_number_unique"),
            # 第八条: one full-time general 学籍 per person at a time. Partial unique index on
            # both databases; the service checks first to give a clear message.
            models.UniqueConstraint(
                fields=["identity_digest"],
                condition=models.Q(
                    is_full_time=True,
                    education_type=EducationType.GENERAL,
                    state__in=[s.value for s in ACTIVE_ENROLLMENT_STATES],
                )
                & ~models.Q(identity_digest=""),
                name="enrollment_one_active_full_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution.code}/{self.student_number}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_ENROLLMENT_STATES


class EnrollmentChange(models.Model):
    """学籍异动 — one change of an enrollment, with its official code and before/after values.

    .. pii: before/after values may hold the major, class or state of a named student.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="changes")
    change_code = models.CharField("异动类别 / change code", max_length=2)
    change_date = models.DateField("异动日期 / date")
    decision_date = models.DateField("决定日期 / decision date", null=True, blank=True)
    decision_number = models.CharField("文号 / decision no.", max_length=60, blank=True, default="")
    reason = models.TextField("原因 / reason", blank=True, default="")
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    counterpart = models.ForeignKey(
        Enrollment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="转学: the enrollment on the other side",
    )
    late = models.BooleanField("逾期 / late", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["change_date", "id"]
        verbose_name = "学籍异动 / enrollment change"
        verbose_name_plural = "学籍异动 / enrollment changes"

    def __str__(self) -> str:
        return f"{self.enrollment} {self.change_code} {self.change_date}"


class AnnualRegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "注册学籍 / registered"
    DEFERRED = "deferred", "暂缓注册 / deferred"


class AnnualRegistration(models.Model):
    """学年注册 — one academic year's registration of an enrollment (第十三条).

    .. pii: ties a named student to an academic year's status.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="annual_registrations")
    academic_year = models.PositiveSmallIntegerField("学年 / academic year (start)")
    status = models.CharField(max_length=12, choices=AnnualRegistrationStatus.choices)
    semester_start = models.DateField("开学日期 / semester start")
    deadline = models.DateField("注册截止 / deadline")
    registered_on = models.DateField("注册日期 / registered on")
    late = models.BooleanField("逾期 / late", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["academic_year"]
        verbose_name = "学年注册 / annual registration"
        verbose_name_plural = "学年注册 / annual registrations"
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "academic_year"], name="annual_registration_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.academic_year}-{self.academic_year + 1}"


class AdmissionCorrectionState(models.TextChoices):
    PENDING_PROVINCE = "pending_province", "待省级审核 / waiting for the province"
    PENDING_CENTRE = "pending_centre", "待中心复核 / waiting for the centre"
    APPLIED = "applied", "已更正 / applied"
    REJECTED = "rejected", "未通过 / rejected"


class AdmissionCorrection(models.Model):
    """录取数据更正 (第十条): the school asks, with evidence, that one field of a 录取 row be corrected;
    the province reviews, the centre re-checks, and the row (and the 学籍 registered from it)
    changes only then. The old value stays here and in the audit log.

    .. pii: a named candidate's old and new values (encrypted) and the evidence file.
    """

    admission = models.ForeignKey("Admission", on_delete=models.PROTECT, related_name="corrections")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    field = models.CharField("字段 / field", max_length=20)
    old_value = EncryptedTextField("原值 / old value", blank=True, default="")
    new_value = EncryptedTextField("应为 / should be")
    reason = models.TextField("理由 / reason")
    evidence = models.BinaryField()
    evidence_name = models.CharField(max_length=200)
    evidence_type = models.CharField(max_length=40)
    state = models.CharField(
        max_length=20, choices=AdmissionCorrectionState.choices, default=AdmissionCorrectionState.PENDING_PROVINCE
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    province_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    province_at = models.DateTimeField(null=True, blank=True)
    centre_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    centre_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = "录取数据更正 / admission correction"
        verbose_name_plural = "录取数据更正 / admission corrections"

    def __str__(self) -> str:
        return f"{self.admission_id} {self.field} {self.state}"


class WaiverCategory(models.TextChoices):
    """Students with no province 录取 row in this registry (decision 0026)."""

    GRADUATE = "graduate", "研究生（学校录取）/ graduate student admitted by the school"
    HKMT_INTERNATIONAL = "hkmt_international", "港澳台侨及外国留学生 / from Hong Kong, Macau, Taiwan or abroad"
    PREPARATORY = "preparatory", "预科结业转入 / preparatory student handed over"


class WaiverState(models.TextChoices):
    PENDING = "pending", "待省级审批 / waiting for the province"
    APPROVED = "approved", "已批准 / approved"
    REJECTED = "rejected", "不予批准 / rejected"


class EligibilityWaiver(models.Model):
    """资格复查例外 — the province allows one new student with no reviewed 录取 to be registered at
    one institution (decision 0026). Used once: the enrollment it allowed is linked.

    .. pii: a named person's document number (encrypted, digest beside it) and the reason.
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="eligibility_waivers")
    category = models.CharField("类别 / category", max_length=20, choices=WaiverCategory.choices)
    name = models.CharField("姓名 / name", max_length=100)
    document_type = models.CharField(
        "证件类型 / document type", max_length=20, choices=DocumentType.choices, default=DocumentType.RESIDENT_ID
    )
    document_number = EncryptedTextField("证件号码 / document number")
    identity_digest = models.CharField(max_length=64, db_index=True)
    reason = models.TextField("理由 / reason")
    state = models.CharField(max_length=10, choices=WaiverState.choices, default=WaiverState.PENDING)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")
    enrollment = models.OneToOneField(
        "Enrollment", null=True, blank=True, on_delete=models.PROTECT, related_name="eligibility_waiver"
    )

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = "资格复查例外 / eligibility waiver"
        verbose_name_plural = "资格复查例外 / eligibility waivers"

    def __str__(self) -> str:
        return f"{self.institution_id} {self.category} {self.state}"


class SemesterStart(models.Model):
    """开学日期 — an institution's first-semester start of one academic year. 学年注册 is due one
    month later (第十三条); the date is recorded once per year by the institution, visible to its
    province, and every change is audited, so the registrar no longer types it per registration.

    .. pii: none.
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="semester_starts")
    academic_year = models.PositiveSmallIntegerField("学年 / academic year (start)")
    starts_on = models.DateField("第一学期开学日期 / first-semester start")
    deadline = models.DateField("学年注册截止 / annual registration due")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-academic_year"]
        verbose_name = "开学日期 / semester start"
        verbose_name_plural = "开学日期 / semester starts"
        constraints = [
            models.UniqueConstraint(fields=["institution", "academic_year"], name="semester_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.academic_year}: {self.starts_on}"


class Photo(models.Model):
    """A student's photo (admission or graduation) as registered by the school.

    .. pii: a face image.
    """

    class Purpose(models.TextChoices):
        ADMISSION = "admission", "录取照片 / admission photo"
        GRADUATION = "graduation", "毕业照片 / graduation photo"

    # Empty for the photo of a credential that stands without a 学籍 (自考, 补录: decision 0029).
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="photos")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    image = models.BinaryField()
    content_type = models.CharField(max_length=20, default="image/jpeg")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    superseded = models.BooleanField(default=False)
    # 图像校对: the student says the photo is wrong and the school has not answered yet. Set and
    # cleared by archive's photo check through `photo_dispute_open` / `photo_dispute_close`;
    # while set, a credential with this photo cannot be published.
    disputed = models.BooleanField(default=False)

    class Meta:
        verbose_name = "照片 / photo"
        verbose_name_plural = "照片 / photos"

    def __str__(self) -> str:
        return f"{self.enrollment} {self.purpose} {self.sha256[:8]}"


class CredentialKind(models.TextChoices):
    GRADUATION = "graduation", "毕业 / graduation"
    COMPLETION = "completion", "结业 / completion"


class CredentialSource(models.TextChoices):
    """Where a credential comes from (decision 0029): the 学籍 it ends, or none at all."""

    ENROLLMENT = "enrollment", "学籍毕（结）业 / from an enrollment"
    SELF_STUDY = "self_study", "高等教育自学考试 / self-study examinations (自考)"
    BACK_REGISTERED = "back_registered", "补录 / back-registered (1991–2001)"


class BackRegistrationState(models.TextChoices):
    PENDING = "pending", "待省级教育行政部门审核 / waiting for the province"
    APPROVED = "approved", "已批准 / approved"
    REJECTED = "rejected", "不予批准 / rejected"


class BackRegistrationBatch(models.Model):
    """补录 — one file of a school's historical graduates (1991–2001), registered only once the
    school's province approves the whole batch; its credentials are then published, marked 补录.

    .. pii: none itself; its credentials hold the graduates' identities.
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField("文件 / file", max_length=200, blank=True, default="")
    rows = models.PositiveIntegerField("记录数 / records")
    state = models.CharField(
        "状态 / state", max_length=10, choices=BackRegistrationState.choices, default=BackRegistrationState.PENDING
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("省级处理时间 / province acted", null=True, blank=True)
    decision_note = models.TextField("审核意见 / the province's note", blank=True, default="")

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = "补录批次 / back-registration batch"
        verbose_name_plural = "补录批次 / back-registration batches"

    def __str__(self) -> str:
        return f"补录 #{self.pk} {self.institution_id} {self.state}"


class CredentialState(models.TextChoices):
    DRAFT = "draft", "待发布 / not yet published"
    PUBLISHED = "published", "已发布 / published"
    REVOKED = "revoked", "已撤销 / revoked"


class Credential(IdentitySnapshot):
    """学历 — the credential (毕业 or 结业) of one enrollment, with every field of 第十七条.

    Queryable only once published; published on its issue date (第十八条).

    .. pii: see IdentitySnapshot; the photo through `photo`.
    """

    # Empty only for a credential that stands alone (`source` 自考 or 补录, decision 0029).
    enrollment = models.OneToOneField(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="credential"
    )
    source = models.CharField(
        "来源 / source", max_length=16, choices=CredentialSource.choices, default=CredentialSource.ENROLLMENT
    )
    # 自考: the province whose 自考委 registered it (its 自考办 corrects it); empty otherwise.
    province_code = models.CharField("自考省份 / self-study province", max_length=2, blank=True, default="")
    # 补录: the batch it came with; published when the province approves the batch.
    back_registration = models.ForeignKey(
        BackRegistrationBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials"
    )
    # 自考: the 主考学校 that co-signs the certificate; otherwise the awarding school.
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="credentials")
    kind = models.CharField("毕（结）业 / kind", max_length=10, choices=CredentialKind.choices)
    certificate_number = models.CharField("证书编号 / certificate number", max_length=40, blank=True, default="")
    certificate_key = models.CharField(
        max_length=40,
        blank=True,
        default="",
        db_index=True,
        help_text="normalised number for matching (core.validators)",
    )
    institution_name = models.CharField("学校名称 / institution", max_length=100)
    president_name = models.CharField("校（院）长姓名 / president", max_length=100, blank=True, default="")
    major_code = models.CharField("专业代码 / major code", max_length=10)
    major_name = models.CharField("专业 / major", max_length=100)
    level = models.CharField("层次 / level", max_length=2, choices=Level.choices)
    education_type = models.CharField(max_length=1, choices=EducationType.choices, default=EducationType.GENERAL)
    study_form = models.CharField("学习形式 / study form", max_length=1, choices=StudyForm.choices)
    length_years = models.DecimalField("学制 / length (years)", max_digits=3, decimal_places=1)
    study_start = models.DateField("入学日期 / study start")
    study_end = models.DateField("毕（结）业日期 / study end")
    issue_date = models.DateField("发证日期 / issue date", null=True, blank=True)
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    minor = models.CharField("辅修 / minor", max_length=200, blank=True, default="")
    lost_certificate_note = models.TextField("证明书 / replacement-certificate note", blank=True, default="")
    state = models.CharField(max_length=10, choices=CredentialState.choices, default=CredentialState.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "学历 / credential"
        verbose_name_plural = "学历 / credentials"
        constraints = [
            # Numbers since 2001 name their school, so they are unique nationwide; a 补录 number
            # before 2001 is free form ("NO.00298959") and unique only within its school, which
            # `back_registration_submit` checks under a lock on the school (decision 0029).
            models.UniqueConstraint(
                fields=["certificate_number"],
                condition=~models.Q(certificate_number="") & ~models.Q(source="back_registered"),
                name="credential_certificate_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(source="enrollment", enrollment__isnull=False, province_code="")
                | models.Q(source="self_study", enrollment__isnull=True) & ~models.Q(province_code="")
                | models.Q(
                    source="back_registered", enrollment__isnull=True, province_code="", back_registration__isnull=False
                ),
                name="credential_source_shape",
            ),
        ]

    def __str__(self) -> str:
        return self.certificate_number or f"draft #{self.pk}"

    @property
    def stands_alone(self) -> bool:
        """自考 and 补录 credentials have no 学籍 behind them."""
        return self.enrollment_id is None


class EnrollmentNote(models.Model):
    """奖惩 and 学习证明 — rewards, penalties and study certificates recorded on an enrollment.

    .. pii: a named student's rewards and disciplinary record.
    """

    class Kind(models.TextChoices):
        REWARD = "reward", "奖励 / reward"
        PENALTY = "penalty", "处分 / disciplinary penalty"
        PENALTY_LIFTED = "penalty_lifted", "解除处分 / penalty lifted"
        STUDY_CERTIFICATE = "study_certificate", "学习证明 / certificate of study"

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField("类别 / kind", max_length=20, choices=Kind.choices)
    title = models.CharField("名称 / title", max_length=200)
    decided_on = models.DateField("日期 / date")
    decision_number = models.CharField("文号 / decision no.", max_length=60, blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_on", "id"]
        verbose_name = "奖惩与证明 / note"
        verbose_name_plural = "奖惩与证明 / notes"

    def __str__(self) -> str:
        return f"{self.enrollment} {self.kind} {self.title}"


class TransferState(models.TextChoices):
    """转学申请 — sending school agrees, then the receiving school's province approves."""

    PENDING_SENDING = "pending_sending", "待转出学校同意 / waiting for the sending school"
    PENDING_PROVINCE = "pending_province", "待省级教育行政部门审批 / waiting for the province"
    APPLIED = "applied", "已办理 / transfer applied"
    REJECTED = "rejected", "未同意 / rejected"
    WITHDRAWN = "withdrawn", "已撤回 / withdrawn"
    LAPSED = "lapsed", "已失效（学籍已不在籍） / lapsed: the enrollment ended"


OPEN_TRANSFER_STATES = (TransferState.PENDING_SENDING, TransferState.PENDING_PROVINCE)


class TransferRequest(models.Model):
    """转学申请 — filed by the receiving school; the sending school agrees, the receiving school's
    province approves (2017 普通高等学校学生管理规定). Nothing is written to either enrollment until
    the province approves; then `registry.services.enrollment_transfer` writes both sides (21/22).

    .. pii: ties a named student's enrollment to another school; the new student number.
    """

    source = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="transfer_requests")
    from_institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="+", verbose_name="转出学校 / sending institution"
    )
    to_institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="+", verbose_name="转入学校 / receiving institution"
    )
    student_number = models.CharField("转入后学号 / new student number", max_length=30)
    transfer_date = models.DateField("转学日期 / transfer date")
    decision_number = models.CharField("批准文号 / approval document no.", max_length=60)
    reason = models.TextField("转学原因 / reason")
    major_code = models.CharField("转入专业代码 / major code", max_length=10, blank=True, default="")
    major_name = models.CharField("转入专业名称 / major", max_length=100, blank=True, default="")
    department = models.CharField("转入院系 / department", max_length=100, blank=True, default="")
    state = models.CharField(
        "状态 / state", max_length=16, choices=TransferState.choices, default=TransferState.PENDING_SENDING
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    sending_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sending_at = models.DateTimeField("转出学校处理时间 / sending school acted", null=True, blank=True)
    sending_agreed = models.BooleanField("转出学校同意 / sending school agreed", null=True, blank=True)
    province_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    province_at = models.DateTimeField("省级处理时间 / province acted", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField("撤回时间 / withdrawn", null=True, blank=True)
    lapsed_at = models.DateTimeField(
        "失效时间 / lapsed",
        null=True,
        blank=True,
        help_text="the enrollment left the active states while the request was open",
    )
    rejection_reason = models.TextField("不同意理由 / reason for rejecting", blank=True, default="")
    target = models.OneToOneField(
        Enrollment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the enrollment created at the receiving school once applied",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = "转学申请 / transfer request"
        verbose_name_plural = "转学申请 / transfer requests"
        indexes = [
            models.Index(fields=["from_institution", "state"], name="transfer_sending_queue_idx"),
            models.Index(fields=["to_institution", "state"], name="transfer_receiving_queue_idx"),
        ]
        constraints = [
            # One open request per enrollment: a second school cannot queue behind the first.
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(state__in=[s.value for s in OPEN_TRANSFER_STATES]),
                name="transfer_one_open_per_enrollment",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_institution=models.F("to_institution")),
                name="transfer_between_two_institutions",
            ),
        ]

    def __str__(self) -> str:
        return f"转学 #{self.pk} {self.from_institution_id}→{self.to_institution_id}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TRANSFER_STATES


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

    # Found by the (identity_digest, -at) index below; no index of its own (one index less to write
    # on every verification, the registry's most frequent write).
    identity_digest = models.CharField(max_length=64)
    record_type = models.CharField(max_length=16)  # admission | enrollment | credential | report | authentication
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
        db_table = "archive_accessevent"  # moved from archive with its rows (decision 0011)

    def __str__(self) -> str:
        return f"{self.viewer_kind} {self.record_type}#{self.record_id} {self.at:%Y-%m-%d %H:%M}"


class RevocationKind(models.TextChoices):
    CREDENTIAL = "credential", "撤销学历（第二十六条）/ revoke the credential"
    ENROLLMENT = "enrollment", "取消学籍 / revoke the enrollment (and its credential)"


class RevocationState(models.TextChoices):
    PENDING = "pending", "待省级教育行政部门审核 / waiting for the province"
    APPROVED = "approved", "已批准，已撤销 / approved: revoked"
    REJECTED = "rejected", "不予批准 / rejected"


class RevocationRequest(models.Model):
    """撤销 — a school asks its province to revoke a published credential (第二十六条) or to cancel a
    学籍 registered against the rules after its credential was published (取消学籍). Nothing changes
    until the province approves; then the record reads 「已撤销」 everywhere it is shown.

    .. pii: ties a named student's record to the reason it is revoked.
    """

    kind = models.CharField("类型 / kind", max_length=12, choices=RevocationKind.choices)
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="revocation_requests")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("撤销原因 / reason")
    decision_number = models.CharField("学校决定文号 / the school's decision no.", max_length=60)
    state = models.CharField(
        "状态 / state", max_length=10, choices=RevocationState.choices, default=RevocationState.PENDING
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("省级处理时间 / province acted", null=True, blank=True)
    decision_note = models.TextField("审核意见 / the province's note", blank=True, default="")

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = "撤销申请 / revocation request"
        verbose_name_plural = "撤销申请 / revocation requests"
        constraints = [
            models.UniqueConstraint(
                fields=["credential"],
                condition=models.Q(state="pending"),
                name="revocation_one_pending_per_credential",
            ),
        ]

    def __str__(self) -> str:
        return f"撤销 #{self.pk} {self.kind} {self.state}"


class RecordNotice(models.Model):
    """第十一条: the student is told when their 学籍 is registered, their 学历 published, their
    学籍 cancelled or their credential revoked. One row per event (`event_key` unique), so the same
    event is never announced twice; kept by identity digest, so a person who has no account yet
    reads it when their records first bind.

    .. pii: a notice about a named person's record (the text names the record, not the person).
    """

    event_key = models.CharField(max_length=80, unique=True)
    identity_digest = models.CharField(max_length=64, db_index=True)
    record_type = models.CharField(max_length=12)  # enrollment | credential
    record_id = models.BigIntegerField()
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "学籍学历通知 / record notice"
        verbose_name_plural = "学籍学历通知 / record notices"

    def __str__(self) -> str:
        return self.event_key


class RecordNoticeDelivery(models.Model):
    """That `user` was told of `notice` (in-app, and by SMS/email once): at most once each.

    .. pii: links a person's account to a notice about their record.
    """

    notice = models.ForeignKey(RecordNotice, on_delete=models.PROTECT, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="record_notice_once_per_user")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.user_id}"


class PublicationJob(models.Model):
    """发布到期学历 in the background: every complete draft of one school due by `due_by`,
    published one by one (each its own transaction and audit entry) with progress for the page.

    .. pii: none (counts only; the credentials keep their own history).
    """

    class State(models.TextChoices):
        PENDING = "pending", "排队中 / queued"
        RUNNING = "running", "发布中 / publishing"
        DONE = "done", "已完成 / done"
        FAILED = "failed", "中断，已发布的保持发布 / interrupted; what was published stays published"

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    due_by = models.DateField("发证日期截至 / issue dates up to")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    published = models.PositiveIntegerField(default=0)
    incomplete = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "学历发布任务 / publication job"
        verbose_name_plural = "学历发布任务 / publication jobs"

    def __str__(self) -> str:
        return f"#{self.pk} {self.institution_id} ≤{self.due_by} {self.state}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.processed * 100 // self.total
