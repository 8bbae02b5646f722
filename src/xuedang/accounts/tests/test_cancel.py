"""注销: a cooling-off period, then the login goes and the registry's records stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from xuedang.accounts.models import User
from xuedang.accounts.tasks import complete_account_cancellations
from xuedang.conftest import PASSWORD, login, make_enrollment
from xuedang.registry.models import Enrollment


@pytest.mark.django_db
def test_cancellation_waits_for_the_cooling_off_period_then_removes_only_the_login(student, registrar) -> None:
    enrollment = make_enrollment()
    client = login(student)
    assert "密码不正确" in client.post("/account/cancel/", {"password": "wrong"}).content.decode()
    client.post("/account/cancel/", {"password": PASSWORD})
    assert complete_account_cancellations() == 0  # still cooling off
    assert "将于" in client.get("/account/").content.decode()
    User.objects.filter(pk=student.pk).update(cancellation_requested_at=timezone.now() - timedelta(days=16))
    assert complete_account_cancellations() == 1
    gone = User.objects.get(pk=student.pk)
    assert not gone.is_active
    assert gone.identity_digest == ""
    assert gone.deactivated_reason == "cancelled"
    assert not Client().login(username="student", password=PASSWORD)
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()  # the record stays in the registry


@pytest.mark.django_db
def test_a_cancellation_can_be_withdrawn(student) -> None:
    client = login(student)
    client.post("/account/cancel/", {"password": PASSWORD})
    client.post("/account/cancel/", {"action": "withdraw"})
    assert User.objects.get(pk=student.pk).cancellation_requested_at is None
