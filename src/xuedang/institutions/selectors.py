from __future__ import annotations

from datetime import date

from django.db.models import Q

from xuedang.institutions.models import Institution, President


def president_on(*, institution: Institution, on: date) -> str:
    """The president in office on `on` ("" when the registry does not know)."""
    president = (
        President.objects.filter(institution=institution, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .order_by("-start_date")
        .first()
    )
    return president.name if president else ""


def institution_by_code(code: str) -> Institution | None:
    return Institution.objects.filter(code=code).first()
