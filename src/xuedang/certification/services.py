"""The 自考办's file: read (CSV UTF-8/GBK or XLSX, as every import) and registered all or nothing
through `registry.services.self_study_credentials_register`."""

from __future__ import annotations

from typing import Any, BinaryIO

from django.core.exceptions import ValidationError

from xuedang.imports.parsing import ImportFileError, check_headers, iter_rows
from xuedang.registry.models import Credential
from xuedang.registry.services import (
    SELF_STUDY_COLUMNS,
    RowProblem,
    SelfStudyRejected,
    self_study_credentials_register,
)
from xuedang.registry.services.self_study import MAX_ROWS, SELF_STUDY_REQUIRED

FILE_MAX_BYTES = 20 * 1024 * 1024
FIELD_OF = {zh: field for field, zh in SELF_STUDY_COLUMNS.items()}


def self_study_file_register(*, actor: Any, province_code: str, upload: BinaryIO, filename: str) -> list[Credential]:
    """Register a 自考 file; ValidationError (the file) or SelfStudyRejected (rows) writes nothing."""
    try:
        rows: list[tuple[int, dict[str, str]]] = []
        for row in iter_rows(upload, filename=filename, max_bytes=FILE_MAX_BYTES):
            if not rows:
                check_headers(
                    list(row.values),
                    required=[SELF_STUDY_COLUMNS[f] for f in SELF_STUDY_REQUIRED],
                    optional=list(SELF_STUDY_COLUMNS.values()),
                )
            rows.append((row.number, {FIELD_OF[zh]: value for zh, value in row.values.items()}))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"一个文件最多 {MAX_ROWS} 行 / at most {MAX_ROWS} rows a file")
    except ImportFileError as error:
        raise ValidationError({"file": [str(error)]}) from error
    if not rows:
        raise SelfStudyRejected([RowProblem(1, "", "文件没有数据行 / the file has no rows")])
    return self_study_credentials_register(actor=actor, province_code=province_code, rows=rows, source=filename)


def self_study_template_csv() -> bytes:
    """The header row of a 自考 file (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    return ("\ufeff" + ",".join(SELF_STUDY_COLUMNS.values()) + "\r\n").encode()
