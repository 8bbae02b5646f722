"""The import's own spreadsheet: the error report of a rejected file (the writers are core's).

.. pii: a rejected value may be an ID number (or hold one); the report and the job's stored
   errors show it masked like every other export (`masked_errors`), readable only by the job's
   institution (imports.access), and the file is deleted after IMPORT_FILES_RETENTION_DAYS
   (services.import_files_expire, celery beat).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import IO

from xuedang.core.masking import mask_document
from xuedang.core.spreadsheets import visible_controls, write_xlsx
from xuedang.imports.parsing import RowError

DOCUMENT_COLUMNS = frozenset({"证件号码", "document_number"})
# An ID-like run anywhere else (a number typed into the wrong column): 15 to 18 characters of
# digits with an optional check letter.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[0-9]{14,17}[0-9Xx](?![0-9A-Za-z])")
MAX_SHOWN = 200  # characters of a rejected value shown back; the row and column say where the rest is


def _mask_id_like(text: str) -> str:
    return _ID_LIKE.sub(lambda m: mask_document(m.group()), text)


def masked_value(column: str, value: str) -> str:
    """A rejected value as the report shows it: ID numbers masked, control characters visible."""
    value = visible_controls(value[:MAX_SHOWN])
    return mask_document(value) if column in DOCUMENT_COLUMNS else _mask_id_like(value)


def masked(error: RowError) -> RowError:
    """The error as reports and pages show it; its reason may quote the value, so it is masked too."""
    return replace(
        error, value=masked_value(error.column, error.value), message=_mask_id_like(visible_controls(error.message))
    )


def masked_errors(errors: Iterable[RowError]) -> list[RowError]:
    return [masked(e) for e in errors]


def error_report_xlsx(errors: Iterable[RowError], out: IO[bytes]) -> None:
    write_xlsx(
        ((e.row, e.column, e.value, e.message) for e in map(masked, errors)),
        header=["行号 / row", "列 / column", "值 / value", "原因 / reason"],
        out=out,
        sheet_title="错误 errors",
    )
