from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xuedang.core"
    verbose_name = "基础数据 / reference data"

    def ready(self) -> None:
        from xuedang.core import checks  # noqa: F401 — registers the refusal of unsafe production settings
