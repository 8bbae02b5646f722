"""学历注册 by file: numbered in the official layout, one per enrollment, unpublished until complete."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from django.core.management import call_command

from xuedang.conftest import make_enrollment
from xuedang.imports.models import ImportJob, ImportState
from xuedang.institutions.models import Institution
from xuedang.institutions.services import president_appoint
from xuedang.registry.models import Credential
from xuedang.registry.services import credential_missing_fields

pytestmark = pytest.mark.django_db
HEADER = "学号,毕结业,毕结业日期,证书编号,辅修\n"


def run(tmp_path, body: str) -> ImportJob:
    path = tmp_path / "credentials.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with contextlib.suppress(SystemExit):
        call_command("import_file", str(path), institution="10001", kind="credentials")
    return ImportJob.objects.order_by("-pk").first()


@pytest.fixture
def graduates():
    president_appoint(institution=Institution.objects.get(code="10001"), name="龚旗煌", start_date=date(2022, 6, 1))
    return [
        make_enrollment(student_number="S1"),
        make_enrollment(student_number="S2", document_number="440304200306151232", name="张三"),
        make_enrollment(student_number="S3", document_number="310104199909094569", name="王五"),
    ]


def test_credentials_by_file_get_official_numbers_and_stay_unpublished(tmp_path, graduates) -> None:
    body = "S1,毕业,2025-07-01,,\nS2,结业,2025-07-01,100011202505001223,经济学\nS3,毕业,2025-07-01,,\n"
    job = run(tmp_path, body)
    assert job.state == ImportState.DONE, job.errors or job.message
    assert job.inserted_rows == 3, job.errors or job.message
    numbers = dict(Credential.objects.values_list("enrollment__student_number", "certificate_number"))
    assert numbers == {"S1": "100011202505000001", "S2": "100011202505001223", "S3": "100011202505000002"}
    s1 = Credential.objects.get(enrollment__student_number="S1")
    assert s1.state == "draft"
    assert s1.president_name == "龚旗煌"
    assert s1.name == "吉𠮷"
    assert credential_missing_fields(s1) == ["照片 / photo"]
    assert Credential.objects.get(enrollment__student_number="S2").minor == "经济学"
    again = run(tmp_path, body)
    assert again.state == ImportState.DONE
    assert again.inserted_rows == 0
    assert Credential.objects.count() == 3


def test_wrong_numbers_second_credentials_and_strangers_are_refused(tmp_path, graduates) -> None:
    run(tmp_path, "S1,毕业,2025-07-01,,\n")
    job = run(
        tmp_path,
        "S1,结业,2025-07-01,,\nS2,毕业,2025-07-01,100031202505000001,\n"
        "S3,毕业,2025-07-01,100011202505000001,\nS9,毕业,2025-07-01,,\nS2,肄业,2025-07-01,,\n",
    )
    assert job.state == ImportState.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} == {
        (2, "学号"),
        (3, "证书编号"),
        (4, "证书编号"),
        (5, "学号"),
        (6, "毕结业"),
    }
    assert Credential.objects.count() == 1


def test_no_credential_by_file_for_a_suspended_student_nor_before_the_expected_graduation(tmp_path, graduates) -> None:
    from xuedang.registry.services import enrollment_change_record

    enrollment_change_record(
        actor=None,
        enrollment=graduates[0],
        change_code="11",
        change_date=date(2024, 3, 1),
        changes={},
        reason="疾病",
        decision_number="校学〔2024〕1号",
    )
    job = run(tmp_path, "S1,毕业,2025-07-01,,\nS2,毕业,2025-05-31,,\nS3,毕业,2025-06-30,,\n")
    assert job.state == ImportState.INVALID
    assert {(e["row"], e["column"]) for e in job.errors} == {(2, "学号"), (3, "毕结业日期")}
    assert not Credential.objects.exists()
