"""Staff pages for user administrators (issue 13 item 2): the people of their scopes, invitations,
two-factor resets and deactivation; and the invitee's page that accepts an invitation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xuedang.accounts import forms, notify, selectors
from xuedang.accounts.access import access_invitation, access_staff_person, staff_admin_page
from xuedang.accounts.forms import TotpForm
from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.accounts.services import invitations, memberships, passwords, staff, two_factor
from xuedang.accounts.views.common import NOT_DELIVERED, RECOVERY_CODES_KEY, TOTP_PENDING_KEY, render_form
from xuedang.core.validators import PROVINCE_CODES
from xuedang.institutions.access import INSTITUTION_ADMIN_GRANTS, administered_memberships, is_user_admin
from xuedang.institutions.access import memberships as held
from xuedang.institutions.models import Institution, Role, Scope

LOGIN_BACKEND = "xuedang.accounts.backends.AccountBackend"


def _offers(actor: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The scopes and roles the actor's invite form offers (the service checks each grant again)."""
    scopes = set(held(actor, (Role.USER_ADMIN,)).values_list("scope", flat=True))
    offered_scopes = [
        (Scope.CENTRE.value, Scope.CENTRE.label),
        (Scope.PROVINCE.value, Scope.PROVINCE.label),
        (Scope.SELF_STUDY.value, Scope.SELF_STUDY.label),
    ]
    offered_scopes = offered_scopes if Scope.CENTRE in scopes else []
    if scopes & {Scope.PROVINCE, Scope.INSTITUTION}:
        offered_scopes.append((Scope.INSTITUTION.value, Scope.INSTITUTION.label))
    roles = (
        Role.choices
        if scopes & {Scope.CENTRE, Scope.PROVINCE}
        else [(r.value, r.label) for r in INSTITUTION_ADMIN_GRANTS]
    )
    return offered_scopes, list(roles)


@staff_admin_page
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The people of the scopes the user administrator administers: roles, last sign-in, two-factor."""
    return render(
        request,
        "accounts/staff_list.html",
        {
            "rows": selectors.staff_list(actor=request.user),
            "invitations": selectors.invitations_open(actor=request.user),
        },
    )


@staff_admin_page
def staff_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    scopes, roles = _offers(request.user)
    form = forms.InviteForm(request.POST or None, scopes=scopes, roles=roles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        institution = None
        if data["institution_code"]:
            institution = Institution.objects.filter(code=data["institution_code"].strip()).first()
            if institution is None:
                form.add_error("institution_code", "院校代码不存在 / no institution has this code")
        if form.is_valid():
            try:
                invitation, token = invitations.invitation_create(
                    actor=request.user,
                    real_name=data["real_name"],
                    phone=data["phone"],
                    email=data["email"],
                    scope=data["scope"],
                    roles=data["roles"],
                    province_code=data["province_code"] if data["scope"] == Scope.PROVINCE else "",
                    institution=institution if data["scope"] == Scope.INSTITUTION else None,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                return _send(request, invitation, token)
    return render(request, "accounts/staff_invite.html", {"form": form})


def _send(request: HttpRequest, invitation: Any, token: str) -> HttpResponse:
    try:
        delivered = invitations.invitation_send(invitation=invitation, token=token)
    except notify.DeliveryFailed:
        messages.error(
            request,
            "邀请已创建，但发送失败；请撤回后重新邀请 / the invitation was created but could not be sent; "
            "withdraw it and invite again",
        )
        return redirect("accounts:staff_list")
    where = invitation.masked_phone or invitation.masked_email
    messages.success(request, f"邀请链接已发送至 {where} / the invitation link was sent to {where}")
    if not delivered:
        messages.warning(request, NOT_DELIVERED)
    return redirect("accounts:staff_list")


@staff_admin_page
def staff_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One staff member: roles in the actor's scopes; reset two-factor, revoke a role, deactivate."""
    person = access_staff_person(request.user, pk)
    form = forms.ReasonForm(request.POST or None)
    action = request.POST.get("action", "")
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if action == "reset_two_factor":
                two_factor.two_factor_reset(actor=request.user, user=person, reason=reason)
                messages.success(request, "已重置两步验证 / two-step sign-in reset")
            elif action == "deactivate":
                staff.staff_deactivate(actor=request.user, user=person, reason=reason)
                messages.success(request, "账号已停用 / the login is deactivated")
            elif action.startswith("approve:") and action[8:].isdigit():
                waiting = administered_memberships(request.user).filter(user=person, pk=int(action[8:])).first()
                if waiting is not None:
                    memberships.membership_approve(actor=request.user, membership=waiting)
                    messages.success(request, "岗位已复核生效 / role approved")
            elif action.startswith("revoke:") and action[7:].isdigit():
                membership = administered_memberships(request.user).filter(user=person, pk=int(action[7:])).first()
                if membership is not None:
                    memberships.membership_revoke(actor=request.user, membership=membership, reason=reason)
                    messages.success(request, "岗位已撤销 / role revoked")
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("accounts:staff_detail", pk=person.pk)
    roles = administered_memberships(request.user).filter(user=person).select_related("institution")
    return render(request, "accounts/staff_detail.html", {"person": person, "roles": roles, "form": form})


@require_POST
@staff_admin_page
def invitation_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitations.invitation_withdraw(actor=request.user, invitation=access_invitation(request.user, pk))
    messages.info(request, "邀请已撤回 / invitation withdrawn")
    return redirect("accounts:staff_list")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee sets a login name and password, then enrols two-step sign-in (next page)."""
    invitation = invitations.invitation_find(token)
    if invitation is None:
        return render(request, "accounts/invitation.html", {"invalid": True}, status=404)
    form = forms.AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(
                token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            request.session[TOTP_PENDING_KEY] = {"user": user.pk, "backend": LOGIN_BACKEND, "next": "/"}
            return redirect("accounts:login_totp")
    roles = [dict(Role.choices)[r] for r in invitation.roles]
    if invitation.institution is not None:
        where = invitation.institution.name
    elif invitation.province_code:
        where = f"{PROVINCE_CODES.get(invitation.province_code, invitation.province_code)} / province"
    else:
        where = "全国学籍学历注册中心 / national centre"
    context = {"invitation": invitation, "roles": roles, "where": where, "form": form}
    return render(request, "accounts/invitation.html", context)


@login_required
def staff_security(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A staff member's own two-step sign-in: its state, the recovery codes left, new codes."""
    user = request.user
    if not two_factor.two_factor_required(user):
        raise Http404
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.recovery_codes_regenerate(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            request.session[RECOVERY_CODES_KEY] = codes
            return redirect(reverse("accounts:recovery_codes") + "?" + urlencode({"next": request.path}))
    return render(
        request,
        "accounts/staff_security.html",
        {
            "form": form,
            "left": two_factor.recovery_codes_left(user=user),
            "enabled_at": user.totp_enabled_at,
            "administers": is_user_admin(user),
        },
    )


@login_required
def staff_password(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A staff member changes their own password (the same rules and audit as a student's); this
    session stays, every other one ends."""
    if not two_factor.two_factor_required(request.user):
        raise Http404
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            passwords.password_change(
                user=request.user,
                old_password=data["old_password"],
                new_password=data["new_password1"],
                confirm=data["new_password2"],
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改，其他设备已退出 / password changed; other devices were signed out")
            return redirect("accounts:staff_security")
    return render_form(
        request, form, title="修改密码 / change password", strength=True, buttons=[("", "", "保存 / save")]
    )
