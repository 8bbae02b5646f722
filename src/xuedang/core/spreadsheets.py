"""Spreadsheets written for people: CSV and XLSX with formula injection neutralised (OWASP "CSV injection").

A cell whose text starts with = + - @, a tab or a carriage return (or their full-width forms)
would be evaluated as a formula by Excel or WPS; such text gets a leading apostrophe, which
spreadsheets show as text and never evaluate. Control characters, which XLSX cannot hold at all
(openpyxl raises), are written as visible <U+0001> markers, so a rejected value like 张\x01三
still reaches the person who has to fix it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


# What XML 1.0 (and so XLSX) cannot carry: the C0 controls but tab, newline and carriage return.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def visible_controls(value: str) -> str:
    return _XML_ILLEGAL.sub(lambda m: f"<U+{ord(m.group()):04X}>", value)


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows: Iterable[Sequence[object]], *, header: Sequence[str], out: IO[bytes]) -> None:
    """UTF-8 with BOM, so that Excel on Chinese Windows opens it in the right encoding."""
    out.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    text.flush()
    text.detach()


def write_xlsx(
    rows: Iterable[Sequence[object]], *, header: Sequence[str], out: IO[bytes], sheet_title: str = "数据"
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    bold = Font(bold=True)

    def cell(value: object, *, header_cell: bool = False) -> Cell:
        # The stubs list fewer value types (no date, Decimal) than Cell itself accepts.
        value = visible_controls(value) if isinstance(value, str) else value
        made = WriteOnlyCell(sheet, value=safe_cell(value))  # type: ignore[arg-type]
        if isinstance(made.value, str):
            made.data_type = "s"  # text, never a formula
        if header_cell:
            made.font = bold
        return made

    sheet.append([cell(h, header_cell=True) for h in header])
    for row in rows:
        sheet.append([cell(v) for v in row])
    workbook.save(out)
