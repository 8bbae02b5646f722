"""Streaming parsers for uploaded files: CSV in UTF-8 (with or without BOM), GBK or GB18030,
and XLSX. Rows are yielded one at a time, so memory stays flat for any file size.

GBK files are decoded as GB18030: GB18030 is a strict superset of GBK (every GBK byte
sequence decodes identically), and it also carries the four-byte sequences that encode rare
characters such as 𠮷, which a GBK decoder would reject.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

MAX_BYTES = 512 * 1024 * 1024  # a million-row file is about 210 MB
SNIFF_BYTES = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is "中文 / English"."""


@dataclass(frozen=True)
class SourceRow:
    number: int  # the row number the user sees in a spreadsheet; the header is row 1
    values: dict[str, str]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    message: str


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _size(stream: BinaryIO) -> int:
    position = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def iter_rows(
    stream: BinaryIO, *, filename: str = "", max_bytes: int = MAX_BYTES, share: tuple[int, int] = (0, 1)
) -> Iterator[SourceRow]:
    """Rows of a CSV or XLSX file, told apart by their first bytes, not the file name.

    `share=(k, n)` yields only the rows whose spreadsheet row number is k modulo n, so that n
    processes can validate one file between them; the others are read but not built.
    """
    size = _size(stream)
    if size == 0:
        raise ImportFileError("文件为空 / the file is empty")
    if size > max_bytes:
        raise ImportFileError(
            f"文件超过 {max_bytes // 1024 // 1024} MB 上限 / the file is larger than {max_bytes // 1024 // 1024} MB"
        )
    magic = stream.read(4)
    stream.seek(0)
    if magic == XLSX_MAGIC:
        return _xlsx_rows(stream, share)
    if magic == OLE_MAGIC:
        raise ImportFileError(
            "不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv / legacy .xls files are not supported; save as .xlsx or .csv"
        )
    if b"\x00" in stream.read(1024):
        raise ImportFileError("文件不是 CSV 或 XLSX 表格 / the file is neither CSV nor XLSX")
    stream.seek(0)
    return _csv_rows(stream, share)


def _header(cells: Sequence[str]) -> list[str]:
    header = [cell.strip() for cell in cells]
    while header and not header[-1]:
        header.pop()
    if not header or not any(header):
        raise ImportFileError("缺少表头行 / the header row is missing")
    if "" in header:
        raise ImportFileError(f"第 {header.index('') + 1} 列表头为空 / column {header.index('') + 1} has no header")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ImportFileError(f"表头重复：{'、'.join(duplicates)} / duplicate headers: {', '.join(duplicates)}")
    return header


def _row(header: list[str], number: int, cells: Sequence[str]) -> SourceRow | None:
    cells = list(cells)
    while len(cells) > len(header) and not cells[-1].strip():
        cells.pop()
    if len(cells) > len(header):
        raise ImportFileError(f"第 {number} 行的列数多于表头 / row {number} has more cells than the header")
    if not any(cell.strip() for cell in cells):
        return None
    cells += [""] * (len(header) - len(cells))
    return SourceRow(number, {name: cell.strip() for name, cell in zip(header, cells, strict=True)})


def _csv_rows(stream: BinaryIO, share: tuple[int, int]) -> Iterator[SourceRow]:
    encoding = detect_encoding(stream.read(SNIFF_BYTES))
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    number = 0
    try:
        first = text.readline()
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        reader = csv.reader(io.StringIO(first), delimiter=delimiter)
        header = _header(next(reader, []))
        number = 1
        mine, shares = share
        for cells in csv.reader(text, delimiter=delimiter):
            number += 1
            if number % shares != mine:
                continue
            row = _row(header, number, cells)
            if row is not None:
                yield row
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"第 {number + 1} 行含有无法识别的字符编码 / row {number + 1} has bytes that are not valid {encoding}"
        ) from error
    except csv.Error as error:
        raise ImportFileError(f"第 {number} 行 CSV 格式错误：{error} / row {number} is not valid CSV") from error
    finally:
        if not stream.closed:
            text.detach()  # leave the caller's stream open


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(stream: BinaryIO, share: tuple[int, int]) -> Iterator[SourceRow]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged archive
        raise ImportFileError("XLSX 文件已损坏或无法读取 / the XLSX file is damaged or unreadable") from error
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = _header([_cell_text(c) for c in next(rows, ())])
        mine, shares = share
        for number, cells in enumerate(rows, start=2):
            if number % shares != mine:
                continue
            row = _row(header, number, [_cell_text(c) for c in cells])
            if row is not None:
                yield row
    finally:
        workbook.close()


def check_headers(found: Sequence[str], *, required: Sequence[str], optional: Sequence[str] = ()) -> None:
    missing = [name for name in required if name not in found]
    unknown = [name for name in found if name not in required and name not in optional]
    problems = []
    if missing:
        problems.append(f"缺少必填列：{'、'.join(missing)} / missing required columns: {', '.join(missing)}")
    if unknown:
        problems.append(f"无法识别的列：{'、'.join(unknown)} / unknown columns: {', '.join(unknown)}")
    if problems:
        raise ImportFileError("；".join(problems))
