from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "xuedang.archive"
    verbose_name = "学信档案 / student archive"

    def ready(self) -> None:
        from xuedang.archive import receivers

        receivers.connect()
