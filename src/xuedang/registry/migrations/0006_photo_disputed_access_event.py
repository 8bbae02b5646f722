from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_transfer_lapsed"),
        ("archive", "0004_notification_and_access_event_move_out"),
    ]

    operations = [
        # 图像校对: an open dispute becomes the photo's own fact (archive sets it; archive 0005 fills it).
        migrations.AddField(
            model_name="photo",
            name="disputed",
            field=models.BooleanField(default=False),
        ),
        # Decision 0011: archive's AccessEvent becomes the registry's access log; its table and rows stay.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AccessEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("identity_digest", models.CharField(max_length=64)),
                        ("record_type", models.CharField(max_length=12)),
                        ("record_id", models.BigIntegerField()),
                        (
                            "viewer_kind",
                            models.CharField(
                                choices=[
                                    ("staff", "工作人员查看 / staff view"),
                                    ("verification", "在线验证 / verification of a report"),
                                    ("public_lookup", "零散查询 / public certificate lookup"),
                                    ("api", "接口验证 / verification through the API"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("viewer_label", models.CharField(max_length=200, verbose_name="查看方 / who")),
                        ("seen", models.CharField(max_length=300, verbose_name="查看内容 / what was seen")),
                        (
                            "origin",
                            models.CharField(
                                blank=True, default="", max_length=60, verbose_name="来源 / from where (coarse)"
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={
                        "verbose_name": "访问记录 / access event",
                        "verbose_name_plural": "访问记录 / access events",
                        "db_table": "archive_accessevent",
                        "ordering": ["-at", "-id"],
                        "indexes": [models.Index(fields=["identity_digest", "-at"], name="access_event_owner_idx")],
                    },
                ),
            ],
        ),
    ]
