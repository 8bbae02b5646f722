"""Role changes (issue 20 item 2, issue 13 item 2): one service, no self-grant, scope, 第二十四条."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from xuedang.accounts.services import membership_approve, membership_grant, membership_revoke, user_create
from xuedang.conftest import PASSWORD, _staff, login
from xuedang.core.models import AuditEntry
from xuedang.institutions.access import is_centre, memberships
from xuedang.institutions.models import Institution, Membership

pytestmark = pytest.mark.django_db


def _person(username: str):
    return user_create(actor=None, username=username, password=PASSWORD, real_name="新同事")


def test_a_centre_admin_cannot_grant_itself_a_role_through_the_admin(centre_admin) -> None:
    client = login(centre_admin)
    response = client.post(
        "/admin/institutions/membership/add/",
        {"user": centre_admin.pk, "scope": "centre", "role": "approver", "province_code": "", "institution": ""},
    )
    assert response.status_code == 200
    assert "不能给自己授予岗位" in response.content.decode()
    assert not Membership.objects.filter(user=centre_admin, role="approver").exists()


def test_the_admin_cannot_edit_a_membership_in_place(centre_admin, registrar) -> None:
    membership = Membership.objects.get(user=registrar)
    client = login(centre_admin)
    client.post(
        f"/admin/institutions/membership/{membership.pk}/change/",
        {"user": registrar.pk, "scope": "centre", "role": "user_admin", "province_code": "", "institution": ""},
    )
    membership.refresh_from_db()
    assert (membership.scope, membership.role) == ("institution", "registrar")


def test_a_centre_role_added_in_the_admin_waits_for_a_second_admin(centre_admin) -> None:
    newcomer = _person("newcomer")
    client = login(centre_admin)
    response = client.post(
        "/admin/institutions/membership/add/",
        {"user": newcomer.pk, "scope": "centre", "role": "auditor", "province_code": "", "institution": ""},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert (membership.active, membership.awaiting_approval) == (False, True)
    assert not is_centre(newcomer)
    # the same admin cannot approve its own grant
    with pytest.raises(ValidationError):
        membership_approve(actor=centre_admin, membership=membership)
    second = _staff("second_admin", "centre", "user_admin")
    membership_approve(actor=second, membership=membership)
    assert is_centre(newcomer)
    assert AuditEntry.objects.filter(action="institutions.membership.requested").count() == 1
    approved = AuditEntry.objects.filter(action="institutions.membership.granted", target_id=str(membership.pk))
    assert approved.get().actor_id == second.pk


def test_the_grantee_cannot_approve_its_own_centre_role(centre_admin) -> None:
    second = _staff("second_admin", "centre", "user_admin")
    membership = membership_grant(actor=centre_admin, user=second, scope="centre", role="auditor")
    with pytest.raises(ValidationError):
        membership_approve(actor=second, membership=membership)


def test_nobody_grants_outside_their_scope(registrar) -> None:
    pku = Institution.objects.get(code="10001")
    fudan = Institution.objects.get(code="10246")
    school_admin = _staff("pku_admin", "institution", "user_admin", school="10001")
    province_admin = _staff("bj_admin", "province", "user_admin", province="11")
    newcomer = _person("newcomer")
    refusals = [
        (school_admin, {"scope": "institution", "role": "registrar", "institution": fudan}),
        (school_admin, {"scope": "institution", "role": "user_admin", "institution": pku}),
        (school_admin, {"scope": "province", "role": "approver", "province_code": "11"}),
        (province_admin, {"scope": "institution", "role": "registrar", "institution": fudan}),
        (province_admin, {"scope": "province", "role": "approver", "province_code": "11"}),
        (province_admin, {"scope": "centre", "role": "auditor"}),
        (registrar, {"scope": "institution", "role": "registrar", "institution": pku}),
    ]
    for actor, grant in refusals:
        with pytest.raises(ValidationError) as error:
            membership_grant(actor=actor, user=newcomer, **grant)
        assert "scope" in error.value.message_dict, (actor, grant)
    assert not Membership.objects.filter(user=newcomer).exists()
    # within scope it works, at once (only centre roles need a second approval)
    membership_grant(actor=school_admin, user=newcomer, scope="institution", role="auditor", institution=pku)
    membership_grant(actor=province_admin, user=newcomer, scope="institution", role="user_admin", institution=pku)
    assert memberships(newcomer).count() == 2


def test_nobody_registers_and_approves_in_the_same_scope(centre_admin, registrar) -> None:
    pku = Institution.objects.get(code="10001")
    province_admin = _staff("bj_admin", "province", "user_admin", province="11")
    with pytest.raises(ValidationError) as error:
        membership_grant(actor=province_admin, user=registrar, scope="institution", role="approver", institution=pku)
    assert "第二十四条" in error.value.messages[0]
    with pytest.raises(ValidationError):  # not by the system either
        membership_grant(actor=None, user=registrar, scope="institution", role="approver", institution=pku)
    # another scope is fine
    membership_grant(actor=centre_admin, user=registrar, scope="province", role="approver", province_code="11")


def test_a_revoked_role_can_be_granted_again_and_revocation_is_scoped(registrar) -> None:
    pku = Institution.objects.get(code="10001")
    school_admin = _staff("pku_admin", "institution", "user_admin", school="10001")
    other_admin = _staff("fudan_admin", "institution", "user_admin", school="10246")
    membership = Membership.objects.get(user=registrar)
    with pytest.raises(ValidationError):
        membership_revoke(actor=other_admin, membership=membership, reason="")
    membership_revoke(actor=school_admin, membership=membership, reason="调岗 / moved")
    assert not memberships(registrar).exists()
    membership_grant(actor=school_admin, user=registrar, scope="institution", role="registrar", institution=pku)
    assert memberships(registrar).count() == 1
