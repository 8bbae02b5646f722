"""在线验证码: 16 symbols of Crockford's base32, 80 random bits, never derived from data.

Crockford's alphabet (0-9, A-Z without I, L, O, U) has exactly 32 symbols, so 16 of them carry
80 bits. The look-alikes it leaves out are read as the digit they resemble (O → 0, I/L → 1)
when someone types a code, so a misread letter still finds the report. See
docs/decisions/0007-verification-reports.md.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
BITS = LENGTH * 5  # log2(32) = 5 bits per symbol
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.·]+")
_VALID = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    """A fresh random code from the operating system's CSPRNG."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(typed: str) -> str | None:
    """The canonical code for what someone typed or scanned, or None when it cannot be one.

    Case, spaces, hyphens and the look-alikes O/I/L are forgiven; anything else (U, punctuation,
    the wrong length) makes the code malformed.
    """
    code = _SEPARATORS.sub("", typed[:64]).upper().translate(_TYPED)
    return code if _VALID.fullmatch(code) else None
