from __future__ import annotations

from typing import Any

from django.db import models

from xuedang.core import crypto


class EncryptedTextField(models.TextField):
    """A text column stored encrypted (see core.crypto); Python code sees the clear value.

    It cannot be filtered on: look rows up by the digest column stored beside it.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.unseal(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.seal(value)
