"""Reading uploads: every encoding a Chinese school's software produces, XLSX, and limits."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from xuedang.core.spreadsheets import safe_cell, write_csv, write_xlsx
from xuedang.imports.parsing import ImportFileError, detect_encoding, iter_rows

ROWS = [["吉𠮷", "2021001"], ["阿依古丽·买买提", "00298959"], ["张三", "2021003"]]
GBK_ROWS = ROWS[1:]


def _csv(rows, encoding: str, bom: bool = False) -> io.BytesIO:
    text = "姓名,学号\n" + "".join(f"{a},{b}\n" for a, b in rows)
    return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))


def _values(stream: io.BytesIO) -> list[list[str]]:
    return [[r.values["姓名"], r.values["学号"]] for r in iter_rows(stream)]


@pytest.mark.parametrize(
    ("encoding", "bom", "rows"),
    [
        ("utf-8", False, ROWS),
        ("utf-8", True, ROWS),
        ("gb18030", False, ROWS),
        ("gbk", False, GBK_ROWS),
    ],
)
def test_each_encoding_reads_the_same_values(encoding, bom, rows) -> None:
    assert _values(_csv(rows, encoding, bom)) == rows


def test_utf8_is_recognised_even_when_the_sample_cuts_a_character() -> None:
    head = ("a" * 65535 + "𠮷").encode()[:65537]
    assert detect_encoding(head) == "utf-8"
    assert detect_encoding("张三".encode("gbk")) == "gb18030"


def test_xlsx_keeps_rare_characters_leading_zeros_numbers_and_dates() -> None:
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "学号", "编号", "入学日期"])
    sheet.append(["吉𠮷", 2021001, "00298959", dt.datetime(2021, 9, 1)])
    sheet.append([None, None, None, None])
    sheet.append(["𡒄", 2021002.0, "007", dt.date(2022, 9, 1)])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    rows = list(iter_rows(out, filename="x.xlsx"))
    assert [r.number for r in rows] == [2, 4]  # the blank row is skipped, numbering continues
    assert rows[0].values == {"姓名": "吉𠮷", "学号": "2021001", "编号": "00298959", "入学日期": "2021-09-01"}
    assert rows[1].values["学号"] == "2021002"
    assert rows[1].values["编号"] == "007"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 600, ".xls"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "既不是|neither"),
        ("姓名,姓名\n张三,李四\n".encode(), "表头重复"),
        ("姓名,,学号\n张三,,1\n".encode(), "第 2 列表头为空"),
        ("姓名,学号\n张三,1,多余\n".encode(), "第 2 行的列数多于表头"),
        (b"\xe5\xa7\x93\xe5\x90\x8d\n\xff\xfe\xfd\n", "无法识别|编码"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(content, message) -> None:
    import re

    with pytest.raises(ImportFileError) as error:
        list(iter_rows(io.BytesIO(content)))
    assert re.search(message, str(error.value)), str(error.value)
    assert " / " in str(error.value)


class NoReading(io.BytesIO):
    """A large upload that must be refused by its size alone."""

    def read(self, size: int = -1) -> bytes:  # pragma: no cover - reaching it fails the test
        raise AssertionError("an oversized file must not be read")


def test_an_oversized_file_is_refused_without_reading_it() -> None:
    stream = NoReading(b"x" * 2048)
    with pytest.raises(ImportFileError, match="MB"):
        iter_rows(stream, max_bytes=1024)


INJECTIONS = ["=1+1", "+86 138", "-2+3", "@SUM(A1)", '=HYPERLINK("http://evil","x")', "\t=1", "\r=1", "＝1"]


def test_formulas_are_neutralised_in_csv_and_xlsx() -> None:
    out = io.BytesIO()
    write_csv([[v] for v in INJECTIONS], header=["值"], out=out)
    out.seek(0)
    assert [r.values["值"] for r in iter_rows(out)] == ["'" + v for v in INJECTIONS]
    out = io.BytesIO()
    write_xlsx([[v] for v in INJECTIONS] + [[-12.5]], header=["值"], out=out)
    out.seek(0)
    cells = [row[0] for row in load_workbook(out).active.iter_rows(min_row=2)]
    for cell, text in zip(cells, INJECTIONS, strict=False):
        assert cell.data_type == "s"
        assert cell.value.startswith("'")
        assert cell.value[1:].replace("\n", "\r") == text.replace("\n", "\r")
    assert cells[-1].value == -12.5  # real numbers stay numbers


@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).map(str.strip).filter(bool),
        min_size=1,
        max_size=10,
    )
)
def test_any_text_round_trips_through_csv_export(values) -> None:
    out = io.BytesIO()
    write_csv([[v] for v in values], header=["值"], out=out)
    out.seek(0)
    read = [r.values["值"] for r in iter_rows(out)]
    assert read == [str(safe_cell(v)) for v in values if v.strip()]


def test_reading_a_large_file_keeps_memory_flat(tmp_path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("姓名,学号,专业\n")
        for n in range(200_000):
            out.write(f"吉𠮷{n},{n:08d},计算机科学与技术\n")
    tracemalloc.start()
    with path.open("rb") as stream:
        count = sum(1 for _ in iter_rows(stream))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 200_000
    assert peak < 5 * 1024 * 1024
