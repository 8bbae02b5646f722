"""Go-live: a centre role invited while the centre has a single user administrator would wait
for ever for a second one; the operator confirms it from the command line until two exist."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from xuedang.accounts.services import invitations
from xuedang.core.models import AuditEntry
from xuedang.institutions.models import Membership

pytestmark = pytest.mark.django_db


def _invited(actor, username: str, role: str):
    _, token = invitations.invitation_create(
        actor=actor, real_name="吴复核", phone="", email=f"{username}@c.example", scope="centre", roles=[role]
    )
    return invitations.invitation_accept(token=token, username=username, password="Shangxian-2026-golive")


def test_the_operator_confirms_a_centre_role_while_there_is_no_second_admin(centre_admin) -> None:
    user = _invited(centre_admin, "wufh", "approver")
    assert not Membership.objects.get(user=user).active  # waiting for a second user administrator
    call_command("staff_approve", "wufh", reason="上线初期")
    assert Membership.objects.get(user=user).active
    entry = AuditEntry.objects.filter(action="institutions.membership.granted").latest("id")
    assert (entry.actor_id, entry.reason) == (None, "上线初期")


def test_once_two_centre_admins_exist_only_the_second_approves(centre_admin) -> None:
    second = _invited(centre_admin, "admin2", "user_admin")
    call_command("staff_approve", "admin2", reason="第二位中心用户管理员")
    user = _invited(centre_admin, "wufh", "approver")
    with pytest.raises(CommandError, match="两位中心用户管理员"):
        call_command("staff_approve", "wufh", reason="x")
    assert not Membership.objects.get(user=user).active
    assert second.is_staff
