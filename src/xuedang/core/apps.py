from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xuedang.core"
    verbose_name = "基础数据 / reference data"

    def ready(self) -> None:
        # checks registers the refusal of unsafe production settings; images sets Pillow's pixel
        # budget for the whole process
        from xuedang.core import checks, images  # noqa: F401
