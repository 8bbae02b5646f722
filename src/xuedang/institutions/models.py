from django.conf import settings
from django.db import models


class Institution(models.Model):
    """A higher-education institution from the Ministry's list (学校标识码 / 院校代码).

    Holds no personal data.
    """

    school_id = models.CharField("学校标识码 / institution ID", max_length=10, unique=True)
    code = models.CharField("院校代码 / institution code", max_length=5, unique=True)
    name = models.CharField("学校名称 / name", max_length=100)
    name_en = models.CharField("英文名称 / English name", max_length=200, blank=True, default="")
    province_code = models.CharField("省份 / province", max_length=2, db_index=True)
    authority = models.CharField("主管部门 / authority", max_length=60)
    city = models.CharField("所在地 / city", max_length=60)
    level = models.CharField("办学层次 / level", max_length=10)
    remarks = models.CharField("备注 / remarks", max_length=60, blank=True, default="")
    credit_system = models.BooleanField(
        "学分制 / credit system",
        default=False,
        help_text="学分制学校不办理留级/降级/跳级 / credit-system schools refuse repeat/skip years",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "高校 / institution"
        verbose_name_plural = "高校 / institutions"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_private(self) -> bool:
        """民办 — from the Ministry list's remarks column."""
        return self.remarks == "民办"


class President(models.Model):
    """An institution's president (校长) for a period; certificates print the one at issue.

    .. pii: the president's name (public office holder).
    """

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="presidents")
    name = models.CharField("校（院）长姓名 / president", max_length=100)
    start_date = models.DateField("任职起 / from")
    end_date = models.DateField("任职止 / to", null=True, blank=True)

    class Meta:
        ordering = ["institution", "-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "start_date"], name="president_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.institution.code} {self.name} {self.start_date}–{self.end_date or ''}"


class FormerName(models.Model):
    """A name the institution carried until a rename or merger took effect (更名、合并). A
    credential and its reports show the name in force on the graduation date
    (`institutions.selectors.institution_name_on`).

    Holds no personal data.
    """

    class Kind(models.TextChoices):
        RENAME = "rename", "更名 / renamed"
        MERGER = "merger", "合并 / merged"

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="former_names")
    name = models.CharField("原名称 / former name", max_length=100)
    until = models.DateField("使用至 / in force until")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RENAME)
    note = models.CharField("说明 / note", max_length=200, blank=True, default="")

    class Meta:
        ordering = ["institution", "until"]
        verbose_name = "曾用名 / former name"
        verbose_name_plural = "曾用名 / former names"
        constraints = [models.UniqueConstraint(fields=["institution", "until"], name="former_name_until_unique")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.name} (–{self.until})"


class Scope(models.TextChoices):
    CENTRE = "centre", "中心 / national centre"
    PROVINCE = "province", "省级 / province"
    INSTITUTION = "institution", "高校 / institution"
    # 自考办 (第四条、第十五条): a province's 自考委办公室 (province_code set) registers and corrects
    # its 自考 graduates' credentials; the national 自考办 at the centre (province_code empty)
    # oversees every province's. It covers no institution's 学籍 (docs/decisions/0029).
    SELF_STUDY = "self_study", "自考办 / self-study examinations office"


class Role(models.TextChoices):
    """Separate staff duties (第二十四条): registering, approving, managing users, auditing."""

    REGISTRAR = "registrar", "注册员 / registrar"
    APPROVER = "approver", "审核员 / approver"
    USER_ADMIN = "user_admin", "用户管理员 / user administrator"
    AUDITOR = "auditor", "审计员 / auditor"


class Membership(models.Model):
    """A staff member's role within one scope: the centre, one province or one institution.

    .. pii: links a person (user) to an office.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    scope = models.CharField(max_length=12, choices=Scope.choices)
    role = models.CharField(max_length=12, choices=Role.choices)
    province_code = models.CharField(max_length=2, blank=True, default="")
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who granted the role, and for centre roles the second user administrator who approved it
    # (issue 20 item 2): a centre role waits inactive until then.
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    awaiting_approval = models.BooleanField("待复核 / awaiting approval", default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "岗位 / membership"
        verbose_name_plural = "岗位 / memberships"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "role", "province_code", "institution"],
                name="membership_unique",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(scope="centre", province_code="", institution__isnull=True)
                    | models.Q(scope="province", institution__isnull=True) & ~models.Q(province_code="")
                    | models.Q(scope="institution", province_code="", institution__isnull=False)
                    | models.Q(scope="self_study", institution__isnull=True)
                ),
                name="membership_scope_shape",
            ),
        ]

    def __str__(self) -> str:
        where = self.institution or self.province_code or "centre"
        return f"{self.user} {self.role}@{where}"


class ApiKey(models.Model):
    """A key a school's own system (one institution) or a province's admissions system (the
    institutions of one province, 录取 data only) uses to call the registry API.

    Holds no personal data. Only a SHA-256 of the key is stored (keys are 256-bit random, so
    a fast hash is enough); the key itself is shown once, when issued.
    """

    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="api_keys"
    )
    province_code = models.CharField("省份 / province", max_length=2, blank=True, default="")
    name = models.CharField("名称 / name", max_length=60)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口密钥 / API key"
        verbose_name_plural = "接口密钥 / API keys"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(institution__isnull=False, province_code="")
                | models.Q(institution__isnull=True) & ~models.Q(province_code=""),
                name="api_key_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} {self.name} ({self.prefix}…)"

    @property
    def holder(self) -> str:
        return self.institution.code if self.institution is not None else f"省 {self.province_code}"
