from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0003_access_event_one_index"),
    ]

    # Decision 0011: the inbox (Notification) moves to accounts and the access log (AccessEvent)
    # to registry. Only Django's idea of which app owns them changes; the tables and their rows
    # stay where they are (the models keep db_table "archive_notification" / "archive_accessevent").
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AccessEvent"),
                migrations.DeleteModel(name="Notification"),
            ],
            database_operations=[],
        ),
    ]
