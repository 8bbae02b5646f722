"""The import's own spreadsheet: the error report of a rejected file (the writers are core's)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from xuedang.core.spreadsheets import write_xlsx
from xuedang.imports.parsing import RowError


def error_report_xlsx(errors: Iterable[RowError], out: IO[bytes]) -> None:
    write_xlsx(
        ((e.row, e.column, e.value, e.message) for e in errors),
        header=["行号 / row", "列 / column", "值 / value", "原因 / reason"],
        out=out,
        sheet_title="错误 errors",
    )
