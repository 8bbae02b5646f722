"""Deadlines the registrar cannot declare for themselves (issue 14 item 4).

Each institution records its first-semester start once per academic year; 学年注册 is due one
month later (第十三条). Once the year's deadline has passed only the province's (or the centre's)
approvers may move the date: an institution cannot push its own deadline back after missing it. A change
recomputes the deadline and lateness of the year's registrations already recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from xuedang.core import calendar as working_calendar
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution
from xuedang.registry.access import may_supervise
from xuedang.registry.models import AnnualRegistration, SemesterStart
from xuedang.registry.services.common import _fail

SEMESTER_START_MISSING = (
    "本校尚未登记 {year}-{next} 学年第一学期开学日期，请先在“开学日期”页登记 / the institution has not recorded "
    "the first-semester start of {year}-{next}; record it on the semester start page first"
)


def semester_start_problem(academic_year: int, starts_on: date) -> str:
    """Why `starts_on` cannot open `academic_year` ("" when it can)."""
    if starts_on.year not in (academic_year, academic_year + 1):
        return "开学日期不在该学年内 / the semester start is outside the academic year"
    return ""


@transaction.atomic
def semester_start_record(
    *, actor: Any, institution: Institution, academic_year: int, starts_on: date, reason: str = ""
) -> SemesterStart:
    """Record or change one academic year's first-semester start; audited with before and after."""
    problem = semester_start_problem(academic_year, starts_on)
    if problem:
        raise _fail("starts_on", problem)
    current = (
        SemesterStart.objects.select_for_update().filter(institution=institution, academic_year=academic_year).first()
    )
    deadline = working_calendar.add_months(starts_on, 1)
    if current is None:
        current = SemesterStart(institution=institution, academic_year=academic_year)
        before = None
    else:
        if current.starts_on == starts_on:
            return current
        if not reason.strip():
            raise _fail("reason", "修改已登记的开学日期须说明原因 / say why the recorded start date changes")
        if current.deadline < timezone.localdate() and not may_supervise(actor, institution):
            raise _fail(
                "starts_on",
                "该学年的学年注册截止日已过，开学日期只能由省级教育行政部门修改 / the deadline of this year has "
                "passed; only the province may change the start date now",
            )
        before = {"starts_on": current.starts_on, "deadline": current.deadline}
    current.starts_on, current.deadline = starts_on, deadline
    current.recorded_by = actor if getattr(actor, "pk", None) else None
    current.save()
    if before is not None:
        _registrations_redate(institution, academic_year, starts_on, deadline)
    audit_log(
        actor=actor,
        action="registry.semester_start.recorded",
        target=institution,
        before=before,
        after={"academic_year": academic_year, "starts_on": starts_on, "deadline": deadline},
        reason=reason.strip(),
    )
    return current


def _registrations_redate(institution: Institution, academic_year: int, starts_on: date, deadline: date) -> None:
    AnnualRegistration.objects.filter(enrollment__institution=institution, academic_year=academic_year).update(
        semester_start=starts_on,
        deadline=deadline,
        late=Case(When(registered_on__gt=deadline, then=Value(True)), default=Value(False)),
    )


def semester_start_for(institution: Institution, academic_year: int) -> SemesterStart:
    """The recorded start of the year, or the field-keyed refusal that names what is missing."""
    recorded = SemesterStart.objects.filter(institution=institution, academic_year=academic_year).first()
    if recorded is None:
        raise _fail("academic_year", SEMESTER_START_MISSING.format(year=academic_year, next=academic_year + 1))
    return recorded
