"""No page, log line or error shows a full ID or phone number of anyone but the signed-in owner.

The walk covers every accounts page for every kind of visitor, the flows that fail (wrong
codes, wrong passwords, lockouts typed with a phone or ID number), and the centre's appeal
pages; every rendered page and every captured log record is scanned.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from xuedang.accounts.tests.helpers import submitted_appeal
from xuedang.conftest import PASSWORD, login
from xuedang.core import crypto

STUDENT_ID, STUDENT_PHONE = "11010519491231002X", "13800138000"
OTHER_ID, OTHER_PHONE = "650102200001010020", "13600136000"
NEWCOMER_PHONE = "13912345678"
EVERYONE = {STUDENT_ID, STUDENT_PHONE, OTHER_ID, OTHER_PHONE, NEWCOMER_PHONE}
PAGES = [
    "/",
    "/login/",
    "/account/",
    "/account/register/",
    "/account/email/",
    "/account/password/",
    "/account/password/reset/",
    "/account/password/reset/email/",
    "/account/username/",
    "/account/phone/",
    "/account/history/",
    "/account/sessions/",
    "/account/two-factor/",
    "/account/cancel/",
    "/account/identity-challenge/",
    "/account/appeal/",
    "/account/appeals/",
]


def _phone(user, number: str) -> None:
    user.phone, user.phone_digest = number, crypto.digest(number, purpose="phone")
    user.save()


def _scan(text: str, allowed: set[str], where: str) -> list[str]:
    return [f"{where}: {number}" for number in EVERYONE - allowed if number in text or number.lower() in text]


@pytest.mark.django_db
def test_pages_and_logs_never_show_anothers_full_numbers(
    student, other_student, centre_admin, caplog, django_capture_on_commit_callbacks
) -> None:
    caplog.set_level(logging.DEBUG)
    _phone(student, STUDENT_PHONE)
    _phone(other_student, OTHER_PHONE)
    appeal = submitted_appeal(NEWCOMER_PHONE)
    leaks: list[str] = []

    # Failing flows typed with other people's numbers: they must not come back in logs.
    stranger = Client()
    for name in (STUDENT_ID, STUDENT_PHONE, OTHER_ID) * 2:
        stranger.post("/login/", {"username": name, "password": "wrong-password"})
    stranger.post("/account/password/reset/", {"phone": OTHER_PHONE, "action": "send_code"})
    stranger.post(
        "/account/password/reset/", {"phone": OTHER_PHONE, "code": "123456", "new_password1": "x", "new_password2": "y"}
    )
    stranger.post("/account/register/", {"phone": STUDENT_PHONE, "action": "send_code"})

    visitors = {
        "anonymous": (Client(), set()),
        "student": (login(student), {STUDENT_ID, STUDENT_PHONE}),
        "other_student": (login(other_student), {OTHER_ID, OTHER_PHONE}),
        "centre_admin": (login(centre_admin), set()),
    }
    for who, (client, own) in visitors.items():
        for url in [*PAGES, f"/account/appeals/{appeal.pk}/"]:
            leaks += _scan(client.get(url, follow=True).content.decode(), own, f"{who} {url}")

    centre = visitors["centre_admin"][0]
    with django_capture_on_commit_callbacks(execute=True):
        centre.post(f"/account/appeals/{appeal.pk}/", {"decision": "approve", "reason": "一致"})
    leaks += _scan(centre.get("/account/appeals/").content.decode(), set(), "centre after approval")

    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        leaks += _scan(text, set(), f"log {record.name}")
    assert not leaks, "\n".join(leaks)
    assert any("****" in r.getMessage() for r in caplog.records)  # the scan saw the messages that mask


@pytest.mark.django_db
def test_the_owner_sees_only_masked_numbers_on_the_profile(student) -> None:
    _phone(student, STUDENT_PHONE)
    page = login(student).get("/account/").content.decode()
    assert "138****8000" in page
    assert "110105********002X" in page
    assert STUDENT_PHONE not in page
    assert STUDENT_ID not in page


@pytest.mark.django_db
def test_the_audit_log_keeps_numbers_masked(student) -> None:
    from xuedang.core.models import AuditEntry

    _phone(student, STUDENT_PHONE)
    client = login(student)
    client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "Brand-new-2026!", "new_password2": "Brand-new-2026!"},
    )
    submitted_appeal(NEWCOMER_PHONE)
    for entry in AuditEntry.objects.all():
        assert not _scan(f"{entry.before} {entry.after} {entry.reason}", set(), entry.action)
