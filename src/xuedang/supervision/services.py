"""The refresh of the supervision figures (decision 0015): every figure of every institution from
one GROUP BY per figure over the registry, written in one transaction, so a dashboard never reads
half of one refresh and half of another."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.db import transaction
from django.db.models import Count, Min

from xuedang.institutions.models import Institution
from xuedang.registry.models import SemesterStart
from xuedang.supervision.models import HeadcountCell, InstitutionFigures
from xuedang.supervision.selectors import FIGURES, HEADCOUNT_SOURCES, HEADCOUNT_VALUES, Periods


@dataclass(frozen=True)
class Refresh:
    institutions: int
    seconds: float


def _counts(periods: Periods) -> dict[str, dict[int, tuple[int, Any]]]:
    """{figure: {institution id: (count, oldest)}} — one grouped query per figure."""
    counts: dict[str, dict[int, tuple[int, Any]]] = {}
    for key, figure in FIGURES.items():
        aggregates: dict[str, Any] = {"n": Count("pk")}
        if figure.oldest_field:
            aggregates["oldest"] = Min(figure.oldest_field)
        rows = figure.records(periods).order_by().values(figure.institution_field).annotate(**aggregates)
        counts[key] = {row[figure.institution_field]: (row["n"], row.get("oldest")) for row in rows}
    return counts


def figures_refresh(*, periods: Periods | None = None) -> Refresh:
    """Recount every figure of every institution; replaces the previous refresh at once."""
    started = time.monotonic()
    periods = periods or Periods.current()
    counts = _counts(periods)
    deadlines = dict(
        SemesterStart.objects.filter(academic_year=periods.academic_year).values_list("institution_id", "deadline")
    )
    rows = []
    for pk, province in Institution.objects.values_list("pk", "province_code"):
        row = InstitutionFigures(
            institution_id=pk,
            province_code=province,
            refreshed_at=periods.now,
            admission_year=periods.admission_year,
            academic_year=periods.academic_year,
            graduation_year=periods.graduation_year,
            semester_deadline=deadlines.get(pk),
        )
        for key, figure in FIGURES.items():
            n, oldest = counts[key].get(pk, (0, None))
            setattr(row, key, n)
            if figure.oldest_field:
                setattr(row, f"{key.removesuffix('_open')}_oldest", oldest)
        rows.append(row)
    cells = _headcounts()
    with transaction.atomic():
        InstitutionFigures.objects.all().delete()
        InstitutionFigures.objects.bulk_create(rows, batch_size=1000)
        HeadcountCell.objects.all().delete()
        HeadcountCell.objects.bulk_create(cells, batch_size=5000)
    return Refresh(institutions=len(rows), seconds=time.monotonic() - started)


def _headcounts() -> list[HeadcountCell]:
    """教育统计 cells: one grouped query per dataset and dimension (selectors.HEADCOUNT_SOURCES)."""
    provinces = dict(Institution.objects.values_list("pk", "province_code"))
    cells = []
    for dataset, (records, year) in HEADCOUNT_SOURCES.items():
        for dimension, value in HEADCOUNT_VALUES.items():
            grouped = (
                records()
                .order_by()
                .values("institution_id", y=year, v=value)
                .annotate(n=Count("pk"))
                .values_list("institution_id", "y", "v", "n")
            )
            cells += [
                HeadcountCell(
                    institution_id=pk,
                    province_code=provinces[pk],
                    dataset=dataset,
                    year=y,
                    dimension=dimension,
                    value=v or "",
                    count=n,
                )
                for pk, y, v, n in grouped
            ]
    return cells


# --- Task: beside the service it runs; `tasks.py` re-exports it for Celery's autodiscovery -----------


@shared_task(name="xuedang.supervision.tasks.refresh_figures", ignore_result=True)
def refresh_figures() -> int:
    """Run by Celery beat every SUPERVISION_REFRESH_S seconds; returns the institutions counted."""
    return figures_refresh().institutions
