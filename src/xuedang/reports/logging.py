"""Keep verification codes out of log lines: a code is the key to a student's report.

The QR link must carry the code in its path (`/verify/<code>`), and Django logs the path of
every 4xx/5xx response (and the development server every request). This filter rewrites such
paths to `/verify/[code]` before any handler writes them.
"""

from __future__ import annotations

import logging
import re

_CODE_IN_PATH = re.compile(r"(/verify/)(?!lookup/)[^/\s\"'?#]+")
# A staff invitation's single-use link carries its token in the path too (accounts.urls).
_TOKEN_IN_PATH = re.compile(r"(/account/invitation/)[^/\s\"'?#]+")


def redact_codes(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1[token]", _CODE_IN_PATH.sub(r"\1[code]", text))


class RedactCodesFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact_codes(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
