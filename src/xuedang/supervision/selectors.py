"""Reads for supervision: what each figure means (one queryset per figure), the dashboards' rows
and the records behind a number.

A figure's records are defined once, in `FIGURES`: the refresh counts them per institution with one
GROUP BY each (services.figures_refresh); the drill-down lists them for one institution. So every
number on a dashboard is the length of the list it links to, as of the refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear, Substr
from django.utils import timezone

from xuedang.archive.models import Correction, CorrectionState
from xuedang.core.codetables import code_label
from xuedang.institutions.models import Institution
from xuedang.registry.models import (
    ACTIVE_ENROLLMENT_STATES,
    OPEN_TRANSFER_STATES,
    Admission,
    AdmissionCorrection,
    AdmissionCorrectionState,
    AdmissionState,
    AnnualRegistration,
    Credential,
    CredentialState,
    Enrollment,
    EnrollmentChange,
    EnrollmentState,
    RevocationRequest,
    RevocationState,
    TransferRequest,
)
from xuedang.registry.services import CANCELLATIONS
from xuedang.supervision.models import Dataset, Dimension, HeadcountCell, InstitutionFigures

LATE_WINDOW_DAYS = 365
ANNUAL_DUE_STATES = (EnrollmentState.REGISTERED, EnrollmentState.DEFERRED)
GRADUATING_STATES = (*ACTIVE_ENROLLMENT_STATES, EnrollmentState.GRADUATED, EnrollmentState.COMPLETED)


@dataclass(frozen=True)
class Periods:
    """The years a dashboard speaks of, and the moment it was counted."""

    admission_year: int
    academic_year: int
    graduation_year: int
    now: datetime

    @classmethod
    def on(cls, today: date, now: datetime) -> Periods:
        """录取 arrive in July and August; the first semester starts in August or September."""
        return cls(
            admission_year=today.year if today.month >= 7 else today.year - 1,
            academic_year=today.year if today.month >= 8 else today.year - 1,
            graduation_year=today.year,
            now=now,
        )

    @classmethod
    def current(cls) -> Periods:
        return cls.on(timezone.localdate(), timezone.now())

    @classmethod
    def of(cls, figures: InstitutionFigures) -> Periods:
        """The periods a refresh counted, so that a drill-down lists what its number counted."""
        return cls(
            admission_year=figures.admission_year,
            academic_year=figures.academic_year,
            graduation_year=figures.graduation_year,
            now=figures.refreshed_at or timezone.now(),
        )


@dataclass(frozen=True)
class Figure:
    """One number of the dashboard: its label, its records, and the field naming their institution."""

    key: str
    label: str
    records: Callable[[Periods], QuerySet[Any]]
    institution_field: str
    oldest_field: str = ""


def _admissions(p: Periods, *states: str) -> QuerySet[Admission]:
    qs = Admission.objects.filter(year=p.admission_year)
    return qs.filter(state__in=states) if states else qs


def _annual(p: Periods) -> QuerySet[AnnualRegistration]:
    return AnnualRegistration.objects.filter(academic_year=p.academic_year)


def annual_missing(p: Periods) -> QuerySet[Enrollment]:
    """Who owes 学年注册 of the year and has none (registry.selectors.annual_registration_missing, for
    every institution that recorded its start at once)."""
    year = p.academic_year
    return Enrollment.objects.filter(
        institution__semester_starts__academic_year=year,
        state__in=ANNUAL_DUE_STATES,
        entry_date__lte=F("institution__semester_starts__deadline"),
        expected_graduation_date__gt=F("institution__semester_starts__starts_on"),
    ).exclude(annual_registrations__academic_year=year)


def _late_cancellations(p: Periods) -> QuerySet[EnrollmentChange]:
    since = p.now - timedelta(days=LATE_WINDOW_DAYS)
    return EnrollmentChange.objects.filter(late=True, change_code__in=CANCELLATIONS.values(), recorded_at__gte=since)


def _graduates(p: Periods) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(expected_graduation_date__year=p.graduation_year, state__in=GRADUATING_STATES)


FIGURES: dict[str, Figure] = {
    f.key: f
    for f in (
        Figure("admitted", "录取 / admitted", lambda p: _admissions(p), "institution_id"),
        Figure(
            "admitted_registered",
            "已注册学籍 / registered",
            lambda p: _admissions(p, AdmissionState.REGISTERED),
            "institution_id",
        ),
        Figure(
            "admitted_refused",
            "放弃或取消入学资格 / declined or cancelled",
            lambda p: _admissions(p, AdmissionState.DECLINED, AdmissionState.CANCELLED),
            "institution_id",
        ),
        Figure(
            "admitted_waiting",
            "待注册 / waiting",
            lambda p: _admissions(p, AdmissionState.ADMITTED),
            "institution_id",
        ),
        Figure("annual_registered", "已学年注册 / registered", _annual, "enrollment__institution_id"),
        Figure(
            "annual_late",
            "逾期学年注册 / registered late",
            lambda p: _annual(p).filter(late=True),
            "enrollment__institution_id",
        ),
        Figure("annual_missing", "未学年注册 / not yet registered", annual_missing, "institution_id"),
        Figure(
            "late_cancellations",
            "逾期注销（近一年）/ late cancellations",
            _late_cancellations,
            "enrollment__institution_id",
        ),
        Figure("graduates_expected", "应届毕业 / expected graduates", _graduates, "institution_id"),
        Figure(
            "graduates_registered",
            "已学历注册 / credentials registered",
            lambda p: _graduates(p).filter(credential__isnull=False),
            "institution_id",
        ),
        Figure(
            "corrections_open",
            "待办纠错 / open corrections",
            lambda p: Correction.objects.filter(state__in=(CorrectionState.SCHOOL, CorrectionState.PROVINCE)),
            "institution_id",
            "created_at",
        ),
        Figure(
            "transfers_open",
            "待办转学 / open transfers",
            lambda p: TransferRequest.objects.filter(state__in=OPEN_TRANSFER_STATES),
            "to_institution_id",
            "filed_at",
        ),
        Figure(
            "admission_corrections_open",
            "待审录取更正 / open admission corrections",
            lambda p: AdmissionCorrection.objects.filter(
                state__in=(AdmissionCorrectionState.PENDING_PROVINCE, AdmissionCorrectionState.PENDING_CENTRE)
            ),
            "institution_id",
            "filed_at",
        ),
        Figure(
            "revocations_open",
            "待审撤销 / open revocations",
            lambda p: RevocationRequest.objects.filter(state=RevocationState.PENDING),
            "institution_id",
            "filed_at",
        ),
    )
}


def drill(institution: Institution, key: str, periods: Periods | None = None) -> QuerySet[Any]:
    """The records behind figure `key` of `institution` (already passed its door)."""
    figure = FIGURES[key]
    qs = figure.records(periods or Periods.current()).filter(**{figure.institution_field: institution.pk})
    return qs.order_by(figure.oldest_field or "pk", "pk")


# --- dashboard rows ---------------------------------------------------------------------------------

SORTS = {
    "code": "institution__code",
    "name": "institution__name",
    "annual_missing": "annual_missing",
    "annual_late": "annual_late",
    "late_cancellations": "late_cancellations",
    "admitted_waiting": "admitted_waiting",
    "graduates_expected": "graduates_expected",
    "corrections_open": "corrections_open",
    "transfers_open": "transfers_open",
    "revocations_open": "revocations_open",
    "admission_corrections_open": "admission_corrections_open",
}


@dataclass(frozen=True)
class DashboardFilters:
    q: str = ""
    only_late: bool = False
    sort: str = "code"
    descending: bool = False


def province_rows(*, province_code: str, filters: DashboardFilters) -> QuerySet[InstitutionFigures]:
    """The figures of every institution of the province (its door checked by the caller)."""
    qs = InstitutionFigures.objects.filter(province_code=province_code).select_related("institution")
    if filters.q:
        qs = qs.filter(Q(institution__name__contains=filters.q) | Q(institution__code=filters.q))
    if filters.only_late:
        today = timezone.localdate()
        qs = qs.filter(
            Q(annual_missing__gt=0, semester_deadline__lt=today)
            | Q(semester_deadline__isnull=True)
            | Q(late_cancellations__gt=0)
            | Q(annual_late__gt=0)
        )
    order = SORTS.get(filters.sort, "institution__code")
    return qs.order_by(f"-{order}" if filters.descending else order, "institution__code")


CENTRE_SUMS = (
    "admitted",
    "admitted_registered",
    "admitted_refused",
    "admitted_waiting",
    "annual_registered",
    "annual_late",
    "annual_missing",
    "late_cancellations",
    "graduates_expected",
    "graduates_registered",
    "corrections_open",
    "transfers_open",
    "revocations_open",
    "admission_corrections_open",
)


def centre_rows() -> list[dict[str, Any]]:
    """The province sums of every figure, and each province's number of institutions."""
    from django.db.models import Count, Min, Sum

    sums = {key: Sum(key) for key in CENTRE_SUMS}
    queues = ("corrections", "transfers", "revocations", "admission_corrections")
    oldest = {f"{key}_oldest": Min(f"{key}_oldest") for key in queues}
    return list(
        InstitutionFigures.objects.values("province_code")
        .annotate(institutions=Count("pk"), **sums, **oldest)
        .order_by("province_code")
    )


