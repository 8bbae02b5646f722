"""The 自考办's pages through HTTP: the file (all or nothing), photo, publication, correction, scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xuedang.conftest import _staff, login
from xuedang.core.audit import AuditEntry
from xuedang.registry.models import Credential, CredentialState
from xuedang.registry.services import SELF_STUDY_COLUMNS
from xuedang.reports.tests.factories import photo_bytes

pytestmark = pytest.mark.django_db

HEADER = ",".join(SELF_STUDY_COLUMNS.values())
ROWS = [
    "65110105251000127,吉𠮷,女,1949-12-31,居民身份证,11010519491231002X,01,050101,汉语言文学,本科,10001,2021-04-10,2025-06-30,龚旗煌",
    "65110105251000135,王五,男,1990-01-01,,110105199001010010,01,050101,汉语言文学,本科,10001,2021-04-10,2025-06-30,龚旗煌",
]


def upload(client, lines: list[str], province: str = "11"):
    content = ("\ufeff" + "\n".join([HEADER, *lines]) + "\n").encode()
    return client.post(
        "/self-study/", {"province_code": province, "file": SimpleUploadedFile("zikao.csv", content, "text/csv")}
    )


@pytest.fixture
def office(db):
    return login(_staff("zikao11", "self_study", "registrar", province="11"))


def test_a_file_with_one_bad_certificate_number_is_refused_by_row_and_writes_nothing(office) -> None:
    bad = ROWS[1].replace("65110105251000135", "6511010525100013X")
    response = upload(office, [ROWS[0], bad])
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="self-study-problems"' in page
    assert "第 3 行“证书编号”" in page
    assert "17 位" in page
    assert Credential.objects.count() == 0


def test_a_good_file_registers_every_row_and_the_office_publishes_each_with_its_photo(office) -> None:
    response = upload(office, ROWS)
    assert response.status_code == 302
    assert Credential.objects.filter(source="self_study", province_code="11").count() == 2
    credential = Credential.objects.get(certificate_number="65110105251000127")
    page = office.get(f"/self-study/{credential.pk}/").content.decode()
    assert "110105********002X" in page
    assert "11010519491231002X" not in page
    photo = SimpleUploadedFile("p.jpg", photo_bytes(), "image/jpeg")
    assert office.post(f"/self-study/{credential.pk}/photo/", {"image": photo}).status_code == 302
    assert office.post(f"/self-study/{credential.pk}/publish/").status_code == 302
    credential.refresh_from_db()
    assert credential.state == CredentialState.PUBLISHED
    assert AuditEntry.objects.filter(action="registry.credential.published", target_id=str(credential.pk)).exists()


def test_the_province_approver_corrects_a_published_one_and_the_registrar_cannot(office) -> None:
    upload(office, ROWS[:1])
    credential = Credential.objects.get()
    office.post(f"/self-study/{credential.pk}/photo/", {"image": SimpleUploadedFile("p.jpg", photo_bytes())})
    office.post(f"/self-study/{credential.pk}/publish/")
    correction = {"field": "major_name", "value": "汉语言文学（师范）", "reason": "省自考办核准"}
    assert office.post(f"/self-study/{credential.pk}/correct/", correction).status_code == 404
    approver = login(_staff("zikao11a", "self_study", "approver", province="11"))
    assert approver.post(f"/self-study/{credential.pk}/correct/", correction).status_code == 302
    credential.refresh_from_db()
    assert credential.major_name == "汉语言文学（师范）"


def test_another_province_office_sees_nothing_and_the_national_office_reads_all(office) -> None:
    upload(office, ROWS[:1])
    credential = Credential.objects.get()
    shanghai = login(_staff("zikao31", "self_study", "registrar", province="31"))
    assert credential.certificate_number not in shanghai.get("/self-study/").content.decode()
    assert shanghai.get(f"/self-study/{credential.pk}/").status_code == 404
    assert shanghai.post(f"/self-study/{credential.pk}/publish/").status_code == 404
    assert upload(shanghai, ROWS[:1], province="11").status_code == 400  # 11 is not among its provinces
    national = login(_staff("zikao00", "self_study", "auditor"))
    assert credential.certificate_number in national.get("/self-study/").content.decode()
    assert national.get(f"/self-study/{credential.pk}/").status_code == 200
    assert national.post("/self-study/", {}).status_code == 404  # reads only; registers nothing


def test_a_school_registrar_has_no_self_study_pages(registrar) -> None:
    assert login(registrar).get("/self-study/").status_code == 404


def test_a_centre_user_administrator_invites_a_province_self_study_registrar(centre_admin, registrar) -> None:
    from django.core.exceptions import ValidationError

    from xuedang.accounts.services.invitations import invitation_check

    invitation_check(actor=centre_admin, scope="self_study", roles=["registrar"], province_code="11")
    invitation_check(actor=centre_admin, scope="self_study", roles=["auditor"], province_code="")  # national
    with pytest.raises(ValidationError):
        invitation_check(actor=registrar, scope="self_study", roles=["registrar"], province_code="11")
    with pytest.raises(ValidationError):
        invitation_check(actor=centre_admin, scope="self_study", roles=["registrar"], province_code="99")
