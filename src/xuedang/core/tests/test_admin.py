"""The admin is for centre staff only, every save is audited, and nothing can be deleted."""

import pytest

from xuedang.conftest import login, make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.institutions.models import Institution

pytestmark = pytest.mark.django_db


def test_only_centre_staff_enter_the_admin(centre_admin, registrar, province_officer) -> None:
    assert login(centre_admin).get("/admin/").status_code == 200
    for user in (registrar, province_officer):
        response = login(user).get("/admin/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_the_admin_is_in_chinese_and_masks_id_numbers(centre_admin) -> None:
    enrollment = make_enrollment()
    page = login(centre_admin).get(f"/admin/registry/enrollment/{enrollment.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "110105********002X" in html
    assert "11010519491231002X" not in html
    assert "学籍" in html


def test_a_change_in_the_admin_is_audited_with_before_and_after(centre_admin) -> None:
    client = login(centre_admin)
    school = Institution.objects.get(code="10001")
    url = f"/admin/institutions/institution/{school.pk}/change/"
    form = {
        "name": school.name,
        "name_en": "Peking University",
        "province_code": "11",
        "authority": school.authority,
        "city": school.city,
        "level": school.level,
        "remarks": "",
        "credit_system": "on",
        "active": "on",
        "presidents-TOTAL_FORMS": "0",
        "presidents-INITIAL_FORMS": "0",
        "presidents-MIN_NUM_FORMS": "0",
        "presidents-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(action="institutions.institution.changed.admin").get()
    assert entry.actor == centre_admin
    assert entry.before == {"name_en": "", "credit_system": False}
    assert entry.after == {"name_en": "Peking University", "credit_system": True}


def test_registry_records_are_read_only_and_nothing_is_deletable(centre_admin) -> None:
    enrollment = make_enrollment()
    client = login(centre_admin)
    before = enrollment.major_name
    client.post(f"/admin/registry/enrollment/{enrollment.pk}/change/", {"major_name": "改"})
    enrollment.refresh_from_db()
    assert enrollment.major_name == before
    assert client.get(f"/admin/registry/enrollment/{enrollment.pk}/delete/").status_code == 403
    school = Institution.objects.get(code="10001")
    assert client.get(f"/admin/institutions/institution/{school.pk}/delete/").status_code == 403


def test_a_centre_auditor_reads_but_cannot_change(db) -> None:
    from xuedang.conftest import _staff

    auditor = _staff("auditor", "centre", "auditor")
    client = login(auditor)
    school = Institution.objects.get(code="10001")
    assert client.get("/admin/institutions/institution/").status_code == 200
    assert client.post(f"/admin/institutions/institution/{school.pk}/change/", {"name_en": "x"}).status_code == 403
    school.refresh_from_db()
    assert school.name_en == ""