def refreshed_at() -> datetime | None:
    return InstitutionFigures.objects.order_by("refreshed_at").values_list("refreshed_at", flat=True).first()


# --- 教育统计: headcounts with small cells suppressed outside the institution (issue 14 item 6) ----------

SMALL_CELL = 5
HEADCOUNT_SOURCES: dict[str, tuple[Callable[[], QuerySet[Any]], Any]] = {
    Dataset.ENROLLMENTS: (
        lambda: Enrollment.objects.filter(state__in=ACTIVE_ENROLLMENT_STATES),
        ExtractYear("entry_date"),
    ),
    Dataset.CREDENTIALS: (
        lambda: Credential.objects.exclude(state=CredentialState.REVOKED),
        ExtractYear("study_end"),
    ),
}
HEADCOUNT_VALUES: dict[str, Any] = {
    Dimension.LEVEL: F("level"),
    Dimension.STUDY_FORM: F("study_form"),
    Dimension.GENDER: F("gender"),
    Dimension.ETHNICITY: F("ethnicity"),
    Dimension.DISCIPLINE: Substr("major_code", 1, 2),
    Dimension.PROVINCE: F("institution__province_code"),
}
VALUE_TABLES: dict[str, str] = {
    Dimension.LEVEL: "level",
    Dimension.STUDY_FORM: "study_form",
    Dimension.GENDER: "gender",
    Dimension.ETHNICITY: "ethnicity",
    Dimension.DISCIPLINE: "major_category",
    Dimension.PROVINCE: "province",
}


