"""Verification codes never reach a log line, even from the QR link's path."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.test import Client

from xuedang.reports.logging import RedactCodesFilter, redact_codes


def test_codes_in_verification_paths_are_redacted() -> None:
    assert redact_codes('"GET /verify/7QPQRE0JKQQEQYX4 HTTP/1.1" 429') == '"GET /verify/[code] HTTP/1.1" 429'
    assert redact_codes("Not Found: /verify/7QPQ-RE0J/photo") == "Not Found: /verify/[code]/photo"
    assert redact_codes("POST /verify/lookup/ 200") == "POST /verify/lookup/ 200"


def test_invitation_tokens_in_paths_are_redacted() -> None:
    line = '"GET /account/invitation/Xk3_9-abcDEF/ HTTP/1.1" 200'
    assert redact_codes(line) == '"GET /account/invitation/[token]/ HTTP/1.1" 200'


@pytest.mark.django_db
def test_a_refused_qr_link_is_logged_without_its_code(settings, caplog) -> None:
    cache.clear()
    settings.REPORTS_VERIFY_RATE = "1/m"
    logger = logging.getLogger("django.request")
    redactor = RedactCodesFilter()
    logger.addFilter(redactor)  # as the console handler does in settings.LOGGING
    try:
        with caplog.at_level(logging.WARNING, logger="django.request"):
            for _ in range(2):
                Client().get("/verify/7QPQRE0JKQQEQYX4")
    finally:
        logger.removeFilter(redactor)
    assert "Too Many Requests: /verify/[code]" in caplog.text
    assert "7QPQRE0JKQQEQYX4" not in caplog.text


def test_the_console_handler_carries_the_filter(settings) -> None:
    assert "redact_report_codes" in settings.LOGGING["handlers"]["console"]["filters"]
