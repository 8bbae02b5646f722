from datetime import date

import pytest
from django.core.management import call_command

from xuedang.core import calendar

pytestmark = pytest.mark.django_db


def test_official_holidays_and_make_up_working_days_are_known() -> None:
    assert not calendar.is_workday(date(2024, 10, 1))  # 国庆节, a Tuesday
    assert calendar.is_workday(date(2024, 10, 12))  # Saturday, 调休上班
    assert calendar.is_workday(date(2024, 10, 8))
    assert not calendar.is_workday(date(2024, 10, 13))  # plain Sunday


def test_fifteen_working_days_across_national_day() -> None:
    # Decision on Friday 2024-09-27: 9-29 (Sun) is a make-up workday, 10-01..07 are holidays,
    # 10-12 (Sat) is a make-up workday.
    deadline, estimated = calendar.add_working_days(date(2024, 9, 27), 15)
    assert deadline == date(2024, 10, 23)
    assert not estimated
    assert calendar.working_days_between(date(2024, 9, 27), date(2024, 10, 23)) == (15, False)
    assert calendar.working_days_between(date(2024, 9, 27), date(2024, 10, 24)) == (16, False)


def test_an_unpublished_year_falls_back_to_weekdays_and_says_so() -> None:
    deadline, estimated = calendar.add_working_days(date(2027, 1, 4), 5)
    assert deadline == date(2027, 1, 11)
    assert estimated
    assert "尚未发布" in calendar.CALENDAR_FALLBACK_WARNING


def test_the_centre_adds_a_year_by_command(capsys) -> None:
    call_command("holiday_calendar", holiday=["2027-01-01:元旦"], workday=["2027-02-07:调休上班"])
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.is_workday(date(2027, 2, 7))
    assert 2027 in calendar.published_years()
    assert calendar.add_working_days(date(2027, 1, 4), 5)[1] is False
    call_command("holiday_calendar", list=2027)
    assert "2027-01-01" in capsys.readouterr().out
