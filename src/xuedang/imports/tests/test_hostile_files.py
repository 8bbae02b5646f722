"""Hostile and unlucky uploads are refused before anything expensive reads them, with a message
that names the limit (docs/decisions/0019-hostile-input.md)."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl import Workbook

from xuedang.imports import parsing
from xuedang.imports.parsing import ImportFileError, iter_rows


def _workbook(*rows: list[object], sheets: int = 1) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    for n in range(1, sheets):
        workbook.create_sheet(f"s{n}")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rewritten(xlsx: bytes, **parts: bytes) -> io.BytesIO:
    """The workbook with some parts replaced (xl__worksheets__sheet1 names xl/worksheets/sheet1.xml)."""
    replace = {name.replace("__", "/") + ".xml": data for name, data in parts.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.pop(info.filename, source.read(info.filename)))
        for name, data in replace.items():
            target.writestr(name, data)
    out.seek(0)
    return out


def _sheet(dimension: str, cells: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
        f"{cells}</sheetData></worksheet>"
    ).encode()


@pytest.fixture
def openpyxl_never_opens(monkeypatch):
    """Proves a refusal came before parsing: opening the workbook fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to parse a file that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def _refusal(stream: io.BytesIO) -> str:
    with pytest.raises(ImportFileError) as refused:
        list(iter_rows(stream))
    return str(refused.value)


def test_a_sheet_declaring_a_million_rows_by_16384_columns_is_refused_before_parsing(openpyxl_never_opens) -> None:
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    xlsx = _rewritten(_workbook(["姓名"]), xl__worksheets__sheet1=_sheet("A1:XFD1048576", far))
    assert len(xlsx.getvalue()) < 8192
    message = _refusal(xlsx)
    assert "工作表声明的列数超过上限 64" in message
    assert "limit of 64" in message


def test_a_far_cell_under_a_lying_dimension_is_refused_before_parsing(openpyxl_never_opens) -> None:
    far = '<row r="2"><c r="XFD2"><v>1</v></c></row>'
    message = _refusal(_rewritten(_workbook(["姓名"]), xl__worksheets__sheet1=_sheet("A1:A2", far)))
    assert "列数超过上限 64" in message


def test_a_far_row_under_a_lying_dimension_is_refused_before_parsing(openpyxl_never_opens) -> None:
    far = '<row r="9000000"><c r="A9000000"><v>1</v></c></row>'
    message = _refusal(_rewritten(_workbook(["姓名"]), xl__worksheets__sheet1=_sheet("A1:A2", far)))
    assert "数据行数超过上限 1,048,575 行" in message


def test_a_small_xlsx_expanding_into_a_huge_cell_is_refused_before_parsing(openpyxl_never_opens) -> None:
    huge = "吉" * 5_000_000  # 15 MB of text in a few kilobytes
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        f"<si><t>{huge}</t></si></sst>"
    ).encode()
    cells = '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    xlsx = _rewritten(_workbook(["姓名"]), xl__sharedStrings=strings, xl__worksheets__sheet1=_sheet("A1:A2", cells))
    assert len(xlsx.getvalue()) < 200_000
    message = _refusal(xlsx)
    assert "单元格长度超过上限 2,000 个字符" in message
    assert "a cell exceeds the limit of 2,000 characters" in message


def test_parts_expanding_beyond_the_stated_size_are_refused(monkeypatch, openpyxl_never_opens) -> None:
    monkeypatch.setattr(parsing, "MAX_UNCOMPRESSED_BYTES", 20_000)
    message = _refusal(io.BytesIO(_workbook(["姓名"], *[[f"学生{n}"] for n in range(2000)])))
    assert "XLSX 解压后的大小超过上限 20,000 字节" in message


