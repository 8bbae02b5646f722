"""Signing in (password, then a TOTP code when two-step sign-in is on), signing out, the lockout page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xuedang.accounts import backends, forms, selectors
from xuedang.accounts.http import safe_next
from xuedang.accounts.models import User
from xuedang.accounts.services import sessions as account_sessions
from xuedang.accounts.services import two_factor as totp
from xuedang.accounts.views.common import (
    RECOVERY_CODES_KEY,
    TOTP_PENDING_KEY,
    TOTP_SETUP_KEY,
    TWO_FACTOR_KEY,
    client_ip,
    render_form,
    user_agent,
)


def _finish_login(request: HttpRequest, user: User, backend: str, *, two_factor: bool = False) -> HttpResponse:
    login(request, user, backend=backend)
    account_sessions.login_success_record(account=user.get_username())
    if two_factor:
        request.session[TWO_FACTOR_KEY] = user.pk
    # login() has just cycled the session, so it has a key by now.
    assert request.session.session_key is not None
    account_sessions.session_record(
        user=user, session_key=request.session.session_key, ip=client_ip(request), user_agent=user_agent(request)
    )
    account_sessions.login_event_record(
        user=user, ip=client_ip(request), user_agent=user_agent(request), succeeded=True
    )
    target = safe_next(request)
    if user.is_staff and target == reverse("accounts:profile"):
        target = reverse("home")
    return redirect(target)


def login_view(request: HttpRequest) -> HttpResponse:
    """登录: username, mobile, activated email or ID number, and the password; a captcha too once
    this network or this account has failed often (decision 0018)."""
    typed = request.POST.get("username", "") if request.method == "POST" else ""
    account = backends.lockout_username(request, {"username": typed}) if typed else None
    captcha = account_sessions.login_captcha_required(ip=client_ip(request), account=account)
    form = (forms.LoginCaptchaForm if captcha else forms.LoginForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["username"]
        user = authenticate(request, username=name, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            account_sessions.login_failure_record(ip=client_ip(request), account=account or "")
            known = selectors.user_by_login_name(name)
            if known is not None:
                account_sessions.login_event_record(
                    user=known,
                    ip=client_ip(request),
                    user_agent=user_agent(request),
                    succeeded=False,
                    detail="password",
                )
            form.add_error(None, "账号或密码错误 / wrong account name or password")
        elif user.totp_enabled_at or totp.two_factor_required(user):
            request.session[TOTP_PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,  # type: ignore[attr-defined]  # set by authenticate()
                "next": safe_next(request),
            }
            return redirect("accounts:login_totp")
        else:
            return _finish_login(request, user, user.backend)  # type: ignore[attr-defined]  # set by authenticate()
    return render(request, "registration/login.html", {"form": form, "next": request.GET.get("next", "")})


def _pending_user(request: HttpRequest) -> tuple[dict | None, User | None]:
    pending = request.session.get(TOTP_PENDING_KEY)
    if not pending:
        return None, None
    return pending, User.objects.filter(pk=pending["user"], is_active=True).first()


def _second_step_passed(request: HttpRequest, user: User, pending: dict) -> HttpResponse:
    del request.session[TOTP_PENDING_KEY]
    post = request.POST.copy()
    post["next"] = pending["next"]
    request.POST = post  # type: ignore[assignment]  # stubs type request.POST as immutable
    return _finish_login(request, user, pending["backend"], two_factor=True)


def login_totp(request: HttpRequest) -> HttpResponse:
    """The second step: the authenticator's code (or a recovery code); a staff account without an
    authenticator enrols one here first, since staff cannot work without it."""
    pending, user = _pending_user(request)
    if pending is None or user is None:
        return redirect("login")
    if not user.totp_enabled_at:
        return _enrol(request, user, pending)
    form = forms.SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp.totp_login_check(user=user, code=form.cleaned_data["code"]):
            return _second_step_passed(request, user, pending)
        account_sessions.login_event_record(
            user=user, ip=client_ip(request), user_agent=user_agent(request), succeeded=False, detail="totp"
        )
        form.add_error("code", "动态口令不正确或尝试过多 / the code is wrong, or too many tries")
    return render_form(
        request,
        form,
        title="两步验证 / two-step sign-in",
        intro="请输入身份验证器应用中显示的 6 位数字，或一个未用过的恢复码。/ Enter the 6 digits your "
        "authenticator app shows, or one unused recovery code.",
        buttons=[("", "", "验证 / verify")],
    )


def _enrol(request: HttpRequest, user: User, pending: dict) -> HttpResponse:
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
            codes = totp.recovery_codes_issue(user=user)
            pending["next"] = reverse("accounts:recovery_codes") + "?" + urlencode({"next": pending["next"]})
            response = _second_step_passed(request, user, pending)
            request.session[RECOVERY_CODES_KEY] = codes
            return response
    uri = totp.totp_uri(user=user, secret=secret)
    qr = segno.make(uri, error="m").svg_inline(scale=4, title="TOTP QR")
    return render(
        request, "accounts/two_factor.html", {"form": form, "enabled": False, "qr": qr, "secret": secret, "staff": True}
    )


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once right after they are issued."""
    codes = request.session.pop(RECOVERY_CODES_KEY, None)
    if not codes:
        return redirect(safe_next(request))
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": safe_next(request)})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.session.session_key:
        account_sessions.session_ended(session_key=request.session.session_key)
    logout(request)
    messages.info(request, "您已退出登录 / you have signed out")
    return redirect("login")


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Axes' lockout page: how long to wait and how to get in sooner."""
    credentials = getattr(request, "axes_credentials", None)
    count = backends.lockouts_today(backends.lockout_username(request, credentials))
    minutes = int(backends.cool_off_after(max(count - 1, 0)).total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
