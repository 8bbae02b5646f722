"""First operator and staff onboarding by invitation (issue 13 items 1–2)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pyotp
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from xuedang.accounts.models import Invitation, User
from xuedang.accounts.tests.helpers import sms_outbox
from xuedang.conftest import PASSWORD, _staff, login
from xuedang.core.models import AuditEntry
from xuedang.institutions.access import is_centre, memberships
from xuedang.institutions.models import ApiKey, Institution, Membership
from xuedang.institutions.services import api_key_issue

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/account/invitation/[\w-]+/")


def _path(link: str) -> str:
    return "/account/invitation/" + link.rsplit("/account/invitation/", 1)[1]


def _accept_and_enrol(path: str, username: str) -> Client:
    """The invitee's first visit: set a password, enrol an authenticator, note the recovery codes."""
    client = Client()
    response = client.post(path, {"username": username, "password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/account/login/totp/"
    assert "工作人员账号必须启用两步验证" in client.get("/account/login/totp/").content.decode()
    secret = client.session["accounts:totp_setup"]
    done = client.post("/account/login/totp/", {"code": pyotp.TOTP(secret).now()})
    assert done["Location"].startswith("/account/login/recovery-codes/")
    assert client.get(done["Location"]).content.decode().count("<li><code>") == 10
    return client


def test_bootstrap_creates_the_first_centre_user_admin_once() -> None:
    out = io.StringIO()
    call_command("bootstrap", name="王主任", email="wang@chsi.example", stdout=out)
    link = LINK.search(out.getvalue()).group(0)
    client = _accept_and_enrol(_path(link), "wangzr")
    admin = User.objects.get(username="wangzr")
    assert admin.real_name == "王主任"
    assert admin.is_staff
    assert admin.totp_enabled_at
    assert is_centre(admin, ["user_admin"])
    assert client.get("/account/staff/").status_code == 200
    assert client.get("/admin/").status_code == 200
    # single use
    again = Client().get(_path(link))
    assert again.status_code == 404
    assert "无效、已使用或已过期" in again.content.decode()
    # refused once a centre user administrator exists
    with pytest.raises(CommandError, match="已有中心用户管理员"):
        call_command("bootstrap", name="李四", phone="13800138000", stdout=io.StringIO())
    assert Invitation.objects.count() == 1
    assert AuditEntry.objects.filter(action="accounts.invitation.accepted").count() == 1


def test_a_second_bootstrap_replaces_the_unused_link() -> None:
    first, second = io.StringIO(), io.StringIO()
    call_command("bootstrap", name="王主任", email="wang@chsi.example", stdout=first)
    call_command("bootstrap", name="王主任", email="wang@chsi.example", stdout=second)
    old = _path(LINK.search(first.getvalue()).group(0))
    assert Client().get(old).status_code == 404
    assert Client().get(_path(LINK.search(second.getvalue()).group(0))).status_code == 200


def test_the_centre_invites_a_province_admin_by_sms_who_invites_a_school_admin_by_email(centre_admin) -> None:
    page = login(centre_admin).post(
        "/account/staff/invite/",
        {
            "real_name": "赵处长",
            "phone": "13700137000",
            "scope": "province",
            "province_code": "11",
            "roles": ["user_admin"],
        },
        follow=True,
    )
    text = page.content.decode()
    assert "137****7000" in text
    assert "未真实发送" in text or "not really sent" in text  # the development backend never pretends
    message = sms_outbox()[-1]
    assert message["to"] == "137****7000"
    province_admin_client = _accept_and_enrol(_path(LINK.search(message["text"]).group(0)), "zhaocz")
    province_admin = User.objects.get(username="zhaocz")
    assert list(memberships(province_admin).values_list("scope", "role", "province_code")) == [
        ("province", "user_admin", "11")
    ]

    province_admin_client.post(
        "/account/staff/invite/",
        {
            "real_name": "钱老师",
            "email": "qian@pku.example",
            "scope": "institution",
            "institution_code": "10001",
            "roles": ["user_admin"],
        },
    )
    link = LINK.search(mail.outbox[-1].body).group(0)
    _accept_and_enrol(_path(link), "qianls")
    school_admin = User.objects.get(username="qianls")
    assert school_admin.email_verified_at is not None  # the link reached that address
    membership = Membership.objects.get(user=school_admin)
    assert (membership.role, membership.institution.code, membership.granted_by) == (
        "user_admin",
        "10001",
        province_admin,
    )


def test_invitations_outside_scope_or_against_article_24_are_refused_and_change_nothing(registrar) -> None:
    school_admin = _staff("pku_admin", "institution", "user_admin", school="10001")
    province_admin = _staff("bj_admin", "province", "user_admin", province="11")
    client, province = login(school_admin), login(province_admin)
    cases = [
        (client, {"scope": "institution", "institution_code": "10001", "roles": ["user_admin"]}, "不可选"),
        (client, {"scope": "institution", "institution_code": "10246", "roles": ["registrar"]}, "管理权限"),
        (
            client,
            {"scope": "institution", "institution_code": "10001", "roles": ["registrar", "approver"]},
            "第二十四条",
        ),
        (client, {"scope": "province", "province_code": "11", "roles": ["approver"]}, "不可选"),
        (province, {"scope": "institution", "institution_code": "10246", "roles": ["registrar"]}, "管理权限"),
        (province, {"scope": "institution", "institution_code": "99999", "roles": ["registrar"]}, "院校代码不存在"),
        (
            client,
            {"scope": "institution", "institution_code": "10001", "roles": ["registrar"], "phone": ""},
            "手机号或邮箱",
        ),
        (client, {"scope": "institution", "institution_code": "10001", "roles": ["auditor"], "phone": "12345"}, "手机"),
    ]
    for who, data, message in cases:
        response = who.post("/account/staff/invite/", {"real_name": "孙同学", "phone": "13600136000"} | data)
        assert response.status_code == 200, data
        assert message in response.content.decode(), data
    assert not Invitation.objects.exists()
    assert sms_outbox() == []
    # registrars administer nobody: no staff pages at all
    assert login(registrar).get("/account/staff/invite/").status_code == 404


def test_a_centre_role_by_invitation_waits_for_a_second_admin(centre_admin) -> None:
    from xuedang.accounts.services.invitations import invitation_create

    _invitation, token = invitation_create(
        actor=centre_admin, real_name="周审计", email="zhou@chsi.example", scope="centre", roles=["auditor"]
    )
    _accept_and_enrol(f"/account/invitation/{token}/", "zhousj")
    auditor = User.objects.get(username="zhousj")
    membership = Membership.objects.get(user=auditor)
    assert membership.awaiting_approval
    assert not is_centre(auditor)


def test_an_expired_invitation_cannot_be_used(centre_admin) -> None:
    from xuedang.accounts.services.invitations import invitation_create

    invitation, token = invitation_create(
        actor=centre_admin,
        real_name="赵处长",
        phone="13700137000",
        scope="province",
        province_code="11",
        roles=["approver"],
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().post(
        f"/account/invitation/{token}/", {"username": "zhaocz", "password": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="zhaocz").exists()


def test_staff_pages_list_a_scopes_people_and_deactivation_ends_sessions_and_keys(
    registrar, other_school_registrar
) -> None:
    school_admin = _staff("pku_admin", "institution", "user_admin", school="10001")
    admin = login(school_admin)
    listing = admin.get("/account/staff/").content.decode()
    assert "registrar" in listing
    assert "other_registrar" not in listing
    assert "未启用" in listing  # the registrar has not set up two-step sign-in
    assert admin.get(f"/account/staff/{other_school_registrar.pk}/").status_code == 404
    assert admin.get(f"/account/staff/{school_admin.pk}/").status_code == 404  # not oneself

    working = login(registrar)
    assert working.get("/school/enrollments/").status_code == 200
    province_admin = _staff("bj_admin", "province", "user_admin", province="11")
    key, _text = api_key_issue(actor=province_admin, name="教务系统", institution=Institution.objects.get(code="10001"))
    ApiKey.objects.filter(pk=key.pk).update(created_by=registrar)
    refused = admin.post(f"/account/staff/{registrar.pk}/", {"action": "deactivate", "reason": ""})
    assert "此项必填" in refused.content.decode()
    admin.post(f"/account/staff/{registrar.pk}/", {"action": "deactivate", "reason": "离职 / left"})
    registrar.refresh_from_db()
    assert not registrar.is_active
    assert working.get("/school/enrollments/").status_code == 302  # the open session ended at once
    assert not ApiKey.objects.get(pk=key.pk).active
    assert not memberships(registrar).exists()
    entry = AuditEntry.objects.get(action="accounts.staff.deactivated")
    assert entry.actor_id == school_admin.pk


def test_only_an_admin_of_the_scope_withdraws_an_invitation(centre_admin) -> None:
    from xuedang.accounts.services.invitations import invitation_create

    invitation, token = invitation_create(
        actor=centre_admin,
        real_name="赵处长",
        phone="13700137000",
        scope="province",
        province_code="11",
        roles=["approver"],
    )
    province_admin = _staff("bj_admin", "province", "user_admin", province="11")
    assert login(province_admin).post(f"/account/staff/invitations/{invitation.pk}/withdraw/").status_code == 404
    listing = login(centre_admin).get("/account/staff/").content.decode()
    assert "137****7000" in listing
    assert "13700137000" not in listing
    assert "审核员 / approver" in listing
    login(centre_admin).post(f"/account/staff/invitations/{invitation.pk}/withdraw/")
    assert Client().get(f"/account/invitation/{token}/").status_code == 404
    assert AuditEntry.objects.filter(action="accounts.invitation.withdrawn").count() == 1


def test_a_second_centre_admin_approves_a_waiting_centre_role_on_the_staff_page(centre_admin) -> None:
    from xuedang.accounts.services import membership_grant

    newcomer = User.objects.create_user(username="zhousj", password=PASSWORD, real_name="周审计")
    membership = membership_grant(actor=centre_admin, user=newcomer, scope="centre", role="auditor")
    own = login(centre_admin).post(
        f"/account/staff/{newcomer.pk}/", {"action": f"approve:{membership.pk}", "reason": "复核"}
    )
    assert "另一位用户管理员" in own.content.decode()  # not by the one who granted it
    assert not is_centre(newcomer)
    second = _staff("second_admin", "centre", "user_admin")
    login(second).post(f"/account/staff/{newcomer.pk}/", {"action": f"approve:{membership.pk}", "reason": "复核"})
    assert is_centre(newcomer)
