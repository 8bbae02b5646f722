"""The reports' answers to registry events (the registry may not import reports; decision 0011).
Each receiver calls one reports service; connected in `ReportsConfig.ready`."""

from __future__ import annotations

from typing import Any

from xuedang.registry.models import Credential, Enrollment
from xuedang.registry.signals import record_revoked
from xuedang.reports import services


def stop_reports_of_revoked_record(sender: Any, *, record: Credential | Enrollment, actor: Any, **kwargs: Any) -> None:
    """A revoked record's open reports stop; verification of their codes reads 「已撤销」."""
    services.reports_stop_revoked(actor=actor, record=record)


def connect() -> None:
    record_revoked.connect(stop_reports_of_revoked_record, dispatch_uid="reports.stop_reports_of_revoked_record")
