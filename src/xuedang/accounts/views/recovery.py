"""Getting back in: password reset by SMS code or email link, and 找回用户名."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from xuedang.accounts import codes, forms, notify
from xuedang.accounts.services import passwords
from xuedang.accounts.services import sessions as account_sessions
from xuedang.accounts.views.common import NOT_DELIVERED, client_ip, render_form


def password_reset(request: HttpRequest) -> HttpResponse:
    """找回密码 by SMS: the same answer whether or not the number has an account."""
    form = forms.PasswordResetSmsForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form.is_valid()
        form.errors.clear()
        phone = request.POST.get("phone", "")
        try:
            delivered = passwords.password_reset_code_send(phone=phone, ip=client_ip(request))
        except (codes.CodeRefused, notify.DeliveryFailed) as refused:
            form.add_error("phone", str(refused))
        except ValidationError as error:
            form.add_error("phone", error.messages)
        else:
            messages.success(
                request,
                "如该手机号已绑定账号，验证码已发出，10 分钟内有效。/ If this number "
                "belongs to an account, a code is on its way; it is valid for 10 minutes.",
            )
            if not delivered and not notify.sms_delivers():
                messages.warning(request, NOT_DELIVERED)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = passwords.password_reset_by_code(
                phone=data["phone"],
                code=data["code"],
                new_password=data["new_password1"],
                confirm=data["new_password2"],
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            account_sessions.login_limits_clear(user=user, ip=client_ip(request))
            messages.success(request, "密码已重置，请用新密码登录 / your password was reset; sign in with the new one")
            return redirect("login")
    return render_form(
        request,
        form,
        title="找回密码（短信）/ reset password by SMS",
        strength=True,
        buttons=[
            ("action", "send_code", "获取短信验证码 / send SMS code"),
            ("action", "reset", "重置密码 / reset password"),
        ],
        links=[
            (reverse("accounts:password_reset_email"), "通过邮箱找回 / reset by email instead"),
            (reverse("accounts:username_recover"), "找回用户名 / forgot username"),
        ],
    )


def password_reset_email(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordResetEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passwords.password_reset_email_send(email=form.cleaned_data["email"], ip=client_ip(request))
        except (codes.CodeRefused, notify.DeliveryFailed) as refused:
            form.add_error("email", str(refused))
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(
                request,
                "如该邮箱已激活并绑定账号，重置链接已发出。/ If this activated address "
                "belongs to an account, a reset link is on its way.",
            )
            if not notify.email_delivers():
                messages.warning(request, NOT_DELIVERED)
            return redirect("login")
    return render_form(
        request,
        form,
        title="找回密码（邮箱）/ reset password by email",
        buttons=[("", "", "发送重置链接 / send reset link")],
    )


def password_reset_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = passwords.password_reset_link_user(uidb64=uidb64, token=token)
    if user is None:
        return render(
            request,
            "accounts/message.html",
            {
                "title": "链接无效 / invalid link",
                "text": "重置链接无效、已使用或已过期。/ The link is invalid, used or expired.",
                "link": (reverse("accounts:password_reset_email"), "重新发送 / send a new one"),
            },
            status=400,
        )
    form = forms.SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passwords.password_reset_by_link(
                user=user, new_password=form.cleaned_data["new_password1"], confirm=form.cleaned_data["new_password2"]
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            account_sessions.login_limits_clear(user=user, ip=client_ip(request))
            messages.success(request, "密码已重置，请用新密码登录 / your password was reset; sign in with the new one")
            return redirect("login")
    return render_form(
        request, form, title="设置新密码 / set a new password", strength=True, buttons=[("", "", "保存 / save")]
    )


def username_recover(request: HttpRequest) -> HttpResponse:
    """找回用户名: ID + name + captcha → masked usernames."""
    form = forms.UsernameRecoverForm(request.POST or None)
    found: list[str] | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            found = passwords.usernames_recover(
                document_type=data["document_type"],
                document_number=data["document_number"],
                real_name=data["real_name"],
                ip=client_ip(request),
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
    return render(request, "accounts/username_recover.html", {"form": form, "found": found})
