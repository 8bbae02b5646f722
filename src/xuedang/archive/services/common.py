"""What the archive's services share."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def _fail(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})
