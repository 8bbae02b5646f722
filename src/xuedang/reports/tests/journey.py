"""Data for the browser journey, written into the live service's own database by a subprocess."""

from __future__ import annotations

from django.utils import timezone

from xuedang.accounts.services import user_create
from xuedang.conftest import PASSWORD
from xuedang.reports.tests.factories import graduate

USERNAME = "journey_student"


def prepare() -> None:
    """A student whose identity is checked, with a published credential bound to the account."""
    user = user_create(
        actor=None,
        username=USERNAME,
        password=PASSWORD,
        real_name="吉𠮷",
        document_type="resident_id",
        document_number="11010519491231002X",
    )
    user.identity_checked_at = timezone.now()
    user.save(update_fields=["identity_checked_at"])
    graduate(user)
