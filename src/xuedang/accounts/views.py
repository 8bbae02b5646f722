"""Accounts pages: thin views that parse a form, call one service and render."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xuedang.accounts import backends, codes, forms, notify, selectors
from xuedang.accounts.access import access_appeal, appeal_reviewer, student_page
from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.accounts.models import AppealState, User
from xuedang.accounts.services import appeals, challenge, registration, security
from xuedang.core import validators
from xuedang.core.masking import mask_document, mask_email, mask_phone
from xuedang.institutions.models import Institution

DRAFT_KEY = "accounts:registration"
TOTP_PENDING_KEY = "accounts:totp_pending"
TOTP_SETUP_KEY = "accounts:totp_setup"
NOT_DELIVERED = (
    "开发环境：消息未真实发送，请查看本地发件箱（var/outbox）。/ Development setting: the message was not "
    "really sent; read it in the local outbox (var/outbox)."
)


def _masked_phone(phone: str) -> str:
    try:
        return mask_phone(validators.normalize_mobile(phone))
    except ValidationError:
        return ""


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:200]


def _sent(request: HttpRequest, delivered: bool, where: str) -> None:
    messages.success(request, f"验证码已发送至 {where} / a code was sent to {where}")
    if not delivered:
        messages.warning(request, NOT_DELIVERED)


def _send_code(request: HttpRequest, form: Any, field: str, send: Any, where: Any) -> None:
    """Run a code-sending service; refusals and bad numbers land on `field` of the form."""
    try:
        delivered = send()
    except (codes.CodeRefused, notify.DeliveryFailed) as refused:
        form.add_error(field, str(refused))
    except ValidationError as error:
        form.add_error(field, error.messages)
    else:
        _sent(request, delivered, where())


SENDS_AFTER = {"send_code": ("phone", "email"), "send_old": ("old_code",), "send_new": ("new_phone",)}


def _render_form(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    buttons: list[tuple[str, str, str]],
    intro: str = "",
    links: list[tuple[str, str]] | None = None,
    status: int = 200,
    multipart: bool = False,
    strength: bool = False,
) -> HttpResponse:
    """A form page. "Send code" buttons sit right after the field they send to; the last
    button is the form's main action, and also the one Enter presses."""
    rows, placed = [], set()
    for field in form:
        beside = [b for b in buttons if field.name in SENDS_AFTER.get(b[1], ()) and b[1] not in placed]
        placed |= {b[1] for b in beside}
        rows.append((field, beside, strength and field.name in ("password2", "new_password2")))
    return render(
        request,
        "accounts/form.html",
        {
            "rows": rows,
            "form": form,
            "title": title,
            "buttons": [b for b in buttons if b[1] not in placed],
            "primary": buttons[-1],
            "intro": intro,
            "links": links or [],
            "multipart": multipart,
            "strength": strength,
        },
        status=status,
    )


# --- Sign in and out ------------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("accounts:profile")


def _finish_login(request: HttpRequest, user: User, backend: str) -> HttpResponse:
    login(request, user, backend=backend)
    # login() has just cycled the session, so it has a key by now.
    assert request.session.session_key is not None
    security.session_record(
        user=user, session_key=request.session.session_key, ip=client_ip(request), user_agent=user_agent(request)
    )
    security.login_event_record(user=user, ip=client_ip(request), user_agent=user_agent(request), succeeded=True)
    target = _safe_next(request)
    if user.is_staff and target == reverse("accounts:profile"):
        target = "/"
    return redirect(target)


