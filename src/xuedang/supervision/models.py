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
