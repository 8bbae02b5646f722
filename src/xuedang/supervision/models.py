"""Supervision figures (issue 14 items 5–7): one row per institution, refreshed set-based from the
registry by a Celery beat task (decision 0015), so that a dashboard page reads a province's few
hundred rows instead of scanning millions of records.

.. pii: none — counts and dates only.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from xuedang.institutions.models import Institution

# The queues whose size and oldest item a province watches, with their labels.
QUEUES = {
    "corrections": "纠错申请 / corrections",
    "transfers": "转学申请 / transfers",
    "revocations": "撤销申请 / revocations",
    "admission_corrections": "录取数据更正 / admission corrections",
}


class InstitutionFigures(models.Model):
    """What a province supervises of one institution, as of `refreshed_at`.

    Each figure is defined by the selector that lists its records (`supervision.selectors.drill`),
    and equals that list's length when refreshed.

    .. pii: none.
    """

    institution = models.OneToOneField(Institution, on_delete=models.CASCADE, related_name="figures")
    province_code = models.CharField(max_length=2, db_index=True)
    refreshed_at = models.DateTimeField(null=True)  # None: not counted yet
    # 新生注册 against 录取 of the admission year
    admission_year = models.PositiveSmallIntegerField()
    admitted = models.PositiveIntegerField(default=0)
    admitted_registered = models.PositiveIntegerField(default=0)
    admitted_refused = models.PositiveIntegerField(default=0)
    admitted_waiting = models.PositiveIntegerField(default=0)
    # 学年注册 of the academic year against the deadline the institution recorded
    academic_year = models.PositiveSmallIntegerField()
    semester_deadline = models.DateField(null=True, blank=True)
    annual_registered = models.PositiveIntegerField(default=0)
    annual_late = models.PositiveIntegerField(default=0)
    annual_missing = models.PositiveIntegerField(default=0)
    # 学籍注销 and other changes entered after their deadline, in the last 365 days
    late_cancellations = models.PositiveIntegerField(default=0)
    # 学历注册 against the students expected to graduate in the graduation year
    graduation_year = models.PositiveSmallIntegerField()
    graduates_expected = models.PositiveIntegerField(default=0)
    graduates_registered = models.PositiveIntegerField(default=0)
    # open queues: size and the filing time of the oldest open item
    corrections_open = models.PositiveIntegerField(default=0)
    corrections_oldest = models.DateTimeField(null=True, blank=True)
    transfers_open = models.PositiveIntegerField(default=0)
    transfers_oldest = models.DateTimeField(null=True, blank=True)
    revocations_open = models.PositiveIntegerField(default=0)
    revocations_oldest = models.DateTimeField(null=True, blank=True)
    admission_corrections_open = models.PositiveIntegerField(default=0)
    admission_corrections_oldest = models.DateTimeField(null=True, blank=True)

    link = ""  # not stored: the institution's page, set by the dashboard view (one reverse() per row)

    class Meta:
        verbose_name = "监管数据 / institution figures"
        verbose_name_plural = "监管数据 / institution figures"

    def __str__(self) -> str:
        return f"{self.institution_id} @ {self.refreshed_at}"

    @property
    def annual_due(self) -> int:
        return self.annual_registered + self.annual_missing

    @property
    def annual_overdue(self) -> bool:
        return bool(self.semester_deadline and self.annual_missing and self.semester_deadline < timezone.localdate())


class Dataset(models.TextChoices):
    ENROLLMENTS = "enrollments", "在校生（按入学年份）/ students in 学籍, by entry year"
    CREDENTIALS = "credentials", "毕（结）业生（按毕业年份）/ credentials, by year of graduation"


class Dimension(models.TextChoices):
    LEVEL = "level", "层次 / level"
    STUDY_FORM = "study_form", "学习形式 / study form"
    GENDER = "gender", "性别 / gender"
    ETHNICITY = "ethnicity", "民族 / ethnicity"
    DISCIPLINE = "discipline", "学科门类 / discipline"
    PROVINCE = "province", "学校所在省份 / province of the institution"


class HeadcountCell(models.Model):
    """教育统计-style headcounts: students of one institution in one year with one value of one
    dimension (e.g. 2026 entrants of 10001 who are women). Recounted with the figures (0015).
    Shown exactly to the institution's own staff; cells under 5 read "<5" everywhere else.

    .. pii: none — counts only; small cells are suppressed when shown outside the institution.
    """

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    province_code = models.CharField(max_length=2)
    dataset = models.CharField(max_length=12, choices=Dataset.choices)
    year = models.PositiveSmallIntegerField()
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    value = models.CharField(max_length=10)
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = "统计单元 / headcount cell"
        verbose_name_plural = "统计单元 / headcount cells"
        indexes = [
            models.Index(fields=["dataset", "dimension", "year", "province_code"], name="headcount_province_idx"),
            models.Index(fields=["institution", "dataset", "dimension", "year"], name="headcount_institution_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.dataset} {self.year} {self.dimension}={self.value}: {self.count}"
