from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xuedang.core"
    verbose_name = "基础数据 / reference data"
