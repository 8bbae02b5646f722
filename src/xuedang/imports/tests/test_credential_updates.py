"""学历注册信息更新 by file: corrections of draft credentials, all rows or none, each row audited
with the values before it; the same file twice changes nothing more (issue 13 item 5)."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from django.core.management import call_command

from xuedang.conftest import make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.imports.models import ImportJob, ImportState
from xuedang.imports.schemas import CREDENTIAL_UPDATE_COLUMNS
from xuedang.registry import services
from xuedang.registry.models import Credential

pytestmark = pytest.mark.django_db
HEADER = ",".join(c.zh for c in CREDENTIAL_UPDATE_COLUMNS) + "\n"


def run(tmp_path, rows: list[dict[str, str]]) -> ImportJob:
    path = tmp_path / "updates.csv"
    lines = [",".join(row.get(c.zh, "") for c in CREDENTIAL_UPDATE_COLUMNS) for row in rows]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    with contextlib.suppress(SystemExit):
        call_command("import_file", str(path), institution="10001", kind="credential_updates")
    return ImportJob.objects.order_by("-pk").first()


@pytest.fixture
def drafts(registrar):
    first = make_enrollment(student_number="S1")
    second = make_enrollment(student_number="S2", document_number="440304200306151232", name="张三")
    return [
        services.credential_register(actor=None, enrollment=e, kind="graduation", study_end=date(2025, 7, 1))
        for e in (first, second)
    ]


def test_a_file_corrects_drafts_and_each_row_is_audited_once(tmp_path, drafts) -> None:
    rows = [
        {"学号": "S1", "修改原因": "专业录入有误", "专业代码": "080902", "专业名称": "软件工程"},
        {"学号": "S2", "修改原因": "补录校长", "校长姓名": "龚旗煌", "辅修": "经济学"},
    ]
    job = run(tmp_path, rows)
    assert job.state == ImportState.DONE, job.errors or job.message
    assert job.inserted_rows == 2
    first, second = (Credential.objects.get(pk=d.pk) for d in drafts)
    assert (first.major_code, first.major_name, first.name) == ("080902", "软件工程", "吉𠮷")  # blank cells: as is
    assert (second.president_name, second.minor) == ("龚旗煌", "经济学")
    entries = AuditEntry.objects.filter(action="registry.credential.updated").order_by("id")
    assert [e.before for e in entries] == [
        {"major_code": "080901", "major_name": "计算机科学与技术"},
        {"president_name": "", "minor": ""},
    ]
    assert f"批量导入 #{job.pk}" in entries[0].reason
    again = run(tmp_path, rows)
    assert again.state == ImportState.DONE
    assert again.inserted_rows == 0  # nothing differs the second time
    assert AuditEntry.objects.filter(action="registry.credential.updated").count() == 2


def test_one_bad_row_writes_nothing_and_every_problem_is_named(tmp_path, drafts) -> None:
    Credential.objects.filter(pk=drafts[1].pk).update(state="published")
    make_enrollment(student_number="S3", document_number="310104199909094569", name="王五")
    job = run(
        tmp_path,
        [
            {"学号": "S1", "修改原因": "改专业", "专业名称": "软件工程"},
            {"学号": "S2", "修改原因": "已发布", "专业名称": "x"},
            {"学号": "S3", "修改原因": "没有学历", "专业名称": "x"},
            {"学号": "S9", "修改原因": "", "层次": "博士后"},
        ],
    )
    assert job.state == ImportState.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} == {(3, "学号"), (4, "学号"), (5, "修改原因"), (5, "层次")}
    assert Credential.objects.get(pk=drafts[0].pk).major_name == "计算机科学与技术"  # row 2 was good, still unwritten


def test_values_that_disagree_with_the_credential_are_refused_by_row_and_column(tmp_path, drafts) -> None:
    job = run(
        tmp_path,
        [
            {"学号": "S1", "修改原因": "改层次", "层次": "硕士"},  # a 6-digit undergraduate major stays
            {"学号": "S2", "修改原因": "改证书号", "证书编号": "100011202605000009"},  # not a 2025 number
        ],
    )
    assert job.state == ImportState.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} == {(2, "专业代码"), (3, "证书编号")}
    assert not AuditEntry.objects.filter(action="registry.credential.updated").exists()
