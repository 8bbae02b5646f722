"""更名、合并 with effective dates (issue 13 item 4): a credential shows the name in force on the
graduation date, by form and by file."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from xuedang.conftest import make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.institutions.models import Institution
from xuedang.institutions.services import institution_rename
from xuedang.registry import services
from xuedang.registry.models import Credential

pytestmark = pytest.mark.django_db


def test_credentials_carry_the_name_in_force_at_graduation(tmp_path) -> None:
    pku = Institution.objects.get(code="10001")
    institution_rename(actor=None, institution=pku, new_name="北京大学（新）", effective=date(2025, 7, 15))
    before = make_enrollment(student_number="S1")
    after = make_enrollment(
        student_number="S2",
        document_number="440304200306151232",
        name="张三",
        expected_graduation_date=date(2025, 8, 1),
    )
    early = services.credential_register(actor=None, enrollment=before, kind="graduation", study_end=date(2025, 7, 1))
    late = services.credential_register(actor=None, enrollment=after, kind="graduation", study_end=date(2025, 8, 1))
    assert (early.institution_name, late.institution_name) == ("北京大学", "北京大学（新）")
    assert AuditEntry.objects.filter(action="institutions.institution.renamed").exists()
    third = make_enrollment(student_number="S3", document_number="310104199909094569", name="王五")
    path = tmp_path / "credentials.csv"
    path.write_text("学号,毕结业,毕结业日期,证书编号,辅修\nS3,毕业,2025-07-01,,\n", encoding="utf-8")
    with contextlib.suppress(SystemExit):
        call_command("import_file", str(path), institution="10001", kind="credentials")
    assert Credential.objects.get(enrollment=third).institution_name == "北京大学"


def test_a_rename_takes_effect_only_once_it_has_happened() -> None:
    pku = Institution.objects.get(code="10001")
    with pytest.raises(ValidationError) as error:
        institution_rename(
            actor=None, institution=pku, new_name="未来大学", effective=date(2030, 1, 1), today=date(2026, 1, 1)
        )
    assert "effective" in error.value.message_dict
    assert Institution.objects.get(code="10001").name == "北京大学"


def test_the_centre_records_a_merger_by_page_and_others_cannot(centre_admin, registrar) -> None:
    from xuedang.conftest import login

    form = {
        "institution_code": "10001",
        "new_name": "北京大学（合并后）",
        "effective": "2025-07-15",
        "kind": "merger",
        "note": "教发函〔2025〕1号",
    }
    assert login(registrar).post("/school/institutions/names/", form).status_code == 404
    assert Institution.objects.get(code="10001").name == "北京大学"
    centre = login(centre_admin)
    done = centre.post("/school/institutions/names/", form, follow=True)
    page = done.content.decode()
    assert "北京大学（合并后）" in page
    assert "2025-07-14" in page  # the former name held until the day before
    assert Institution.objects.get(code="10001").name == "北京大学（合并后）"
    assert AuditEntry.objects.filter(action="institutions.institution.merged").exists()
    again = centre.post("/school/institutions/names/", form | {"new_name": "又一名", "effective": "2025-07-01"})
    assert again.status_code == 400
    assert "须晚于上次更名" in again.content.decode()
    unknown = centre.post("/school/institutions/names/", form | {"institution_code": "99999"})
    assert "院校代码不存在" in unknown.content.decode()
