"""Set-based loading of validated rows: a staging table, checks in SQL, one INSERT … SELECT.

On PostgreSQL the staging table is filled by `COPY` (psycopg 3 streaming); on SQLite by
batched inserts. Either way it all happens inside the caller's single transaction.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db import connection

from xuedang.imports.parsing import RowError

STAGING_COLUMNS = [
    ("row_no", "integer"), ("student_number", "text"), ("name", "text"), ("gender", "text"),
    ("birth_date", "date"), ("ethnicity", "text"), ("document_type", "text"),
    ("document_number", "text"), ("identity_digest", "text"), ("department", "text"),
    ("major_code", "text"), ("major_name", "text"), ("level", "text"), ("education_type", "text"),
    ("study_form", "text"), ("is_full_time", "boolean"), ("length_years", "numeric"),
    ("entry_date", "date"), ("expected_graduation_date", "date"), ("admission_type", "text"),
    ("exam_number", "text"), ("class_name", "text"),
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


def fill_staging(rows: Iterator[list[str]], columns: Columns = STAGING_COLUMNS) -> int:
    """Rows as written to the staging CSV (strings; booleans as t/f)."""
    names = [name for name, _ in columns]
    if connection.vendor == "postgresql":
        return _copy(rows, names)
    return _insert_batches(rows, columns)


def _copy(rows: Iterator[list[str]], names: list[str]) -> int:
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY import_staging ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _insert_batches(rows: Iterator[list[str]], columns: Columns) -> int:
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


def _sqlite_value(kind: str, value: str) -> Any:
    if kind == "boolean":
        return value == "t"
    if kind == "integer":
        return int(value)
    return value


def errors_from(sql: str, params: list[Any], column: str, message: str) -> list[RowError]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [RowError(row_no, column, str(value), message) for row_no, value in cursor.fetchall()]


def check_staging(institution_id: int) -> list[RowError]:
    """Problems only visible across rows or against the registry, found with set-based SQL."""
    active = ", ".join(f"'{state}'" for state in ACTIVE)
    errors = errors_from(
        "SELECT s.row_no, s.student_number FROM import_staging s JOIN ("
        " SELECT student_number, MIN(row_no) AS first FROM import_staging GROUP BY student_number"
        " HAVING COUNT(*) > 1) d ON d.student_number = s.student_number AND s.row_no > d.first",
        [], "学号", "文件中学号重复 / the student number appears more than once in the file")
    errors += errors_from(
        "SELECT s.row_no, s.student_number FROM import_staging s JOIN ("
        " SELECT identity_digest, MIN(row_no) AS first FROM import_staging"
        " WHERE is_full_time AND education_type = '1' GROUP BY identity_digest HAVING COUNT(*) > 1) d"
        " ON d.identity_digest = s.identity_digest AND s.row_no > d.first",
        [], "证件号码", "文件中同一人出现多次 / the same person appears more than once in the file")
    errors += errors_from(
        "SELECT s.row_no, s.student_number FROM import_staging s JOIN registry_enrollment e"
        " ON e.institution_id = %s AND e.student_number = s.student_number"
        " WHERE e.identity_digest <> s.identity_digest",
        [institution_id], "学号", "该学号在本校已属于另一名学生 / this student number belongs to another student")
    errors += errors_from(
        "SELECT s.row_no, s.student_number FROM import_staging s JOIN registry_enrollment e"
        " ON e.identity_digest = s.identity_digest"
        f" WHERE s.is_full_time AND s.education_type = '1' AND e.is_full_time AND e.education_type = '1'"
        f" AND e.state IN ({active})"
        " AND NOT (e.institution_id = %s AND e.student_number = s.student_number)",
        [institution_id], "证件号码",
        "该学生已有在籍的普通全日制学籍（第八条）/ this person already holds an active full-time enrollment")
    return sorted(errors, key=lambda e: (e.row, e.column))


def insert_from_staging(institution_id: int, now: datetime) -> int:
    """Insert the rows not yet registered, all stamped `now`; returns how many."""
    columns = [n for n in NAMES if n != "row_no"]
    target = columns + ["institution_id", "state", "state_date", "preparatory", "created_at", "updated_at"]
    select = [f"s.{n}" for n in columns] + ["%s", "'registered'", "s.entry_date", "%s", "%s", "%s"]
    sql = (
        f"INSERT INTO registry_enrollment ({', '.join(target)}) SELECT {', '.join(select)}"
        " FROM import_staging s WHERE NOT EXISTS (SELECT 1 FROM registry_enrollment e"
        " WHERE e.institution_id = %s AND e.student_number = s.student_number) ORDER BY s.row_no"
    )
    with connection.cursor() as cursor:
        stamp = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(sql, [institution_id, False, stamp, stamp, institution_id])
        return cursor.rowcount


def inserted_chunks(institution_id: int, now: datetime, size: int = 20_000) -> Iterator[list[tuple]]:
    """The rows `insert_from_staging` just wrote, in id order, a chunk at a time (flat memory)."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    last = 0
    sql = ("SELECT id, student_number, major_code, level, entry_date FROM registry_enrollment"
           " WHERE institution_id = %s AND created_at = %s AND id > %s ORDER BY id LIMIT %s")
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [institution_id, stamp, last, size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def staging_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM import_staging")
        return cursor.fetchone()[0]


def read_staging_file(path: str) -> Iterator[list[str | None]]:
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            yield [None if value == "\\N" else value for value in row]
