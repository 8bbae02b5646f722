"""自考 credentials without a 学籍 (decision 0029): an all-or-nothing file, publication, binding,
the 备案表, verification, 零散查询 and the province 自考办's corrections."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from xuedang.archive.models import Binding
from xuedang.archive.services import bindings_refresh
from xuedang.conftest import _staff
from xuedang.core import validators
from xuedang.core.audit import AuditEntry
from xuedang.institutions.access import self_study_scope
from xuedang.registry.models import Credential, CredentialSource, CredentialState
from xuedang.registry.services import (
    SelfStudyRejected,
    self_study_credential_correct,
    self_study_credential_publish,
    self_study_credentials_register,
    self_study_photo_register,
)
from xuedang.reports.services import report_create
from xuedang.reports.tests.factories import photo_bytes

pytestmark = pytest.mark.django_db

# 6 (自考) · 5 (本科) · 11 (北京) · 01 · 05 · 25 (2025) · 1 (sitting) · serial · check
GOOD = "65110105251000127"


def row(**overrides: str) -> dict[str, str]:
    values = {
        "certificate_number": GOOD,
        "name": "吉𠮷",
        "gender": "女",
        "birth_date": "1949-12-31",
        "document_number": "11010519491231002X",
        "major_code": "050101",
        "major_name": "汉语言文学",
        "level": "本科",
        "examining_institution": "10001",
        "study_start": "2021-04-10",
        "study_end": "2025-06-30",
        "president_name": "龚旗煌",
    }
    return values | overrides


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def office(db):
    """北京市自考委办公室's registrar."""
    return _staff("zikao11", "self_study", "registrar", province="11")


def test_the_self_study_number_layout_is_checked_part_by_part() -> None:
    assert validators.validate_self_study_number(GOOD, province_code="11", graduation_year=2025, level="05") == GOOD
    wrong = {
        "layout": "6511010525100012",
        "education_type": "15110105251000127",
        "level": "66110105251000127",
        "province": "65310105251000127",
        "year": "65110105241000127",
        "sitting": "65110105250000127",
    }
    for code, number in wrong.items():
        with pytest.raises(ValidationError) as error:
            validators.validate_self_study_number(number, province_code="11", graduation_year=2025, level="05")
        assert error.value.error_list[0].code == code
        assert "/ " in error.value.messages[0]


def test_a_file_with_one_bad_certificate_number_writes_nothing(office) -> None:
    rows = [
        (2, row()),
        (
            3,
            row(
                certificate_number="65110105251000135",
                name="王五",
                document_number="110105199001010010",
                gender="男",
                birth_date="1990-01-01",
            ),
        ),
        (
            4,
            row(
                certificate_number="65310105251000143",
                name="赵六",
                document_number="110105199202020020",
                birth_date="1992-02-02",
            ),
        ),
    ]
    audit_before = AuditEntry.objects.count()
    with pytest.raises(SelfStudyRejected) as refused:
        self_study_credentials_register(actor=office, province_code="11", rows=rows)
    assert [(p.row, p.column) for p in refused.value.problems] == [(4, "证书编号")]
    assert "第 3–4 位省份代码" in str(refused.value.problems[0])
    assert Credential.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_duplicate_number_within_the_file_or_the_registry_is_named_by_row(office) -> None:
    with pytest.raises(SelfStudyRejected) as refused:
        self_study_credentials_register(actor=office, province_code="11", rows=[(2, row()), (3, row())])
    assert [(p.row, p.column) for p in refused.value.problems] == [(3, "证书编号")]
    self_study_credentials_register(actor=office, province_code="11", rows=[(2, row())])
    with pytest.raises(SelfStudyRejected):
        self_study_credentials_register(actor=office, province_code="11", rows=[(2, row())])
    assert Credential.objects.count() == 1


def _published(office, student=None) -> Credential:
    credential = self_study_credentials_register(actor=office, province_code="11", rows=[(2, row())])[0]
    self_study_photo_register(actor=office, credential=credential, image=photo_bytes())
    return self_study_credential_publish(actor=office, credential=credential)


def test_a_self_study_credential_stands_alone_with_its_examining_institution(office) -> None:
    credential = self_study_credentials_register(actor=office, province_code="11", rows=[(2, row())])[0]
    assert credential.enrollment is None
    assert (credential.source, credential.province_code) == (CredentialSource.SELF_STUDY, "11")
    assert (credential.institution.code, credential.institution_name) == ("10001", "北京大学")
    assert (credential.education_type, credential.study_form) == ("6", "6")
    assert credential.identity_digest
    entry = AuditEntry.objects.filter(action="registry.credential.self_study_registered").get()
    assert entry.target_id == str(credential.pk)


