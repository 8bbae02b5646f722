from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "xuedang.certification"
    label = "certification"