def test_a_directory_understating_the_sizes_does_not_hide_the_expansion(monkeypatch, openpyxl_never_opens) -> None:
    monkeypatch.setattr(parsing, "MAX_UNCOMPRESSED_BYTES", 20_000)
    xlsx = _workbook(["姓名"], *[[f"学生{n}"] for n in range(2000)])
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 20_000
    real = parsing.zipfile.ZipFile

    class Understated(real):  # type: ignore[misc, valid-type]
        def infolist(self):
            infos = super().infolist()
            for info in infos:
                info.file_size = 1  # ZipExtFile trusts neither; the scan counts what comes out
            return infos

    monkeypatch.setattr(parsing.zipfile, "ZipFile", Understated)
    assert "XLSX" in _refusal(io.BytesIO(xlsx))


def test_too_many_sheets_are_refused(openpyxl_never_opens) -> None:
    assert "工作表数量超过上限 16" in _refusal(io.BytesIO(_workbook(["姓名"], sheets=17)))


def test_a_cell_longer_than_the_limit_is_refused_naming_its_row_and_column() -> None:
    message = _refusal(io.BytesIO(_workbook(["姓名", "学号"], ["张三", "1" * 2001])))
    assert "第 2 行第 2 列超过单元格上限 2,000 个字符" in message


def test_an_ordinary_xlsx_still_reads() -> None:
    rows = list(iter_rows(io.BytesIO(_workbook(["姓名", "学号"], ["吉𠮷", "2021001"]))))
    assert rows[0].values == {"姓名": "吉𠮷", "学号": "2021001"}


# --- CSV ---------------------------------------------------------------------------------------


def test_a_csv_wider_than_the_limit_is_refused() -> None:
    header = ",".join(f"列{n}" for n in range(65))
    assert "表头列数超过上限 64" in _refusal(io.BytesIO(f"{header}\n".encode()))


def test_a_csv_row_wider_than_the_limit_is_refused_naming_the_row() -> None:
    wide = "张三" + "," * 100
    message = _refusal(io.BytesIO(f"姓名,学号\n张三,1\n{wide}1\n".encode()))
    assert "第 3 行的列数超过上限 64" in message


def test_a_csv_of_one_endless_line_is_refused_before_it_is_split() -> None:
    line = "姓名," + "," * (parsing.MAX_LINE_CHARS + 10)
    message = _refusal(io.BytesIO(f"姓名\n{line}\n".encode()))
    assert "一行的长度超过上限" in message


def test_a_csv_with_more_rows_than_the_limit_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(parsing, "MAX_DATA_ROWS", 3)
    message = _refusal(io.BytesIO(("姓名\n" + "张三\n" * 5).encode()))
    assert "数据行数超过上限 3 行" in message


def test_a_shift_jis_file_is_refused_asking_for_utf8_or_gbk() -> None:
    data = "姓名,学号\n山田太郎,2021001\n".encode("shift_jis")
    assert data.decode("gb18030") != "姓名,学号\n山田太郎,2021001\n"  # it would decode, as garbage
    message = _refusal(io.BytesIO(data))
    assert "请在表格软件中另存为 UTF-8 或 GBK" in message
    assert "save it as a UTF-8 or GBK CSV" in message


def test_a_shift_jis_file_with_ascii_headers_is_refused() -> None:
    assert "Shift-JIS" in _refusal(io.BytesIO("name,number\n山田太郎,2021001\n".encode("shift_jis")))


def test_a_big5_file_is_refused() -> None:
    data = "姓名,學號,院系\n陳大文,2021001,資訊工程學系\n張學友,2021002,電機工程學系\n".encode("big5")
    assert "Big5" in _refusal(io.BytesIO(data))


def test_a_gbk_file_with_rare_name_characters_is_accepted() -> None:
    data = "姓名,学号,院系\n张堃,2021001,信息学院\n王喆,2021002,信息学院\n李燊,2021003,信息学院\n".encode("gbk")
    assert [r.values["姓名"] for r in iter_rows(io.BytesIO(data))] == ["张堃", "王喆", "李燊"]
