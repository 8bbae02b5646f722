"""Import jobs by state for Prometheus, counted in the database at each scrape (core/metrics.py):
`xuedang_import_jobs{state="queued|running|failed|invalid|done"}`, the same across every node."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from xuedang.imports.models import ImportJob, ImportState

STATE_WORDS = {
    ImportState.PENDING: "queued",
    ImportState.VALIDATING: "running",
    ImportState.LOADING: "running",
    ImportState.INVALID: "invalid",
    ImportState.DONE: "done",
    ImportState.FAILED: "failed",
}


class ImportJobsCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = dict.fromkeys(sorted(set(STATE_WORDS.values())), 0)
        try:
            rows = list(ImportJob.objects.values("state").annotate(n=Count("pk")).order_by())
        except DatabaseError:  # the database is down: /metrics still shows the processes' own samples
            return
        for row in rows:
            word = STATE_WORDS.get(row["state"], "other")
            counts[word] = counts.get(word, 0) + row["n"]
        family = GaugeMetricFamily(
            "xuedang_import_jobs", "Import jobs by state (database, at scrape time)", labels=["state"]
        )
        for state, count in counts.items():
            family.add_metric([state], count)
        yield family
