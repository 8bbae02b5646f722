"""What the account pages share: session keys, the client address, code-sending and the form page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xuedang.accounts import codes, notify
from xuedang.core import validators
from xuedang.core.masking import mask_phone

DRAFT_KEY = "accounts:registration"
TOTP_PENDING_KEY = "accounts:totp_pending"
TOTP_SETUP_KEY = "accounts:totp_setup"
# Set by the sign-in's second step to the account's id (login() renews the session just before).
TWO_FACTOR_KEY = "accounts:two_factor"
RECOVERY_CODES_KEY = "accounts:recovery_codes"
NOT_DELIVERED = (
    "开发环境：消息未真实发送，请查看本地发件箱（var/outbox）。/ Development setting: the message was not "
    "really sent; read it in the local outbox (var/outbox)."
)


def masked_phone(phone: str) -> str:
    try:
        return mask_phone(validators.normalize_any_mobile(phone))
    except ValidationError:
        return ""


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:200]


def sent_notice(request: HttpRequest, delivered: bool, where: str) -> None:
    messages.success(request, f"验证码已发送至 {where} / a code was sent to {where}")
    if not delivered:
        messages.warning(request, NOT_DELIVERED)


def send_code(request: HttpRequest, form: Any, field: str, send: Any, where: Any) -> None:
    """Run a code-sending service; refusals and bad numbers land on `field` of the form."""
    try:
        delivered = send()
    except (codes.CodeRefused, notify.DeliveryFailed) as refused:
        form.add_error(field, str(refused))
    except ValidationError as error:
        form.add_error(field, error.messages)
    else:
        sent_notice(request, delivered, where())


SENDS_AFTER = {"send_code": ("phone", "email"), "send_old": ("old_code",), "send_new": ("new_phone",)}


def render_form(
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
