"""The public pages' per-address rates count one IPv6 /64 as one address (decision 0018)."""

from __future__ import annotations

import pytest
from django.test import Client

from xuedang.reports.tests.factories import credential_report

pytestmark = pytest.mark.django_db


def test_lookups_from_many_addresses_of_one_64_share_one_rate(student, settings) -> None:
    settings.REPORTS_LOOKUP_RATE = "3/h"
    number = credential_report(student).credential.certificate_number
    form = {"certificate_number": number, "name": "吉𠮷"}
    codes = [Client(REMOTE_ADDR=f"2001:db8:5:6::{n + 1:x}").post("/verify/lookup/", form).status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert Client(REMOTE_ADDR="2001:db8:5:7::1").post("/verify/lookup/", form).status_code == 200  # the next /64


def test_verifications_from_many_addresses_of_one_64_share_one_rate(student, settings) -> None:
    settings.REPORTS_VERIFY_RATE = "2/m"
    code = credential_report(student).code
    codes = [Client(REMOTE_ADDR=f"2001:db8:5:6:{n:x}::1").get(f"/verify/{code}").status_code for n in range(3)]
    assert codes[-1] == 429
