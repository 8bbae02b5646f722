"""The 自考办's file and a school's 补录 file: read (CSV UTF-8/GBK or XLSX, as every import) and
registered all or nothing through `registry.services` (decision 0029)."""

from __future__ import annotations

from typing import Any, BinaryIO

from django.core.exceptions import ValidationError

from xuedang.imports.parsing import ImportFileError, check_headers, iter_rows
from xuedang.institutions.models import Institution
from xuedang.registry.models import BackRegistrationBatch, Credential
from xuedang.registry.services import (
    BACK_REGISTRATION_COLUMNS,
    SELF_STUDY_COLUMNS,
    RowProblem,
    SelfStudyRejected,
    back_registration_submit,
    self_study_credentials_register,
)
from xuedang.registry.services.back_registration import BACK_REGISTRATION_REQUIRED
from xuedang.registry.services.self_study import MAX_ROWS, SELF_STUDY_REQUIRED

FILE_MAX_BYTES = 20 * 1024 * 1024


def _read_rows(
    upload: BinaryIO, *, filename: str, columns: dict[str, str], required: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    """(row number, {field: text}) of a CSV/XLSX file whose headers are `columns`' Chinese names."""
    field_of = {zh: field for field, zh in columns.items()}
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in iter_rows(upload, filename=filename, max_bytes=FILE_MAX_BYTES):
            if not rows:
                check_headers(
                    list(row.values), required=[columns[f] for f in required], optional=list(columns.values())
                )
            rows.append((row.number, {field_of[zh]: value for zh, value in row.values.items()}))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"一个文件最多 {MAX_ROWS} 行 / at most {MAX_ROWS} rows a file")
    except ImportFileError as error:
        raise ValidationError({"file": [str(error)]}) from error
    return rows


def self_study_file_register(*, actor: Any, province_code: str, upload: BinaryIO, filename: str) -> list[Credential]:
    """Register a 自考 file; ValidationError (the file) or SelfStudyRejected (rows) writes nothing."""
    rows = _read_rows(upload, filename=filename, columns=SELF_STUDY_COLUMNS, required=SELF_STUDY_REQUIRED)
    if not rows:
        raise SelfStudyRejected([RowProblem(1, "", "文件没有数据行 / the file has no rows")])
    return self_study_credentials_register(actor=actor, province_code=province_code, rows=rows, source=filename)


def back_registration_file_submit(
    *, actor: Any, institution: Institution, upload: BinaryIO, filename: str
) -> BackRegistrationBatch:
    """Submit a 补录 file; ValidationError (the file) or BackRegistrationRejected (rows) writes nothing."""
    rows = _read_rows(upload, filename=filename, columns=BACK_REGISTRATION_COLUMNS, required=BACK_REGISTRATION_REQUIRED)
    return back_registration_submit(actor=actor, institution=institution, rows=rows, filename=filename)


def template_csv(columns: dict[str, str]) -> bytes:
    """The header row of a file (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    return ("\ufeff" + ",".join(columns.values()) + "\r\n").encode()
