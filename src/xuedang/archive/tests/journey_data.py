"""Data for the browser journey, written into the running service's own database.

Run as `python -m xuedang.archive.tests.journey_data` with that service's DATABASE_URL; prints
the ids the journey needs as JSON. Everything goes through the registry's services."""

from __future__ import annotations

import json
import os
from datetime import date

import django


def main() -> dict[str, int]:
    from xuedang.archive.tests.helpers import graduate, legacy_graduate
    from xuedang.conftest import _person, make_enrollment

    student = _person("student", "吉𠮷", "11010519491231002X")
    # Under the account's ID but another name, registered in 2000: only a manual claim binds it.
    old = legacy_graduate(number="NO.00298959", name="吉吉")
    # This year's enrollment: binds automatically; its credential waits for the photo check.
    current = make_enrollment(
        student_number="2101001",
        entry_date=date(2021, 9, 1),
        expected_graduation_date=date(2025, 7, 1),
        department="信息学院",
    )
    draft = graduate(current, publish=False)
    return {"student": student.pk, "old_credential": old.pk, "enrollment": current.pk, "photo": draft.photo_id}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuedang.settings")
    django.setup()
    print(json.dumps(main()))
