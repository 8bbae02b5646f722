from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "xuedang.supervision"
    verbose_name = "省级监管 / supervision"
