"""补录 (1991–2001): a school's file, the province's approval of the batch, binding by hand with
a free-form number, verification; all or nothing (decision 0029)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from xuedang.archive.services import binding_claim_credential, bindings_refresh
from xuedang.conftest import _staff
from xuedang.core.audit import AuditEntry
from xuedang.institutions.models import Institution
from xuedang.registry.models import BackRegistrationState, Credential, CredentialSource, CredentialState
from xuedang.registry.services import (
    BackRegistrationRejected,
    back_registration_decide,
    back_registration_submit,
)

pytestmark = pytest.mark.django_db


def row(**overrides: str) -> dict[str, str]:
    values = {
        "certificate_number": "NO.00298959",
        "name": "吉𠮷",
        "gender": "女",
        "birth_date": "1949-12-31",
        "document_number": "11010519491231002X",
        "major_name": "中国语言文学",
        "level": "本科",
        "kind": "毕业",
        "length_years": "4",
        "study_start": "1991-09-01",
        "study_end": "1995-07-01",
        "president_name": "吴树青",
    }
    return values | overrides


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def pku(db) -> Institution:
    return Institution.objects.get(code="10001")


def approved(registrar, pku, rows) -> list[Credential]:
    batch = back_registration_submit(actor=registrar, institution=pku, rows=rows, filename="1995.csv")
    back_registration_decide(actor=_staff("prov11", "province", "approver", province="11"), batch=batch, approve=True)
    return list(batch.credentials.order_by("id"))


def test_a_file_with_one_bad_row_writes_nothing(registrar, pku) -> None:
    rows = [(2, row()), (3, row(certificate_number="298960", study_end="2003-07-01", name="王五"))]
    with pytest.raises(BackRegistrationRejected) as refused:
        back_registration_submit(actor=registrar, institution=pku, rows=rows)
    assert [(p.row, p.column) for p in refused.value.problems] == [(3, "毕业日期")]
    assert Credential.objects.count() == 0


def test_one_number_typed_two_ways_in_one_file_is_a_duplicate(registrar, pku) -> None:
    rows = [(2, row()), (3, row(certificate_number="298959", name="王五", document_number=""))]
    with pytest.raises(BackRegistrationRejected) as refused:
        back_registration_submit(actor=registrar, institution=pku, rows=rows)
    assert [(p.row, p.column) for p in refused.value.problems] == [(3, "证书编号")]


def test_nothing_is_queryable_until_the_province_approves(registrar, pku, student) -> None:
    batch = back_registration_submit(actor=registrar, institution=pku, rows=[(2, row())])
    credential = batch.credentials.get()
    assert (credential.source, credential.state) == (CredentialSource.BACK_REGISTERED, CredentialState.DRAFT)
    assert bindings_refresh(user=student) == 0
    with pytest.raises(ValidationError):  # the submitter does not approve their own batch
        back_registration_decide(actor=registrar, batch=batch, approve=True)
    approver = _staff("prov11", "province", "approver", province="11")
    back_registration_decide(actor=approver, batch=batch, approve=True)
    credential.refresh_from_db()
    assert credential.state == CredentialState.PUBLISHED
    assert AuditEntry.objects.filter(action="registry.back_registration.approved").count() == 1


def test_a_1995_credential_typed_no_00298959_binds_by_hand(registrar, pku, student) -> None:
    credential = approved(registrar, pku, [(2, row(document_number=""))])[0]
    assert credential.certificate_number == "NO.00298959"
    assert credential.identity_digest == ""  # the oldest records may have no ID
    binding = binding_claim_credential(
        user=student, certificate_number="NO.00298959", graduation_year=1995, institution_code="10001"
    )
    assert binding.credential_id == credential.pk


@pytest.mark.parametrize("typed", ["00298959", "298959", "no.00298959"])
def test_the_number_typed_without_its_prefix_or_zeros_binds_too(registrar, pku, student, typed) -> None:
    credential = approved(registrar, pku, [(2, row())])[0]
    binding = binding_claim_credential(
        user=student, certificate_number=typed, graduation_year=1995, institution_code="10001"
    )
    assert binding.credential_id == credential.pk


def test_a_back_registered_credential_is_verified_by_lookup(registrar, pku) -> None:
    approved(registrar, pku, [(2, row())])
    page = Client().post("/verify/lookup/", {"certificate_number": "298959", "name": "吉𠮷"}).content.decode()
    assert 'id="lookup-result"' in page
    assert "NO.00298959" in page


def test_a_refused_batch_states_its_reasons_and_the_school_may_submit_again(registrar, pku) -> None:
    batch = back_registration_submit(actor=registrar, institution=pku, rows=[(2, row())])
    approver = _staff("prov11", "province", "approver", province="11")
    with pytest.raises(ValidationError):
        back_registration_decide(actor=approver, batch=batch, approve=False, note="")
    back_registration_decide(actor=approver, batch=batch, approve=False, note="缺毕业生登记表 / no graduate register")
    batch.refresh_from_db()
    assert batch.state == BackRegistrationState.REJECTED
    assert batch.credentials.get().state == CredentialState.DRAFT
    again = back_registration_submit(actor=registrar, institution=pku, rows=[(2, row())])
    assert again.state == BackRegistrationState.PENDING


def test_another_school_may_hold_the_same_old_serial(registrar, pku) -> None:
    approved(registrar, pku, [(2, row())])
    fudan = Institution.objects.get(code="10246")
    other = _staff("fdu", "institution", "registrar", school="10246")
    batch = back_registration_submit(actor=other, institution=fudan, rows=[(2, row(name="王五", document_number=""))])
    assert batch.rows == 1


def test_the_report_and_its_verification_mark_the_credential_as_back_registered(registrar, pku, student) -> None:
    from xuedang.reports.services import report_create

    credential = approved(registrar, pku, [(2, row())])[0]
    bindings_refresh(user=student)
    report = report_create(student=student, record=credential, lang="zh", months=3)
    page = Client().get(f"/verify/{report.code}", REMOTE_ADDR="203.0.113.7").content.decode()
    assert 'data-status="valid"' in page
    assert "补录（1991–2001 年历史学历" in page
    english = report_create(student=student, record=credential, lang="en", months=3)
    assert "Back-registered historical credential" in Client().get(f"/verify/{english.code}").content.decode()
