"""A staff member changes their own password (issue 13 item 5 of the golive list)."""

from __future__ import annotations

import pytest

from xuedang.conftest import PASSWORD, login
from xuedang.core.models import AuditEntry

pytestmark = pytest.mark.django_db
NEW = "Gongzuo-2026-newpass"


def test_a_registrar_changes_the_password_and_the_old_one_stops_working(registrar) -> None:
    client = login(registrar)
    assert client.get("/account/staff/security/").content.decode().count("/account/staff/password/") == 1
    wrong = client.post(
        "/account/staff/password/", {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    )
    assert wrong.status_code in (200, 400)
    registrar.refresh_from_db()
    assert registrar.check_password(PASSWORD)
    done = client.post(
        "/account/staff/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert done.status_code == 302
    assert done.url == "/account/staff/security/"
    registrar.refresh_from_db()
    assert registrar.check_password(NEW)
    assert client.get("/account/staff/security/").status_code == 200  # this session stays
    assert AuditEntry.objects.filter(action="accounts.password.changed", target_id=str(registrar.pk)).exists()


def test_a_student_has_no_staff_password_page(student) -> None:
    assert login(student).get("/account/staff/password/").status_code == 404
