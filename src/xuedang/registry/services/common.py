"""What every registry service shares: the audit snapshot and its field lists, the field-keyed
errors ("中文 / English"), code checks, the unique-save guard and date helpers."""

from __future__ import annotations

import re
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


UNDERGRADUATE_MAJOR = re.compile(r"\d{6}[TK]{0,2}")  # 本科/专科 目录: 080901, 080717T
GRADUATE_DISCIPLINE = re.compile(r"\d{4}")  # 研究生: 学科 0812, 专业学位 0854
GRADUATE_LEVELS = ("01", "02")


def major_code_problem(level: str, code: str) -> str:
    """Why `code` cannot be a major of `level` ("" when it can): undergraduate catalogue codes
    have six digits (T/K suffixes allowed), graduate disciplines four (issue 13 item 12)."""
    if level in GRADUATE_LEVELS:
        if GRADUATE_DISCIPLINE.fullmatch(code):
            return ""
        return (
            f"研究生专业代码应为 4 位学科代码（如 0812），不是“{code}” / a graduate major is a 4-digit discipline code"
        )
    if UNDERGRADUATE_MAJOR.fullmatch(code):
        return ""
    return (
        f"本科、专科专业代码应为 6 位（可带 T/K，如 080717T），不是“{code}” / an undergraduate major code has 6 digits"
    )


def _check_major_code(level: str, code: str, field: str = "major_code") -> None:
    problem = major_code_problem(level, code)
    if problem:
        raise _fail(field, problem, code="major_level")


def _save_unique(obj: Model, field: str, message: str) -> None:
    """Save, turning a lost race on a unique constraint into a field error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise _fail(field, message, code="conflict") from error


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, date | Decimal) else v) for k, v in values.items()}
