"""Every name the validator accepts prints: a report and the printable archive for a name from each
CJK extension block come back exactly from pdftotext (docs/decisions/0019-hostile-input.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xuedang.conftest import login
from xuedang.core import pdf as core_pdf
from xuedang.core import validators
from xuedang.reports.tests.factories import credential_report
from xuedang.reports.tests.helpers import run

NAMES = {
    "A": "张\u3400",  # 㐀
    "B": "吉\U00020bb7",  # 𠮷
    "C": "张\U0002a700",
    "D": "张\U0002b740",
    "E": "张\U0002b820",
    "F": "张\U0002ceb0",
    "G": "张\U00030ede",  # 𰻞 biáng, the example
    "H": "张\U00031350",
    "I (no free font has it yet)": "张\U0002ebf0",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_a_name_from_each_extension_block_prints_exactly_in_the_report_and_the_archive(
    student, name: str, tmp_path: Path
) -> None:
    assert validators.normalize_name(name) == name
    student.real_name = name
    student.save(update_fields=["real_name"])
    report = credential_report(student)  # records under the account's name, bound to it
    client = login(student)

    downloaded = client.get(f"/archive/reports/{report.pk}/download/")
    printed = client.get("/archive/print.pdf")

    for response in (downloaded, printed):
        assert response.status_code == 200
        assert name in run("pdftotext", response.content, tmp_path, "-enc", "UTF-8")


def test_only_characters_no_installed_font_has_are_left_as_marked_gaps() -> None:
    chain = core_pdf.font_chain()
    drawable = [name for block, name in NAMES.items() if not block.startswith("I")]
    assert not chain.missing("".join(drawable))
    assert chain.missing(NAMES["I (no free font has it yet)"]) == {"\U0002ebf0"}
