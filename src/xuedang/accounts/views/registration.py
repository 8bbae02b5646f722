"""Registering an account (phone and SMS code, real name and ID) and activating an email address."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from xuedang.accounts import forms, notify
from xuedang.accounts.services import registration
from xuedang.accounts.views.common import DRAFT_KEY, client_ip, masked_phone, render_form, send_code
from xuedang.core.masking import mask_document, mask_email


def register(request: HttpRequest) -> HttpResponse:
    form = forms.RegisterForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form.is_valid()
        form.errors.clear()
        phone, email = request.POST.get("phone", ""), request.POST.get("email", "")
        by_email = not phone.strip() and bool(email.strip())
        send_code(
            request,
            form,
            "email" if by_email else "phone",
            lambda: registration.registration_code_send(phone=phone, email=email, ip=client_ip(request)),
            lambda: mask_email(email.strip()) if by_email else masked_phone(phone),
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
    return render_form(
        request,
        form,
        title="注册账号 / create an account",
        strength=True,
        intro="用手机号（境外号码请加国家或地区代码，如 +852）和证件注册；没有手机号时可只填邮箱，验证码发至邮箱。"
        "带 * 的均为必填。/ Register with your mobile (outside the mainland with its country code, e.g. +852) "
        "and ID document; without a mobile, give your email alone and the code goes there.",
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
