"""The door to a student's own reports: the same 404 for another's report and a missing one."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from xuedang.reports.models import Report


def access_student_report(student: Any, pk: int) -> Report:
    report = (
        Report.objects.select_related("credential__institution", "enrollment__institution")
        .filter(user=student, pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report
