"""补录 through the pages: the school's file (all or nothing), the province's decision, and the
student's manual binding with the number typed "NO.00298959"."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from xuedang.conftest import _staff, login
from xuedang.institutions.models import Institution
from xuedang.registry.models import BackRegistrationBatch, Credential, CredentialState
from xuedang.registry.services import BACK_REGISTRATION_COLUMNS

pytestmark = pytest.mark.django_db

HEADER = ",".join(BACK_REGISTRATION_COLUMNS.values())
GOOD = "NO.00298959,吉𠮷,女,1949-12-31,,,中国语言文学,本科,毕业,4,1991-09-01,1995-07-01,吴树青"
BAD = "NO.00298960,王五,男,1972-01-01,,,中国语言文学,本科,毕业,4,1991-09-01,2005-07-01,"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def submit(client, lines: list[str]):
    content = ("\n".join([HEADER, *lines]) + "\n").encode("gb18030")  # schools' old systems write GBK
    pku = Institution.objects.get(code="10001").pk
    return client.post("/back-registration/", {"institution": pku, "file": SimpleUploadedFile("1995.csv", content)})


def test_one_bad_row_refuses_the_file_and_names_it(registrar) -> None:
    response = submit(login(registrar), [GOOD, BAD])
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="back-registration-problems"' in page
    assert "第 3 行“毕业日期”" in page
    assert not BackRegistrationBatch.objects.exists()
    assert not Credential.objects.exists()


def test_the_province_approves_the_batch_and_the_graduate_binds_it_by_hand(registrar, student) -> None:
    assert submit(login(registrar), [GOOD]).status_code == 302
    batch = BackRegistrationBatch.objects.get()
    assert login(registrar).post(f"/back-registration/{batch.pk}/", {"decision": "approve"}).status_code == 404
    officer = login(_staff("prov11", "province", "approver", province="11"))
    refused = officer.post(f"/back-registration/{batch.pk}/", {"decision": "reject", "note": ""})
    assert refused.status_code == 400  # refusing needs reasons
    assert officer.post(f"/back-registration/{batch.pk}/", {"decision": "approve"}).status_code == 302
    assert Credential.objects.get().state == CredentialState.PUBLISHED
    claimed = login(student).post(
        "/archive/bind/credential/",
        {"certificate_number": "NO.00298959", "graduation_year": "1995", "institution_code": "10001"},
    )
    assert claimed.status_code == 302
    assert student.bindings.filter(credential=Credential.objects.get()).exists()


def test_another_province_neither_sees_nor_decides_the_batch(registrar) -> None:
    submit(login(registrar), [GOOD])
    batch = BackRegistrationBatch.objects.get()
    shanghai = login(_staff("prov31", "province", "approver", province="31"))
    assert shanghai.get(f"/back-registration/{batch.pk}/").status_code == 404
    assert shanghai.post(f"/back-registration/{batch.pk}/", {"decision": "approve"}).status_code == 404
