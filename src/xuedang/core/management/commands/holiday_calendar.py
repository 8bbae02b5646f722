from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from xuedang.core.audit import audit_log
from xuedang.core.models import HolidayCalendarDay


def _parse(spec: str) -> tuple[date, str]:
    day, _, name = spec.partition(":")
    try:
        return date.fromisoformat(day), name
    except ValueError as error:
        raise CommandError(f"日期格式应为 YYYY-MM-DD:名称 / expected YYYY-MM-DD:name, got {spec!r}") from error


class Command(BaseCommand):
    help = "维护法定节假日与调休 / maintain official holidays and make-up working days"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--holiday", action="append", default=[], help="YYYY-MM-DD:名称")
        parser.add_argument("--workday", action="append", default=[], help="YYYY-MM-DD:名称 (调休上班)")
        parser.add_argument("--list", type=int, metavar="YEAR")

    @transaction.atomic
    def handle(
        self, *args: object, holiday: list[str], workday: list[str], list: int | None, **options: object
    ) -> None:
        for specs, is_workday in ((holiday, False), (workday, True)):
            for spec in specs:
                day, name = _parse(spec)
                HolidayCalendarDay.objects.update_or_create(date=day, defaults={"is_workday": is_workday, "name": name})
                audit_log(
                    actor=None,
                    action="core.holiday_calendar.set",
                    target=("core.holidaycalendarday", day.isoformat()),
                    after={"date": day, "is_workday": is_workday, "name": name},
                )
        if list:
            for row in HolidayCalendarDay.objects.filter(date__year=list):
                kind = "调休上班 / workday" if row.is_workday else "放假 / holiday"
                self.stdout.write(f"{row.date} {kind} {row.name}")
