"""Masked display of personal numbers for everyone but their owner (DESIGN.md §3)."""

from __future__ import annotations


def mask_document(number: str) -> str:
    """110105********002X: the region and the last four stay, the birth date goes."""
    if not number:
        return ""
    if len(number) >= 15:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) > 4:
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    return "*" * len(number)


def mask_phone(phone: str) -> str:
    """138****8000."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_email(email: str) -> str:
    """z***@example.com."""
    local, at, domain = email.partition("@")
    if not at:
        return "*" * len(email)
    return f"{local[:1]}***@{domain}"


def mask_name(name: str) -> str:
    """*三 for two characters, 张*丰 for longer names; counts code points, so 𠮷 is one."""
    chars = list(name)
    if len(chars) <= 1:
        return "*" * len(chars)
    if len(chars) == 2:
        return "*" + chars[1]
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]