def test_it_is_published_without_an_enrollment_once_it_has_its_photo(office) -> None:
    credential = self_study_credentials_register(actor=office, province_code="11", rows=[(2, row())])[0]
    with pytest.raises(ValidationError, match="照片"):
        self_study_credential_publish(actor=office, credential=credential)
    self_study_photo_register(actor=office, credential=credential, image=photo_bytes())
    credential = self_study_credential_publish(actor=office, credential=credential)
    assert credential.state == CredentialState.PUBLISHED


def test_a_self_study_credential_binds_yields_a_filing_form_and_verifies(office, student) -> None:
    credential = _published(office)
    assert bindings_refresh(user=student) == 1
    assert Binding.objects.get(user=student).credential_id == credential.pk
    report = report_create(student=student, record=credential, lang="zh", months=3)
    page = Client().get(f"/verify/{report.code}", REMOTE_ADDR="203.0.113.7").content.decode()
    assert re.search(r'data-status="valid"', page)
    assert GOOD in page
    assert "北京大学" in page
    looked_up = Client().post("/verify/lookup/", {"certificate_number": GOOD, "name": "吉𠮷"}).content.decode()
    assert 'id="lookup-result"' in looked_up


def test_a_self_study_credential_binds_by_hand_with_number_year_and_examining_institution(office, student) -> None:
    from xuedang.archive.services import binding_claim_credential

    credential = _published(office)
    binding = binding_claim_credential(
        user=student, certificate_number=GOOD, graduation_year=2025, institution_code="10001"
    )
    assert binding.credential_id == credential.pk


def test_only_the_province_office_approver_corrects_it_after_publication_and_the_before_is_kept(office) -> None:
    credential = _published(office)
    with pytest.raises(ValidationError):
        self_study_credential_correct(actor=office, credential=credential, changes={"state": "draft"}, reason="x")
    approver = _staff("zikao11a", "self_study", "approver", province="11")
    corrected = self_study_credential_correct(
        actor=approver, credential=credential, changes={"major_name": "汉语言文学（师范）"}, reason="省自考办核准"
    )
    assert corrected.major_name == "汉语言文学（师范）"
    entry = AuditEntry.objects.filter(action="registry.credential.self_study_corrected").get()
    assert entry.before == {"major_name": "汉语言文学"}


def test_a_self_study_office_sees_its_own_province_and_the_national_office_sees_all(office) -> None:
    credential = _published(office)
    other = _staff("zikao31", "self_study", "registrar", province="31")
    national = _staff("zikao00", "self_study", "auditor")
    assert Credential.objects.filter(self_study_scope(office)).get() == credential
    assert not Credential.objects.filter(self_study_scope(other)).exists()
    assert Credential.objects.filter(self_study_scope(national)).get() == credential


def test_a_school_cannot_edit_or_publish_a_self_study_credential_it_co_signs(office) -> None:
    from xuedang.institutions.models import Institution
    from xuedang.registry.selectors import credentials_due
    from xuedang.registry.services import credential_update, credentials_due_pks

    credential = self_study_credentials_register(actor=office, province_code="11", rows=[(2, row())])[0]
    with pytest.raises(ValidationError, match="自考"):
        credential_update(actor=None, credential=credential, changes={"minor": "x"}, reason="x")
    school = Institution.objects.get(code="10001")
    assert not credentials_due(institution=school, due_by=date(2030, 1, 1)).exists()
    assert credentials_due_pks(institution=school, due_by=date(2030, 1, 1)) == []


def test_the_archive_and_its_export_show_a_self_study_credential_as_such(office, student) -> None:
    from xuedang.conftest import login

    credential = _published(office)
    bindings_refresh(user=student)
    client = login(student)
    page = client.get(f"/archive/credentials/{credential.pk}/").content.decode()
    assert GOOD in page
    assert "高等教育自学考试 / self-study examinations" in page
    assert GOOD in client.get("/archive/export.json").content.decode()


def test_the_examining_institution_reads_a_self_study_credential_it_co_signs(office, registrar) -> None:
    from xuedang.conftest import login

    credential = _published(office)
    response = login(registrar).get(f"/school/credentials/{credential.pk}/")
    assert response.status_code == 200
    assert GOOD in response.content.decode()
