import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_student_accounts"),
        ("archive", "0004_notification_and_access_event_move_out"),
    ]

    # Decision 0011: archive's Notification becomes the accounts' inbox; its table and rows stay.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("text", models.CharField(max_length=300)),
                        ("url", models.CharField(blank=True, default="", max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "通知 / notification",
                        "verbose_name_plural": "通知 / notifications",
                        "db_table": "archive_notification",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["user", "-created_at"], name="notification_user_idx")],
                    },
                ),
            ],
        ),
    ]
