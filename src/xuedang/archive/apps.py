from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "xuedang.archive"
    verbose_name = "学信档案 / student archive"
