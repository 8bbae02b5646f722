"""What every registry service shares: the audit snapshot and its field lists, the field-keyed
errors ("中文 / English"), code checks, the unique-save guard and date helpers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Choices, Model

from xuedang.core import codetables

IDENTITY_FIELDS = ("name", "gender", "birth_date", "ethnicity", "document_type", "identity_digest")
ENROLLMENT_FIELDS = (
    "student_number",
    "department",
    "major_code",
    "major_name",
    "level",
    "education_type",
    "study_form",
    "is_full_time",
    "length_years",
    "entry_date",
    "expected_graduation_date",
    "admission_type",
    "preparatory",
    "class_name",
    "state",
    "state_date",
)
CREDENTIAL_FIELDS = (
    "kind",
    "certificate_number",
    "institution_name",
    "president_name",
    "major_code",
    "major_name",
    "level",
    "study_form",
    "length_years",
    "study_start",
    "study_end",
    "issue_date",
    "photo_id",
    "minor",
    "lost_certificate_note",
    "state",
)


def snapshot(obj: Model, fields: tuple[str, ...]) -> dict[str, Any]:
    """The values of `fields` of `obj`, for audit before/after (core.audit makes them JSON-safe)."""
    return {field: getattr(obj, field) for field in fields}


def _code_exists(table: str, code: str) -> bool:
    return code in dict(codetables.code_choices(table))


def _fail(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _check_choice(field: str, value: str, choices: type[Choices], label: str) -> None:
    if value not in choices.values:
        raise _fail(field, f"{label}代码“{value}”无效 / {label} code {value!r} is not valid")


def _save_unique(obj: Model, field: str, message: str) -> None:
    """Save, turning a lost race on a unique constraint into a field error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise _fail(field, message, code="conflict") from error


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, date | Decimal) else v) for k, v in values.items()}
