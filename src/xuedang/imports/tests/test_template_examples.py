"""Every bulk template's example row passes its own row validation (issue 13 item 12): a
registrar who copies the example learns the format, not an error."""

from __future__ import annotations

from datetime import date

import pytest

from xuedang.imports.kinds import KINDS
from xuedang.imports.parsing import SourceRow
from xuedang.imports.schemas import Lookups, RowInvalid

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", sorted(KINDS))
def test_the_example_row_of_each_template_is_valid(key: str) -> None:
    kind = KINDS[key]
    lookups = Lookups()
    lookups.institution_code = "10001"
    lookups.semester_starts = {2026: date(2026, 9, 1)}  # the example's year, as the institution recorded it
    headers = {column.key: column.zh for column in kind.columns}
    validator = kind.validator(headers, lookups, today=date(2030, 1, 1))
    row = SourceRow(2, {column.zh: column.example for column in kind.columns})
    try:
        validator(row)
    except RowInvalid as invalid:
        pytest.fail(f"{key}: {invalid.errors}")


def test_a_doctorate_with_an_undergraduate_major_is_refused_by_file() -> None:
    kind = KINDS["enrollments"]
    headers = {column.key: column.zh for column in kind.columns}
    validator = kind.validator(headers, Lookups(), today=date(2030, 1, 1))
    values = {column.zh: column.example for column in kind.columns} | {"层次": "博士"}
    with pytest.raises(RowInvalid) as invalid:
        validator(SourceRow(2, values))
    assert [e.column for e in invalid.value.errors] == ["专业代码"]
