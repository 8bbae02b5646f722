"""The base of the project's forms: every built-in message in Chinese with English, and a
service's field errors shown on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

MESSAGES = {
    "required": "此项必填 / this field is required",
    "invalid": "格式不正确 / the value is not valid",
    "invalid_choice": "请从列表中选择 / choose one of the listed values",
    "max_length": "内容过长 / the value is too long",
    "max_digits": "数字位数过多 / too many digits",
    "max_decimal_places": "小数位数过多 / too many decimal places",
}


class BilingualForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.update(
                {k: v for k, v in MESSAGES.items() if k in field.error_messages or k in ("required", "invalid")}
            )

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's field errors on the form (unknown fields go to the top)."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
