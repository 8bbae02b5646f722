"""Email through Django's SMTP backend to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.test import Client

from xuedang.accounts.models import User
from xuedang.accounts.services import registration
from xuedang.conftest import PASSWORD


class _Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[email.message.Message] = []

    def handle_message(self, message: email.message.Message) -> None:
        self.messages.append(message)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.SITE_URL = "http://testserver"
    yield inbox
    controller.stop()


def _body(message: email.message.Message) -> str:
    part = (
        message.get_payload(decode=True)
        if not message.is_multipart()
        else message.get_payload(0).get_payload(decode=True)
    )
    return part.decode(message.get_content_charset() or "utf-8")


@pytest.mark.django_db
def test_the_activation_email_arrives_by_smtp_and_its_link_activates(smtp, student) -> None:
    student.email = "ji.ji@example.com"
    student.save()
    assert registration.email_activation_send(user=student) is True  # an SMTP server accepted it
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["To"] == "ji.ji@example.com"
    link = re.search(r"http://testserver(/account/email/activate/\S+/)", _body(smtp.messages[0])).group(1)
    client = Client()
    assert client.post("/login/", {"username": "ji.ji@example.com", "password": PASSWORD}).status_code == 200
    assert "邮箱已激活" in client.get(link).content.decode()
    assert User.objects.get(pk=student.pk).email_verified_at is not None
    response = client.post("/login/", {"username": "ji.ji@example.com", "password": PASSWORD})
    assert response.status_code == 302  # an activated email is a login name


@pytest.mark.django_db
def test_password_reset_by_email_link(smtp, student) -> None:
    from django.utils import timezone

    student.email, student.email_verified_at = "ji.ji@example.com", timezone.now()
    student.save()
    client = Client()
    client.post("/account/password/reset/email/", {"email": "ji.ji@example.com"})
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", _body(smtp.messages[-1])).group(1)
    response = client.post(link, {"new_password1": "Brand-new-2026!", "new_password2": "Brand-new-2026!"})
    assert response.status_code == 302
    assert User.objects.get(pk=student.pk).check_password("Brand-new-2026!")
    assert client.get(link).status_code == 400  # the link works once
