"""Set-based loading of validated rows: a staging table, checks in SQL, one INSERT … SELECT.

Validated rows are written to staging files in PostgreSQL's COPY text format, so that on
PostgreSQL they stream into `COPY` as they are, with no per-row work in Python; on SQLite
they are parsed back and inserted in batches. Either way it all happens inside the
caller's single transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection

from xuedang.imports.parsing import RowError

# A person's identity as a staging table holds it (enrollment and admission files).
IDENTITY_STAGING = [
    ("name", "text"),
    ("gender", "text"),
    ("birth_date", "date"),
    ("ethnicity", "text"),
    ("document_type", "text"),
    ("document_number", "text"),
    ("identity_digest", "text"),
]
STAGING_COLUMNS = [
    ("row_no", "integer"),
    ("student_number", "text"),
    *IDENTITY_STAGING,
    ("department", "text"),
    ("major_code", "text"),
    ("major_name", "text"),
    ("level", "text"),
    ("education_type", "text"),
    ("study_form", "text"),
    ("is_full_time", "boolean"),
    ("length_years", "numeric"),
    ("entry_date", "date"),
    ("expected_graduation_date", "date"),
    ("admission_type", "text"),
    ("exam_number", "text"),
    ("class_name", "text"),
]
NAMES = [name for name, _ in STAGING_COLUMNS]
ACTIVE = ("registered", "deferred", "suspended", "reserved")
BATCH = 5000
Columns = list[tuple[str, str]]


def staging_values(clean: dict[str, Any], row_no: int) -> list[Any]:
    values = {**clean, "row_no": row_no, "document_number": clean["document_number_sealed"]}
    return [values[name] for name in NAMES]


def create_staging(columns: Columns = STAGING_COLUMNS) -> None:
    ddl = ", ".join(f"{name} {kind}" for name, kind in columns)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_staging")
        cursor.execute(f"CREATE TEMP TABLE import_staging ({ddl})")


# --- Staging files: COPY text format (tab-separated, \\N for NULL, backslash escapes) ------------
NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_ESCAPED = re.compile(r"\\(.)")
_UNESCAPED = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def copy_line(values: list[Any]) -> str:
    """One staging row; booleans as t/f, None as NULL. Escaping is rare, so the need for it is
    checked once over the whole line rather than value by value."""
    texts = ["" if v is None else "t" if v is True else "f" if v is False else str(v) for v in values]
    line = "\t".join(texts)
    if line.count("\t") != len(texts) - 1 or "\\" in line or "\n" in line or "\r" in line:
        texts = [t.translate(_ESCAPES) for t in texts]
    elif None not in values:
        return line + "\n"
    return "\t".join(NULL if v is None else t for v, t in zip(values, texts, strict=True)) + "\n"


def _unescape(field: str) -> str | None:
    if field == NULL:
        return None
    if "\\" not in field:
        return field
    return _ESCAPED.sub(lambda m: _UNESCAPED.get(m.group(1), m.group(1)), field)


def read_staging_files(paths: Iterable[Path]) -> Iterator[list[str | None]]:
    for path in paths:
        with path.open(encoding="utf-8", newline="\n") as handle:
            for line in handle:
                yield [_unescape(field) for field in line.rstrip("\n").split("\t")]


def copy_files(paths: Iterable[Path], table: str, names: list[str]) -> int:
    """Stream staging files into `COPY table FROM STDIN` untouched; returns the row count."""
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for path in paths:
                with path.open("rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        copy.write(block)
                        count += block.count(b"\n")
    return count


def fill_staging(paths: list[Path], columns: Columns = STAGING_COLUMNS) -> int:
    names = [name for name, _ in columns]
    if connection.vendor == "postgresql":
        return copy_files(paths, "import_staging", names)
    return _insert_batches(read_staging_files(paths), columns)


def _insert_batches(rows: Iterator[list[str | None]], columns: Columns) -> int:
    names = [name for name, _ in columns]
    kinds = [kind for _, kind in columns]
    sql = f"INSERT INTO import_staging ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"
    count, batch = 0, []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([_sqlite_value(kind, value) for kind, value in zip(kinds, row, strict=True)])
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _sqlite_value(kind: str, value: str | None) -> Any:
    if value is None:
        return None
    if kind == "boolean":
        return value == "t"
    if kind == "integer":
        return int(value)
    return value


def errors_from(sql: str, params: list[Any], column: str, message: str) -> list[RowError]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [RowError(row_no, column, str(value), message) for row_no, value in cursor.fetchall()]


def repeated_in_file(keys: tuple[str, ...], column: str, message: str, *, shown: str = "") -> list[RowError]:
    """Rows of the file whose `keys` repeat an earlier row's: every repeat after the first, each
    showing its `shown` value (the first key by default). Keys are constant column names."""
    group = ", ".join(keys)
    same = " AND ".join(f"d.{key} = s.{key}" for key in keys)
    return errors_from(
        f"SELECT s.row_no, s.{shown or keys[0]} FROM import_staging s JOIN (SELECT {group}, MIN(row_no) AS first"
        f" FROM import_staging GROUP BY {group} HAVING COUNT(*) > 1) d ON {same} AND s.row_no > d.first",
        [],
        column,
        message,
    )


def check_staging(institution_id: int) -> list[RowError]:
    """Problems only visible across rows or against the registry, found with set-based SQL."""
    active = ", ".join(f"'{state}'" for state in ACTIVE)
    errors = repeated_in_file(
        ("student_number",), "学号", "文件中学号重复 / the student number appears more than once in the file"
    )
    errors += errors_from(
        "SELECT s.row_no, s.student_number FROM import_staging s JOIN ("
        " SELECT identity_digest, MIN(row_no) AS first FROM import_staging"
        " WHERE is_full_time AND education_type = '1' GROUP BY identity_digest HAVING COUNT(*) > 1) d"
        " ON d.identity_digest = s.identity_digest AND s.row_no > d.first",
        [],
        "证件号码",
        "文件中同一人出现多次 / the same person appears more than once in the file",
    )
    errors += errors_from(
        "SELECT s.row_no, s.student_number FROM import_staging s JOIN registry_enrollment e"
        " ON e.institution_id = %s AND e.student_number = s.student_number"
        " WHERE e.identity_digest <> s.identity_digest",
        [institution_id],
        "学号",
        "该学号在本校已属于另一名学生 / this student number belongs to another student",
    )
    errors += errors_from(
        "SELECT s.row_no, s.student_number FROM import_staging s JOIN registry_enrollment e"
        " ON e.identity_digest = s.identity_digest"
        f" WHERE s.is_full_time AND s.education_type = '1' AND e.is_full_time AND e.education_type = '1'"
        f" AND e.state IN ({active})"
        " AND NOT (e.institution_id = %s AND e.student_number = s.student_number)",
        [institution_id],
        "证件号码",
        "该学生已有在籍的普通全日制学籍（第八条）/ this person already holds an active full-time enrollment",
    )
    return sorted(errors, key=lambda e: (e.row, e.column))


ROW_COLUMNS = [n for n in NAMES if n != "row_no"]
FIXED_COLUMNS = ["institution_id", "state", "state_date", "preparatory", "created_at", "updated_at", "import_job_id"]


def insert_from_staging(institution_id: int, now: datetime, job_id: int | None) -> int:
    """Insert the rows not yet registered, all stamped `now`; returns how many."""
    target = ROW_COLUMNS + FIXED_COLUMNS
    select = [f"s.{n}" for n in ROW_COLUMNS] + ["%s", "'registered'", "s.entry_date", "%s", "%s", "%s", "%s"]
    sql = (
        f"INSERT INTO registry_enrollment ({', '.join(target)}) SELECT {', '.join(select)}"
        " FROM import_staging s WHERE NOT EXISTS (SELECT 1 FROM registry_enrollment e"
        " WHERE e.institution_id = %s AND e.student_number = s.student_number) ORDER BY s.row_no"
    )
    with connection.cursor() as cursor:
        stamp = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(sql, [institution_id, False, stamp, stamp, job_id, institution_id])
        return cursor.rowcount


def registry_line(institution_id: int, now: datetime, job_id: int) -> Callable[[str], str]:
    """A function turning a staging line of a new-student file into a `registry_enrollment` line:
    the row number dropped, the fixed columns appended (state_date = entry_date)."""
    entry = NAMES.index("entry_date") - 1
    stamp = now.isoformat()
    head, tail = f"\t{institution_id}\tregistered\t", f"\tf\t{stamp}\t{stamp}\t{job_id}\n"

    def convert(line: str) -> str:
        fields = line[line.index("\t") + 1 : -1]
        return fields + head + fields.split("\t", entry + 1)[entry] + tail

    return convert


def copy_into_registry(chunks: Iterable[str | bytes]) -> int:
    """PostgreSQL fast path for a file of new students: registry lines (see `registry_line`),
    in chunks of whole lines, go straight into `registry_enrollment` by COPY.

    Every check the staging path runs is also a constraint of the table (unique student number
    per school, one active full-time general enrollment per person), so this either loads
    exactly what the staging path would, or fails on a constraint and the caller falls back.
    """
    count = 0
    with connection.cursor() as cursor:
        target = ", ".join(ROW_COLUMNS + FIXED_COLUMNS)
        with cursor.cursor.copy(f"COPY registry_enrollment ({target}) FROM STDIN") as copy:
            for chunk in chunks:
                copy.write(chunk)
                count += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    return count


def file_chunks(paths: Iterable[Path], convert: Callable[[str], str], size: int = 2000) -> Iterator[str]:
    """The staging files' lines converted, a few thousand at a time."""
    for path in paths:
        with path.open(encoding="utf-8", newline="\n") as handle:
            batch: list[str] = []
            for line in handle:
                batch.append(convert(line))
                if len(batch) >= size:
                    yield "".join(batch)
                    batch = []
            if batch:
                yield "".join(batch)


def staging_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM import_staging")
        return cursor.fetchone()[0]
