"""National code tables, kept as CSV files in `core/data/codes/` and loaded by migrations.

Each table file has `code,name_zh,name_en,parent,sort`; `parent` links a 专业 to its 专业类
and a 专业类 to its 门类. Reads are cached per process: the tables change by migration.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import Any

CODES_DIR = Path(__file__).parent / "data" / "codes"
TABLES = [
    "gender",
    "ethnicity",
    "province",
    "level",
    "study_form",
    "education_type",
    "enrollment_state",
    "change_type",
    "change_reason",
    "admission_type",
    "major_category",
    "major_class",
    "major",
]


def read_table(table: str) -> list[dict[str, str]]:
    with (CODES_DIR / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_code_tables(code_model: Any) -> int:
    """Upsert every table into `code_model` (the historical model inside migrations)."""
    count = 0
    for table in TABLES:
        for row in read_table(table):
            code_model.objects.update_or_create(
                table=table,
                code=row["code"],
                defaults={
                    "name_zh": row["name_zh"],
                    "name_en": row["name_en"],
                    "parent": row["parent"],
                    "sort": int(row["sort"] or 0),
                    "active": True,
                },
            )
            count += 1
    return count


@functools.cache
def _table(table: str) -> dict[str, tuple[str, str]]:
    from xuedang.core.models import Code

    rows = Code.objects.filter(table=table, active=True).order_by("sort", "code")
    return {row.code: (row.name_zh, row.name_en) for row in rows}


def clear_cache() -> None:
    _table.cache_clear()


def code_label(table: str, code: str, *, lang: str = "zh") -> str:
    """The label of `code`, or the code itself when the table does not know it."""
    names = _table(table).get(code)
    if names is None:
        return code
    return names[1] if lang == "en" else names[0]


def code_choices(table: str) -> list[tuple[str, str]]:
    """(code, "中文 / English") pairs of the active codes, in the table's order."""
    return [(code, f"{zh} / {en}") for code, (zh, en) in _table(table).items()]
