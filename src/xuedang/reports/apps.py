from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xuedang.reports"
    verbose_name = "在线验证报告 / verification reports"