@dataclass(frozen=True)
class HeadcountScope:
    """Whose students a table counts: one institution, one province, or the nation; and whether the
    reader may see exact small numbers (only the institution's own staff, for their institution)."""

    kind: str  # institution | province | national
    code: str
    exact: bool


@dataclass(frozen=True)
class HeadcountRow:
    value: str
    label: str
    count: int
    shown: str  # the number, or "<5"


def headcount_table(*, scope: HeadcountScope, dataset: str, dimension: str, year: int) -> list[HeadcountRow]:
    """One dimension's headcounts for one year, largest first; small cells suppressed unless exact."""
    qs = HeadcountCell.objects.filter(dataset=dataset, dimension=dimension, year=year)
    if scope.kind == "institution":
        qs = qs.filter(institution__code=scope.code)
    elif scope.kind == "province":
        qs = qs.filter(province_code=scope.code)
    sums = qs.values("value").annotate(n=Sum("count")).order_by("-n", "value")
    return [
        HeadcountRow(
            value=row["value"],
            label=code_label(VALUE_TABLES[dimension], row["value"]) if row["value"] else "未填 / not given",
            count=row["n"],
            shown=str(row["n"]) if scope.exact or row["n"] >= SMALL_CELL else f"<{SMALL_CELL}",
        )
        for row in sums
    ]


def headcount_years(*, dataset: str) -> list[int]:
    return sorted(set(HeadcountCell.objects.filter(dataset=dataset).values_list("year", flat=True)), reverse=True)
