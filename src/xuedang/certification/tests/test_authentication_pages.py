"""学历认证 through the pages: the applicant applies with uploads and follows the progress; the
centre's reviewer accepts and asks the school; the school answers in its queue; the reviewer decides."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xuedang.certification.models import ApplicationState, AuthenticationApplication
from xuedang.certification.tests.test_authentication import SCANS
from xuedang.conftest import _staff, login

pytestmark = pytest.mark.django_db


def files() -> dict[str, SimpleUploadedFile]:
    return {
        "certificate": SimpleUploadedFile("c.jpg", SCANS["certificate"], "image/jpeg"),
        "id_card": SimpleUploadedFile("i.png", SCANS["id_card"], "image/png"),
    }


def test_apply_review_school_check_and_authenticate_through_the_pages(student, registrar) -> None:
    applicant = login(student)
    form = {
        "institution_code": "北京大学",
        "certificate_number": "NO.00100001",
        "graduation_year": "1988",
        "level": "05",
        "major_name": "物理学",
        "report_zh": "on",
        "report_en": "on",
    }
    response = applicant.post("/certification/apply/", form | files())
    assert response.status_code == 302
    application = AuthenticationApplication.objects.get()
    assert application.institution.code == "10001"
    reviewer = login(_staff("centre_reviewer", "centre", "approver"))
    assert f"#{application.pk}" in reviewer.get("/certification/review/").content.decode()
    for action in ("accept", "ask_school"):
        assert reviewer.post(f"/certification/review/{application.pk}/", {"action": action}).status_code == 302
    check = application.checks.get()
    school = login(registrar)
    assert "NO.00100001" in school.get("/certification/checks/").content.decode()
    answer = {"answer": "confirm", "evidence": "1988 届毕业生名册"}
    assert school.post(f"/certification/checks/{check.pk}/", answer).status_code == 302
    assert reviewer.post(f"/certification/review/{application.pk}/", {"action": "approve"}).status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    page = applicant.get(f"/certification/{application.pk}/").content.decode()
    assert 'data-state="approved"' in page
    assert "学校已答复：属实" in page


def test_a_refusal_without_reasons_is_sent_back_with_the_field_named(student) -> None:
    login(student).post(
        "/certification/apply/",
        {"institution_code": "10001", "certificate_number": "1", "graduation_year": "1990", "report_zh": "on"}
        | files(),
    )
    application = AuthenticationApplication.objects.get()
    reviewer = login(_staff("centre_reviewer", "centre", "approver"))
    reviewer.post(f"/certification/review/{application.pk}/", {"action": "accept"})
    refused = reviewer.post(f"/certification/review/{application.pk}/", {"action": "refuse", "reasons": ""})
    assert refused.status_code == 400
    assert "理由" in refused.content.decode()


def test_an_upload_that_is_not_an_image_is_refused_and_nothing_is_written(student) -> None:
    bad = files() | {"certificate": SimpleUploadedFile("c.jpg", b"%PDF-1.4 pretending", "image/jpeg")}
    response = login(student).post(
        "/certification/apply/",
        {"institution_code": "10001", "certificate_number": "1", "graduation_year": "1990", "report_zh": "on"} | bad,
    )
    assert response.status_code == 400
    assert not AuthenticationApplication.objects.exists()
