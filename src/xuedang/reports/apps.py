from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xuedang.reports"
    verbose_name = "在线验证报告 / verification reports"

    def ready(self) -> None:
        from xuedang.reports import (
            checks,  # noqa: F401 — registers the signing refusal (core/checks.py)
            receivers,
        )

        receivers.connect()
