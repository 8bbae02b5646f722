"""Keep ID numbers and phone numbers out of every log line (DESIGN.md §3)."""

from __future__ import annotations

import logging
import re

# 18-character resident/permanent-residence IDs, 15-digit legacy IDs, mainland mobiles.
# Digit runs are bounded so that longer numbers (hashes, certificate numbers) stay intact.
_PATTERNS = (
    re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])"),
    re.compile(r"(?<![0-9A-Za-z])[1-9]\d{14}(?![0-9A-Za-z])"),
    re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9])"),
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


class RedactPIIFilter(logging.Filter):
    """Rewrite the fully formatted message, traceback and stack with personal numbers replaced.

    The traceback is formatted here, before any handler sees it: a handler formats
    `exc_info` itself when `exc_text` is empty, which would write the clear text.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


_QUERY = re.compile(r"\?[^\s\"]*")


class StripQueryStringFilter(logging.Filter):
    """For access logs (the development server's "django.server"): request lines lose their query
    strings, where a searched name or a code could sit. gunicorn's access log and nginx's
    log_format leave them out the same way (deploy/)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = _QUERY.sub("", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
