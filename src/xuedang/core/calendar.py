"""Working days by the official holiday calendar (学籍注销 within 15 working days, 第十四条).

The calendar is the `HolidayCalendarDay` table the centre maintains. A year with no entries
has not been published by the State Council yet: it falls back to Monday–Friday and the
result is marked as an estimate, with a warning the interface shows, instead of failing.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from xuedang.core.models import HolidayCalendarDay

CALENDAR_FALLBACK_WARNING = (
    "该年度法定节假日安排尚未发布，暂按周一至周五计算工作日 / the official holiday arrangement "
    "for this year has not been published yet; working days are counted as Monday to Friday"
)


def published_years() -> set[int]:
    return {d.year for d in HolidayCalendarDay.objects.dates("date", "year")}


def _exceptions(start: date, end: date) -> dict[date, bool]:
    rows = HolidayCalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday")
    return dict(rows)


def is_workday(day: date) -> bool:
    override = _exceptions(day, day).get(day)
    return override if override is not None else day.weekday() < 5


def add_working_days(start: date, n: int) -> tuple[date, bool]:
    """The `n`th working day after `start`, and whether any year crossed is an estimate."""
    horizon = start + timedelta(days=n * 3 + 40)  # generous: the longest holiday is 8 days
    overrides = _exceptions(start, horizon)
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if overrides.get(day, day.weekday() < 5):
            counted += 1
    return day, _estimated(start, day)


def working_days_between(start: date, end: date) -> tuple[int, bool]:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    overrides = _exceptions(start, end)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += overrides.get(day, day.weekday() < 5)
    return count, _estimated(start, end)


def _estimated(start: date, end: date) -> bool:
    known = published_years()
    return any(year not in known for year in range(start.year, end.year + 1))


class WorkingCalendar:
    """The whole calendar in memory, for computing many deadlines at once (bulk imports)."""

    def __init__(self) -> None:
        self.overrides = dict(HolidayCalendarDay.objects.values_list("date", "is_workday"))
        self.years = {day.year for day in self.overrides}

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if self.overrides.get(day, day.weekday() < 5):
                counted += 1
        return day, any(year not in self.years for year in range(start.year, day.year + 1))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
