from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from xuedang.core import validators
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution, President


@transaction.atomic
def president_appoint(*, institution: Institution, name: str, start_date: date,
                      actor: Any = None) -> President:
    """A new president from `start_date`; the previous term ends the day before."""
    name = validators.normalize_name(name)
    current = (President.objects.select_for_update().filter(institution=institution)
               .order_by("-start_date").first())
    if current and start_date <= current.start_date:
        raise ValidationError({"start_date": [
            f"任职日期须晚于现任校长的任职日期 {current.start_date} / the term must start after "
            f"the current president's ({current.start_date})"]})
    if current and (current.end_date is None or current.end_date >= start_date):
        current.end_date = start_date - timedelta(days=1)
        current.save(update_fields=["end_date"])
    president = President.objects.create(institution=institution, name=name, start_date=start_date)
    audit_log(actor=actor, action="institutions.president.appointed", target=institution,
              after={"president": name, "start_date": start_date})
    return president
