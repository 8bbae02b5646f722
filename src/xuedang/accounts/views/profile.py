"""The student's account pages: profile, login history, sessions, password, phone, email, two-step
sign-in and cancellation (注销)."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from xuedang.accounts import codes, forms, notify, selectors
from xuedang.accounts.access import student_page
from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.accounts.services import cancellation, contacts, passwords, registration
from xuedang.accounts.services import sessions as account_sessions
from xuedang.accounts.services import two_factor as totp
from xuedang.accounts.views.common import (
    NOT_DELIVERED,
    TOTP_SETUP_KEY,
    client_ip,
    masked_phone,
    render_form,
    send_code,
)
from xuedang.core.masking import mask_email


@student_page
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "account": user,
            "appeal": selectors.open_appeal(user=user),
            "cancellation_due": cancellation.cancellation_due(user),
        },
    )


@student_page
def login_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/history.html", {"events": selectors.login_history(user=request.user)})


@student_page
def sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "end_all":
            account_sessions.sessions_end_all(user=request.user)
            logout(request)
            messages.info(request, "已退出所有设备，请重新登录 / signed out everywhere; sign in again")
            return redirect("login")
        try:
            session_id = int(request.POST.get("session", ""))
        except ValueError as error:
            raise Http404 from error
        account_sessions.session_end(user=request.user, session_id=session_id)
        return redirect("accounts:sessions")
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": selectors.active_sessions(user=request.user), "current": request.session.session_key},
    )


@student_page
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
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
            update_session_auth_hash(request, request.user)  # this session stays, the others end
            messages.success(request, "密码已修改，其他设备已退出 / password changed; other devices were signed out")
            return redirect("accounts:profile")
    return render_form(
        request, form, title="修改密码 / change password", strength=True, buttons=[("", "", "保存 / save")]
    )


@student_page
def phone_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """更换手机号: the current number's code (or the password) and the new number's code."""
    user = request.user
    form = forms.PhoneChangeForm(request.POST or None)
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ("send_old", "send_new"):
        form.is_valid()
        form.errors.clear()
        new_phone = request.POST.get("new_phone", "")
        if action == "send_old":
            send_code(
                request,
                form,
                "old_code",
                lambda: contacts.phone_code_send(user=user, which="old", ip=client_ip(request)),
                lambda: user.masked_phone,
            )
        else:
            send_code(
                request,
                form,
                "new_phone",
                lambda: contacts.phone_code_send(user=user, which="new", new_phone=new_phone, ip=client_ip(request)),
                lambda: masked_phone(new_phone),
            )
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_code = data["method"] == "old_code"
        try:
            contacts.phone_change(
                user=user,
                new_phone=data["new_phone"],
                new_code=data["new_code"],
                old_code=data["old_code"] if by_code else "",
                password="" if by_code else data["password"],
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, f"手机号已更换为 {user.masked_phone} / your mobile is now {user.masked_phone}")
            return redirect("accounts:profile")
    return render_form(
        request,
        form,
        title="更换手机号 / change mobile",
        intro=f"当前号码 / current number: {user.masked_phone}",
        buttons=[
            ("action", "send_old", "向原号码发送验证码 / send code to current number"),
            ("action", "send_new", "向新号码发送验证码 / send code to new number"),
            ("action", "change", "更换 / change"),
        ],
    )


@student_page
def email_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = forms.EmailChangeForm(request.POST or None)
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "resend":
        try:
            delivered = registration.email_activation_resend(user=user, ip=client_ip(request))
        except (codes.CodeRefused, notify.DeliveryFailed) as refused:
            messages.error(request, str(refused))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"激活邮件已发送至 {user.masked_email} / activation email sent")
            if not delivered:
                messages.warning(request, NOT_DELIVERED)
        return redirect("accounts:email_change")
    if request.method == "POST" and action == "send_code":
        form.is_valid()
        form.errors.clear()
        email = request.POST.get("email", "")
        send_code(
            request,
            form,
            "email",
            lambda: contacts.email_code_send(user=user, email=email, ip=client_ip(request)),
            lambda: mask_email(email.strip()),
        )
    elif request.method == "POST" and form.is_valid():
        try:
            contacts.email_change(user=user, email=form.cleaned_data["email"], code=form.cleaned_data["code"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, f"邮箱已绑定：{user.masked_email} / email bound")
            return redirect("accounts:profile")
    intro = "未绑定邮箱 / no email yet"
    if user.email:
        state = "已激活 / activated" if user.email_verified_at else "未激活 / not activated yet"
        intro = f"当前邮箱 / current email: {user.masked_email}（{state}）"
    buttons = [("action", "send_code", "发送验证码 / send code"), ("action", "change", "绑定 / bind")]
    if user.email and not user.email_verified_at:
        buttons.insert(0, ("action", "resend", "重发激活邮件 / resend activation email"))
    return render_form(request, form, title="绑定邮箱 / email", intro=intro, buttons=buttons)


@student_page
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Optional TOTP: scan the QR code, confirm one code; turn off with password + code."""
    user = request.user
    if user.totp_enabled_at:
        form: forms.TotpDisableForm | forms.TotpForm = forms.TotpDisableForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                totp.totp_disable(user=user, password=form.cleaned_data["password"], code=form.cleaned_data["code"])
            except ValidationError as error:
                forms.apply_errors(form, error)
            else:
                messages.success(request, "两步验证已关闭 / two-step sign-in is off")
                return redirect("accounts:profile")
        return render(request, "accounts/two_factor.html", {"form": form, "enabled": True})
    secret = request.session.get(TOTP_SETUP_KEY) or totp.totp_new_secret()
    request.session[TOTP_SETUP_KEY] = secret
    form = forms.TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            totp.totp_enable(user=user, secret=secret, code=form.cleaned_data["code"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            del request.session[TOTP_SETUP_KEY]
            messages.success(request, "两步验证已开启 / two-step sign-in is on")
            return redirect("accounts:profile")
    uri = totp.totp_uri(user=user, secret=secret)
    qr = segno.make(uri, error="m").svg_inline(scale=4, title="TOTP QR")
    return render(request, "accounts/two_factor.html", {"form": form, "enabled": False, "qr": qr, "secret": secret})


@student_page
def cancel(request: AuthenticatedHttpRequest) -> HttpResponse:
    """注销账号: the login goes after a cooling-off period; registry records stay."""
    user = request.user
    form = forms.PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        cancellation.cancellation_withdraw(user=user)
        messages.success(request, "已撤销注销申请 / cancellation withdrawn")
        return redirect("accounts:profile")
    if request.method == "POST" and form.is_valid():
        try:
            cancellation.cancellation_request(user=user, password=form.cleaned_data["password"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, "已申请注销 / cancellation requested")
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/cancel.html",
        {"form": form, "due": cancellation.cancellation_due(user), "days": settings.ACCOUNT_CANCEL_COOLING_DAYS},
    )
