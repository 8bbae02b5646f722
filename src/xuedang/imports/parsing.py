"""Streaming parsers for uploaded files: CSV in UTF-8 (with or without BOM), GBK or GB18030,
and XLSX. Rows are yielded one at a time, so memory stays flat for any file size.

GBK files are decoded as GB18030: GB18030 is a strict superset of GBK (every GBK byte
sequence decodes identically), and it also carries the four-byte sequences that encode rare
characters such as 𠮷, which a GBK decoder would reject. Because nearly any bytes decode as
GB18030, a file that is not UTF-8 must also read *plausibly* as Chinese: Shift-JIS or Big5
bytes decode as kana, Greek and rare characters, and are refused (`_plausible`).

Hostile files are refused before anything expensive reads them (docs/decisions/0019): the
limits below are checked on the zip directory and on bounded, streamed reads of an XLSX's
parts before openpyxl opens it, and on bounded line reads of a CSV before the csv module
splits a line.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO
from zlib import error as zlib_error

MAX_BYTES = 512 * 1024 * 1024  # a million-row file is about 210 MB
MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024  # an XLSX's parts as they really expand
MAX_XLSX_PARTS = 1000
MAX_SHEETS = 16
MAX_COLUMNS = 64  # the widest kind of file has 30 columns
MAX_DATA_ROWS = 1_048_575  # Excel's own sheet limit, less the header
MAX_CELL_CHARS = 2000
MAX_LINE_CHARS = MAX_COLUMNS * (MAX_CELL_CHARS + 3)  # a CSV line: every cell full and quoted
MAX_PART_HEAD = 1024 * 1024  # workbook.xml and the like are read only this far
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


def _limit(what_zh: str, what_en: str, limit: int, unit_zh: str = "", unit_en: str = "") -> ImportFileError:
    """A refusal that names the limit; the message is "中文 / English"."""
    return ImportFileError(
        f"{what_zh}超过上限 {limit:,}{unit_zh}，未导入任何数据 / {what_en} exceeds the limit of "
        f"{limit:,}{unit_en}; nothing was imported"
    )


WRONG_ENCODING = (
    "文件编码不是 UTF-8 或 GBK（看起来是日文 Shift-JIS 或繁体 Big5 等编码），请在表格软件中另存为 "
    "UTF-8 或 GBK 编码的 CSV 后重新上传 / the file is not UTF-8 or GBK (it looks like Shift-JIS, Big5 or "
    "another encoding); save it as a UTF-8 or GBK CSV and upload it again"
)


def _plausible_gbk(ch: str) -> bool:
    """Characters a Chinese school's GBK file is made of: GB2312's hanzi and common punctuation.
    Kana, Greek, Cyrillic, box drawing and GBK's rarer extension areas are what Shift-JIS and
    Big5 bytes turn into when read as GB18030."""
    try:
        lead = ch.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return lead in (0xA1, 0xA3) or 0xB0 <= lead <= 0xF7


def _plausible(head: bytes, encoding: str) -> bool:
    """Whether a sample that decodes as GB18030 reads like Chinese rather than like Japanese or
    traditional-Chinese bytes in the wrong encoding. A few rare name characters pass; a file
    whose wide characters are mostly implausible does not."""
    if encoding != "gb18030":
        return True
    wide = [ch for ch in head.decode("gb18030", errors="ignore") if ord(ch) > 0x7F]
    odd = sum(1 for ch in wide if not _plausible_gbk(ch))
    return odd < 3 or odd <= len(wide) * 0.2


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
        xlsx_check(stream)
        stream.seek(0)
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
    if len(header) > MAX_COLUMNS:
        raise _limit("表头列数", "the number of columns", MAX_COLUMNS)
    if not header or not any(header):
        raise ImportFileError("缺少表头行 / the header row is missing")
    if "" in header:
        raise ImportFileError(f"第 {header.index('') + 1} 列表头为空 / column {header.index('') + 1} has no header")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ImportFileError(f"表头重复：{'、'.join(duplicates)} / duplicate headers: {', '.join(duplicates)}")
    return header


def _row(header: list[str], number: int, cells: Sequence[str]) -> SourceRow | None:
    if number > MAX_DATA_ROWS + 1:
        raise _limit("数据行数", "the number of data rows", MAX_DATA_ROWS, " 行", " rows")
    cells = list(cells)
    if max(map(len, cells), default=0) > MAX_CELL_CHARS:
        column = next(n for n, cell in enumerate(cells, start=1) if len(cell) > MAX_CELL_CHARS)
        raise ImportFileError(
            f"第 {number} 行第 {column} 列超过单元格上限 {MAX_CELL_CHARS:,} 个字符，未导入任何数据 / row "
            f"{number}, column {column} is longer than the limit of {MAX_CELL_CHARS:,} characters; nothing was "
            "imported"
        )
    while len(cells) > len(header) and not cells[-1].strip():
        cells.pop()
    if len(cells) > len(header):
        raise ImportFileError(f"第 {number} 行的列数多于表头 / row {number} has more cells than the header")
    if not any(cell.strip() for cell in cells):
        return None
    cells += [""] * (len(header) - len(cells))
    return SourceRow(number, {name: cell.strip() for name, cell in zip(header, cells, strict=True)})


def _bounded_lines(text: io.TextIOWrapper) -> Iterator[str]:
    """The file's lines, none longer than MAX_LINE_CHARS: a file of one endless line is refused
    before the csv module would split it into millions of cells."""
    while line := text.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
            raise _limit("一行的长度", "a line", MAX_LINE_CHARS, " 个字符", " characters")
        yield line


def _csv_rows(stream: BinaryIO, share: tuple[int, int]) -> Iterator[SourceRow]:
    head = stream.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    if not _plausible(head, encoding):
        raise ImportFileError(WRONG_ENCODING)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    number = 0
    try:
        lines = _bounded_lines(text)
        first = next(lines, "")
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        reader = csv.reader(io.StringIO(first), delimiter=delimiter)
        header = _header(next(reader, []))
        number = 1
        mine, shares = share
        for cells in csv.reader(lines, delimiter=delimiter):
            number += 1
            if len(cells) > MAX_COLUMNS:
                raise _limit(f"第 {number} 行的列数", f"the number of cells in row {number}", MAX_COLUMNS)
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
        # Never pad rows to a declared <dimension> (xlsx_check refused wide ones; a lying one must
        # not make openpyxl build 16,384 empty cells a row): rows are as long as their cells.
        sheet.reset_dimensions()
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


# --- XLSX: checked on the zip directory and bounded streamed reads, before openpyxl opens it -----

_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")
MAX_TEXT_BYTES = MAX_CELL_CHARS * 6  # "&quot;" is 6 bytes of XML for one character
# A cell beyond column BL (64), or a row numbered in the millions, whatever the dimension says.
# Anchored on the attribute's literal r=" so the search skips ahead at C speed.
_FAR = re.compile(rb'r="(?:(?:[A-Z]{3}|[C-Z][A-Z]|B[M-Z])\d|(\d{7,})")')
DAMAGED = "XLSX 文件已损坏或无法读取 / the XLSX file is damaged or unreadable"


def _expands_too_far() -> ImportFileError:
    return _limit("XLSX 解压后的大小", "the XLSX file's uncompressed size", MAX_UNCOMPRESSED_BYTES, " 字节", " bytes")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _scanned_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, *, cells: bool) -> int:
    """Stream one part, counting what it really expands to (the directory's sizes may lie);
    in sheets and shared strings, refuse any text longer than a cell may be and any cell or row
    beyond the limits. Returns the bytes read."""
    total, carry, tail = 0, 0, b""
    with archive.open(info) as part:
        while chunk := part.read(1 << 20):
            total += len(chunk)
            if total > budget:
                raise _expands_too_far()
            if not cells:
                continue
            if total == len(chunk):
                _check_dimension(chunk[:SNIFF_BYTES])
            carry = _check_text_runs(chunk, carry)
            _check_far_cells(tail + chunk)
            tail = chunk[-32:]
    return total


def _check_text_runs(chunk: bytes, carry: int) -> int:
    """Refuse a run of text (no "<") longer than MAX_TEXT_BYTES. Such a run fills at least one
    aligned block of half that length, so one `find` per block (not per byte) finds every
    candidate. `carry` is the run still open at the end of the previous chunk; returns the new one."""
    first = chunk.find(b"<")
    if first == -1:
        carry += len(chunk)
    elif carry + first > MAX_TEXT_BYTES:
        raise _cell_too_long()
    step = MAX_TEXT_BYTES // 2
    for start in range(0, len(chunk), step):
        if chunk.find(b"<", start, start + step) == -1:
            begin = chunk.rfind(b"<", 0, start) + 1
            end = chunk.find(b"<", start)
            if (len(chunk) if end == -1 else end) - begin > MAX_TEXT_BYTES:
                raise _cell_too_long()
    if first != -1:
        carry = len(chunk) - chunk.rfind(b"<") - 1
    if carry > MAX_TEXT_BYTES:
        raise _cell_too_long()
    return carry


def _cell_too_long() -> ImportFileError:
    return _limit("单元格长度", "a cell", MAX_CELL_CHARS, " 个字符", " characters")


def _check_far_cells(window: bytes) -> None:
    for found in _FAR.finditer(window):
        if found.group(1) is None:
            raise _limit("列数", "the number of columns", MAX_COLUMNS)
        if int(found.group(1)) > MAX_DATA_ROWS + 1:
            raise _limit("数据行数", "the number of data rows", MAX_DATA_ROWS, " 行", " rows")


def _check_dimension(head: bytes) -> None:
    """The sheet's declared size (<dimension ref="A1:XFD1048576"/>), near its start."""
    found = _DIMENSION.search(head)
    if not found:
        return
    first_col, first_row, last_col, last_row = found.groups()
    columns = _column_number(last_col or first_col or b"A")
    rows = int(last_row or first_row or 1)
    if columns > MAX_COLUMNS:
        raise _limit("工作表声明的列数", "the sheet's declared number of columns", MAX_COLUMNS)
    if rows > MAX_DATA_ROWS + 1:
        raise _limit("工作表声明的行数", "the sheet's declared number of rows", MAX_DATA_ROWS + 1, " 行", " rows")


def xlsx_check(stream: BinaryIO) -> None:
    """Refuse an XLSX that would make openpyxl work for hours or fill the memory: too many parts,
    sheets, columns or rows, a cell longer than MAX_CELL_CHARS, or parts that expand beyond
    MAX_UNCOMPRESSED_BYTES. Reads are streamed and bounded; nothing is parsed as XML."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(DAMAGED) from error
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise _limit("XLSX 内部文件数", "the number of parts in the XLSX file", MAX_XLSX_PARTS)
        if sum(info.file_size for info in parts) > MAX_UNCOMPRESSED_BYTES:
            raise _expands_too_far()
        names = {info.filename: info for info in parts}
        if "xl/workbook.xml" not in names:
            raise ImportFileError(DAMAGED)
        try:
            with archive.open(names["xl/workbook.xml"]) as workbook:
                sheets = len(_SHEET_TAG.findall(workbook.read(MAX_PART_HEAD)))
            if sheets > MAX_SHEETS:
                raise _limit("工作表数量", "the number of sheets", MAX_SHEETS)
            budget = MAX_UNCOMPRESSED_BYTES
            for info in parts:
                cells = info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml"
                budget -= _scanned_part(archive, info, budget, cells=cells)
        except (zipfile.BadZipFile, zlib_error, EOFError, NotImplementedError, RuntimeError) as error:
            raise ImportFileError(DAMAGED) from error


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
