from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "xuedang.imports"
    label = "imports"

    def ready(self) -> None:
        from xuedang.core.metrics import scrape_collector_add
        from xuedang.imports.metrics import ImportJobsCollector

        scrape_collector_add(ImportJobsCollector())
