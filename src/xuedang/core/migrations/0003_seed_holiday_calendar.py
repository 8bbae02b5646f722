"""Seed the working-day calendar from the `chinesecalendar` package (2004 to the last year it
knows). Later years are added by the centre (`xuedang holiday_calendar`) once the State
Council publishes them; the package itself is never consulted at run time."""

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    Day = apps.get_model("core", "HolidayCalendarDay")
    rows = []
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            label = NAMES.get(name, name)
            rows.append(Day(date=day, is_workday=False, name=f"{label} / {name}"))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            rows.append(Day(date=day, is_workday=True, name=f"调休上班 / make-up working day ({name})"))
    Day.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_load_code_tables")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
