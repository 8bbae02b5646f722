"""Load the Ministry's list of 2,631 institutions from the copy kept in this package."""

import csv
from pathlib import Path

from django.db import migrations

SOURCE = Path(__file__).resolve().parent.parent / "data" / "institutions.csv"


def load(apps, schema_editor):
    Institution = apps.get_model("institutions", "Institution")
    with SOURCE.open(encoding="utf-8", newline="") as handle:
        rows = [
            Institution(
                school_id=row["school_id"],
                code=row["school_code"],
                name=row["name"],
                province_code=row["province_code"],
                authority=row["authority"],
                city=row["city"],
                level=row["level"],
                remarks=row["remarks"],
            )
            for row in csv.DictReader(handle)
        ]
    Institution.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("institutions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
