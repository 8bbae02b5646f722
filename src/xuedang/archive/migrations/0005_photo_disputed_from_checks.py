from django.db import migrations


def mark_open_disputes(apps, schema_editor):
    """Photos with an open photo-check dispute get `disputed` (decision 0011)."""
    PhotoCheck = apps.get_model("archive", "PhotoCheck")
    Photo = apps.get_model("registry", "Photo")
    open_ids = PhotoCheck.objects.filter(state="open").values("photo_id")
    Photo.objects.filter(pk__in=open_ids).update(disputed=True)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0004_notification_and_access_event_move_out"),
        ("registry", "0006_photo_disputed_access_event"),
    ]

    operations = [migrations.RunPython(mark_open_disputes, migrations.RunPython.noop)]