def login_view(request: HttpRequest) -> HttpResponse:
    """登录: username, mobile, activated email or ID number, and the password."""
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and security.login_ip_blocked(ip=client_ip(request)):
        form.add_error(
            None,
            "此网络登录失败次数过多，请 1 小时后再试 / too many failed sign-ins from this network; "
            "try again within the next hour",
        )
        return render(request, "registration/login.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["username"]
        user = authenticate(request, username=name, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            security.login_ip_failure(ip=client_ip(request))
            known = selectors.user_by_login_name(name)
            if known is not None:
                security.login_event_record(
                    user=known,
                    ip=client_ip(request),
                    user_agent=user_agent(request),
                    succeeded=False,
                    detail="password",
                )
            form.add_error(None, "账号或密码错误 / wrong account name or password")
        elif user.totp_enabled_at:
            request.session[TOTP_PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,  # type: ignore[attr-defined]  # set by authenticate()
                "next": _safe_next(request),
            }
            return redirect("accounts:login_totp")
        else:
            return _finish_login(request, user, user.backend)  # type: ignore[attr-defined]  # set by authenticate()
    return render(request, "registration/login.html", {"form": form, "next": request.GET.get("next", "")})


def login_totp(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(TOTP_PENDING_KEY)
    if not pending:
        return redirect("login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("login")
    form = forms.TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if security.totp_login_check(user=user, code=form.cleaned_data["code"]):
            del request.session[TOTP_PENDING_KEY]
            post = request.POST.copy()
            post["next"] = pending["next"]
            request.POST = post  # type: ignore[assignment]  # stubs type request.POST as immutable
            return _finish_login(request, user, pending["backend"])
        security.login_event_record(
            user=user, ip=client_ip(request), user_agent=user_agent(request), succeeded=False, detail="totp"
        )
        form.add_error("code", "动态口令不正确或尝试过多 / the code is wrong, or too many tries")
    return _render_form(
        request,
        form,
        title="两步验证 / two-step sign-in",
        intro="请输入身份验证器应用中显示的 6 位数字。/ Enter the 6 digits your authenticator app shows.",
        buttons=[("", "", "验证 / verify")],
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.session.session_key:
        security.session_ended(session_key=request.session.session_key)
    logout(request)
    messages.info(request, "您已退出登录 / you have signed out")
    return redirect("login")


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Axes' lockout page: how long to wait and how to get in sooner."""
    credentials = getattr(request, "axes_credentials", None)
    count = backends.lockouts_today(backends.lockout_username(request, credentials))
    minutes = int(backends.cool_off_after(max(count - 1, 0)).total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


# --- Registration ---------------------------------------------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    form = forms.RegisterForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form.is_valid()
        form.errors.clear()
        phone = request.POST.get("phone", "")
        _send_code(
            request,
            form,
            "phone",
            lambda: registration.registration_code_send(phone=phone, ip=client_ip(request)),
            lambda: _masked_phone(phone),
        )
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draft = registration.registration_check(
                phone=data["phone"],
                code=data["code"],
                password=data["password"],
                real_name=data["real_name"],
                document_type=data["document_type"],
                document_number=data["document_number"],
                email=data["email"],
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            request.session[DRAFT_KEY] = draft.to_session()
            return redirect("accounts:register_confirm")
    return _render_form(
        request,
        form,
        title="注册账号 / create an account",
        strength=True,
        intro="用手机号和证件注册。带 * 的均为必填。/ Register with your mobile and ID document.",
        buttons=[("action", "send_code", "获取短信验证码 / send SMS code"), ("action", "register", "下一步 / next")],
        links=[
            (reverse("accounts:username_recover"), "找回用户名 / forgot username"),
            (reverse("login"), "已有账号？登录 / already registered? sign in"),
        ],
    )


def register_confirm(request: HttpRequest) -> HttpResponse:
    """确认信息: the username, name and masked ID, and 「是/否」 before anything is final."""
    data = request.session.get(DRAFT_KEY)
    if not data:
        return redirect("accounts:register")
    draft = registration.RegistrationDraft.from_session(data)
    if request.method == "POST":
        if request.POST.get("answer") != "yes":
            del request.session[DRAFT_KEY]
            messages.info(request, "未注册，请重新填写 / nothing was registered; fill in the form again")
            return redirect("accounts:register")
        try:
            user = registration.student_register(draft=draft)
        except ValidationError as error:
            del request.session[DRAFT_KEY]
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:register")
        del request.session[DRAFT_KEY]
        request.session["accounts:registered"] = {
            "username": user.username,
            "identity_taken": draft.identity_taken,
            "email": bool(draft.email),
        }
        return redirect("accounts:register_done")
    return render(
        request,
        "accounts/register_confirm.html",
        {
            "draft": draft,
            "masked_document": mask_document(draft.document_number),
            "document_label": dict(forms.DocumentType.choices)[draft.document_type],
        },
    )


def register_done(request: HttpRequest) -> HttpResponse:
    done = request.session.get("accounts:registered")
    if not done:
        return redirect("accounts:register")
    return render(request, "accounts/register_done.html", {"done": done, "email_delivers": notify.email_delivers()})


def email_activate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        registration.email_activate(token=token)
    except ValidationError as error:
        return render(
            request,
            "accounts/message.html",
            {"title": "激活失败 / activation failed", "text": " ".join(error.messages)},
            status=400,
        )
    return render(
        request,
        "accounts/message.html",
        {
            "title": "邮箱已激活 / email activated",
            "text": "现在可以用此邮箱登录和找回密码。/ You can now sign in and reset your password with this address.",
            "link": (reverse("login"), "登录 / sign in"),
        },
    )


# --- Recovery -------------------------------------------------------------------------------------


def password_reset(request: HttpRequest) -> HttpResponse:
    """找回密码 by SMS: the same answer whether or not the number has an account."""
    form = forms.PasswordResetSmsForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form.is_valid()
        form.errors.clear()
        phone = request.POST.get("phone", "")
        try:
            delivered = security.password_reset_code_send(phone=phone, ip=client_ip(request))
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
            security.password_reset_by_code(
                phone=data["phone"],
                code=data["code"],
                new_password=data["new_password1"],
                confirm=data["new_password2"],
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, "密码已重置，请用新密码登录 / your password was reset; sign in with the new one")
            return redirect("login")
    return _render_form(
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
            security.password_reset_email_send(email=form.cleaned_data["email"], ip=client_ip(request))
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
    return _render_form(
        request,
        form,
        title="找回密码（邮箱）/ reset password by email",
        buttons=[("", "", "发送重置链接 / send reset link")],
    )


def password_reset_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = security.password_reset_link_user(uidb64=uidb64, token=token)
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
            security.password_reset_by_link(
                user=user, new_password=form.cleaned_data["new_password1"], confirm=form.cleaned_data["new_password2"]
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, "密码已重置，请用新密码登录 / your password was reset; sign in with the new one")
            return redirect("login")
    return _render_form(
        request, form, title="设置新密码 / set a new password", strength=True, buttons=[("", "", "保存 / save")]
    )


def username_recover(request: HttpRequest) -> HttpResponse:
    """找回用户名: ID + name + captcha → masked usernames."""
    form = forms.UsernameRecoverForm(request.POST or None)
    found: list[str] | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            found = security.usernames_recover(
                document_type=data["document_type"],
                document_number=data["document_number"],
                real_name=data["real_name"],
                ip=client_ip(request),
            )
        except ValidationError as error:
            forms.apply_errors(form, error)
    return render(request, "accounts/username_recover.html", {"form": form, "found": found})


# --- The student's account pages ------------------------------------------------------------------


@student_page
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "account": user,
            "appeal": selectors.open_appeal(user=user),
            "cancellation_due": security.cancellation_due(user),
        },
    )


@student_page
def login_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/history.html", {"events": selectors.login_history(user=request.user)})


@student_page
def sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "end_all":
            security.sessions_end_all(user=request.user)
            logout(request)
            messages.info(request, "已退出所有设备，请重新登录 / signed out everywhere; sign in again")
            return redirect("login")
        try:
            session_id = int(request.POST.get("session", ""))
        except ValueError as error:
            raise Http404 from error
        security.session_end(user=request.user, session_id=session_id)
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
            security.password_change(
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
    return _render_form(
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
            _send_code(
                request,
                form,
                "old_code",
                lambda: security.phone_code_send(user=user, which="old", ip=client_ip(request)),
                lambda: user.masked_phone,
            )
        else:
            _send_code(
                request,
                form,
                "new_phone",
                lambda: security.phone_code_send(user=user, which="new", new_phone=new_phone, ip=client_ip(request)),
                lambda: _masked_phone(new_phone),
            )
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_code = data["method"] == "old_code"
        try:
            security.phone_change(
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
    return _render_form(
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
        _send_code(
            request,
            form,
            "email",
            lambda: security.email_code_send(user=user, email=email, ip=client_ip(request)),
            lambda: mask_email(email.strip()),
        )
    elif request.method == "POST" and form.is_valid():
        try:
            security.email_change(user=user, email=form.cleaned_data["email"], code=form.cleaned_data["code"])
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
    return _render_form(request, form, title="绑定邮箱 / email", intro=intro, buttons=buttons)


@student_page
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Optional TOTP: scan the QR code, confirm one code; turn off with password + code."""
    user = request.user
    if user.totp_enabled_at:
        form: forms.TotpDisableForm | forms.TotpForm = forms.TotpDisableForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                security.totp_disable(user=user, password=form.cleaned_data["password"], code=form.cleaned_data["code"])
            except ValidationError as error:
                forms.apply_errors(form, error)
            else:
                messages.success(request, "两步验证已关闭 / two-step sign-in is off")
                return redirect("accounts:profile")
        return render(request, "accounts/two_factor.html", {"form": form, "enabled": True})
    secret = request.session.get(TOTP_SETUP_KEY) or security.totp_new_secret()
    request.session[TOTP_SETUP_KEY] = secret
    form = forms.TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            security.totp_enable(user=user, secret=secret, code=form.cleaned_data["code"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            del request.session[TOTP_SETUP_KEY]
            messages.success(request, "两步验证已开启 / two-step sign-in is on")
            return redirect("accounts:profile")
    uri = security.totp_uri(user=user, secret=secret)
    qr = segno.make(uri, error="m").svg_inline(scale=4, title="TOTP QR")
    return render(request, "accounts/two_factor.html", {"form": form, "enabled": False, "qr": qr, "secret": secret})


@student_page
def cancel(request: AuthenticatedHttpRequest) -> HttpResponse:
    """注销账号: the login goes after a cooling-off period; registry records stay."""
    user = request.user
    form = forms.PasswordConfirmForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        security.cancellation_withdraw(user=user)
        messages.success(request, "已撤销注销申请 / cancellation withdrawn")
        return redirect("accounts:profile")
    if request.method == "POST" and form.is_valid():
        try:
            security.cancellation_request(user=user, password=form.cleaned_data["password"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, "已申请注销 / cancellation requested")
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/cancel.html",
        {"form": form, "due": security.cancellation_due(user), "days": settings.ACCOUNT_CANCEL_COOLING_DAYS},
    )


# --- Identity challenge and appeals -----------------------------------------------------------------


@student_page
def identity_challenge(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.identity_checked_at:
        return render(
            request,
            "accounts/message.html",
            {"title": "身份已核验 / identity checked", "text": "您的身份已核验。/ Your identity has been checked."},
        )
    if not user.identity_digest:
        return redirect("accounts:appeal")
    question = challenge.challenge_get(user=user)
    if question is None:
        return render(request, "accounts/challenge.html", {"nothing": True})
    names = dict(Institution.objects.filter(code__in=question.options).values_list("code", "name"))
    form = forms.ChallengeForm(request.POST or None, choices=[(c, names.get(c, c)) for c in question.options])
    if request.method == "POST" and form.is_valid():
        try:
            right = challenge.challenge_answer(user=user, institution_code=form.cleaned_data["institution"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            if right:
                messages.success(request, "核验通过 / identity checked")
                return redirect(_safe_next(request))
            form.add_error("institution", "回答不正确 / that is not right")
    return render(request, "accounts/challenge.html", {"form": form, "tries_left": challenge.tries_left(user)})


@student_page
def appeal(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The student's side: start (if needed), upload the photo and submit, or withdraw."""
    user = request.user
    current = selectors.open_appeal(user=user)
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        appeals.appeal_withdraw(user=user)
        messages.info(request, "申诉已撤回 / appeal withdrawn")
        return redirect("accounts:profile")
    if current is None:
        form: forms.AppealStartForm | forms.AppealSubmitForm = forms.AppealStartForm(request.POST or None)
        if user.identity_digest:
            return redirect("accounts:profile")
        if request.method == "POST" and form.is_valid():
            try:
                appeals.appeal_start(user=user, **form.cleaned_data)
            except ValidationError as error:
                forms.apply_errors(form, error)
            else:
                return redirect("accounts:appeal")
        return render(request, "accounts/appeal.html", {"start_form": form})
    form = forms.AppealSubmitForm(request.POST or None, request.FILES or None)
    if current.state == AppealState.DRAFT and request.method == "POST" and form.is_valid():
        photo = form.cleaned_data["photo"]
        try:
            appeals.appeal_submit(user=user, upload=photo, size=photo.size, statement=form.cleaned_data["statement"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, "申诉已提交 / appeal submitted")
            return redirect("accounts:appeal")
    return render(request, "accounts/appeal.html", {"appeal": current, "form": form})


@appeal_reviewer
def appeal_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/appeal_queue.html",
        {"appeals": selectors.appeal_queue(actor=request.user), "today": timezone.localdate()},
    )


@appeal_reviewer
def appeal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = access_appeal(request.user, pk)
    form = forms.AppealDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = appeals.appeal_approve if form.cleaned_data["decision"] == "approve" else appeals.appeal_reject
        try:
            decide(actor=request.user, appeal_id=item.pk, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, "已处理，双方已收到通知 / decided; both parties were notified")
            return redirect("accounts:appeal_queue")
    holders = selectors.identity_owners(identity_digest=item.identity_digest).exclude(pk=item.appellant_id)
    return render(request, "accounts/appeal_detail.html", {"appeal": item, "form": form, "holders": holders})


@appeal_reviewer
def appeal_photo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = access_appeal(request.user, pk)
    response = HttpResponse(bytes(item.photo), content_type=item.photo_content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response
