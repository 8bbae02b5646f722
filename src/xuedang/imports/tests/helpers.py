"""Rows, files and database counts the import tests share."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import psycopg
from django.core.management import call_command

from xuedang.core import validators
from xuedang.core.spreadsheets import write_csv, write_xlsx
from xuedang.imports.models import ImportJob
from xuedang.imports.schemas import ENROLLMENT_COLUMNS

HEADER = [c.zh for c in ENROLLMENT_COLUMNS]


def student_row(n: int, **overrides: str) -> dict[str, str]:
    birth = date(2000, 1, 1) + timedelta(days=n % 3000)  # unique (birth, sequence) up to 3,000,000 rows
    number = validators.compose_resident_id("440304", birth, n // 3000 % 1000)
    row = {
        "学号": f"2026{n:06d}",
        "姓名": ["吉𠮷", "阿依古丽·买买提", "张三"][n % 3],
        "出生日期": birth.isoformat(),
        "性别": "男" if int(number[16]) % 2 else "女",
        "民族": "汉族",
        "证件类型": "居民身份证",
        "证件号码": number,
        "院系": "信息学院",
        "专业代码": "080901",
        "专业名称": "计算机科学与技术",
        "层次": "本科",
        "学习形式": "全日制",
        "学制": "4",
        "入学日期": "2026-09-01",
        "预计毕业日期": "2030-07-01",
        "录取类型": "统招（普通批次）",
        "考生号": "",
        "班级": "",
    }
    row.update(overrides)
    return row


def write_file(tmp_path: Path, rows: list[dict[str, str]], *, fmt: str = "csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / f"students.{fmt}"
    if fmt == "xlsx":
        with path.open("wb") as out:
            write_xlsx(([r[h] for h in HEADER] for r in rows), header=HEADER, out=out)
    elif encoding == "utf-8-bom":
        with path.open("wb") as out:
            write_csv(([r[h] for h in HEADER] for r in rows), header=HEADER, out=out)
    else:
        text = io.StringIO()
        text.write(",".join(HEADER) + "\n")
        for r in rows:
            text.write(",".join(r[h] for h in HEADER) + "\n")
        path.write_bytes(text.getvalue().encode(encoding))
    return path


def csv_upload(rows: list[dict[str, str]]) -> bytes:
    """The rows as the bytes of an uploaded CSV file."""
    return ("\n".join([",".join(HEADER)] + [",".join(r[h] for h in HEADER) for r in rows]) + "\n").encode()


def count_in(url: str, sql: str) -> int:
    """One number from a database the test made for a separate process (SQLite file or PostgreSQL)."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(sql).fetchone()[0]
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def run_import(path: Path, school: str = "10001") -> ImportJob:
    """`import_file` on `path` for `school`, as a school's system would run it; the job it made."""
    try:
        call_command("import_file", str(path), institution=school)
    except SystemExit as exit_info:  # the command exits 1 when the file is rejected
        exit_code = exit_info.code
    else:
        exit_code = 0
    assert exit_code in (0, 1)
    return ImportJob.objects.order_by("-pk").first()


# An admissions (录取) file of two candidates, one with a rare character and a minority name.
ADMISSIONS_HEADER = (
    "考生号,录取年份,姓名,性别,出生日期,民族,证件号码,生源地,专业代码,专业名称,层次,学习形式,录取类型,预科\n"
)
ADMISSIONS_ROWS = (
    "26110101000001,2026,吉𠮷,女,1949-12-31,汉族,11010519491231002X,北京市,080901,计算机科学与技术,本科,全日制,"
    "国家专项计划,否\n"
    "26650101000002,2026,阿依古丽·买买提,女,2000-01-01,维吾尔族,650102200001010020,新疆维吾尔自治区,100201K,"
    "临床医学,本科,全日制,预科,是\n"
)
