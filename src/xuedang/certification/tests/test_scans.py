"""The applicant's scans (decision 0030): shown to the applicant, the centre's reviewer and the school
asked to check, never to anyone else (the same 404 as a missing one); a staff member's sight is in
the applicant's access log."""

from __future__ import annotations

import pytest

from xuedang.certification.models import AuthenticationApplication, Scan
from xuedang.certification.tests.test_authentication_pages import files
from xuedang.conftest import _staff, login
from xuedang.registry.models import AccessEvent, ViewerKind

pytestmark = pytest.mark.django_db

FORM = {
    "institution_code": "10001",
    "certificate_number": "NO.00100001",
    "graduation_year": "1988",
    "report_zh": "on",
}


def _applied(student) -> AuthenticationApplication:
    assert login(student).post("/certification/apply/", FORM | files()).status_code == 302
    return AuthenticationApplication.objects.get()


def test_applicant_reviewer_and_asked_school_see_the_scans_and_nobody_else(
    student, other_student, registrar, other_school_registrar
) -> None:
    application = _applied(student)
    stored = {scan.kind: bytes(scan.image) for scan in Scan.objects.filter(application=application)}
    url = f"/certification/{application.pk}/scans/"
    for kind in ("certificate", "id_card"):
        response = login(student).get(url + kind)
        assert response.status_code == 200
        assert response.content == stored[kind]
        assert response["Content-Type"] in ("image/jpeg", "image/png")
        assert "no-store" in response["Cache-Control"]
    assert not AccessEvent.objects.exists()  # the applicant's own look is not an access by someone else

    reviewer = login(_staff("centre_reviewer", "centre", "approver"))
    page = reviewer.get(f"/certification/review/{application.pk}/").content.decode()
    assert f'src="{url}certificate"' in page
    assert f'src="{url}id_card"' in page
    assert 'alt="申请人上传的证书扫描件 / certificate scan"' in page
    assert reviewer.get(url + "id_card").content == stored["id_card"]
    event = AccessEvent.objects.get()
    assert event.identity_digest == student.identity_digest
    assert event.viewer_kind == ViewerKind.STAFF
    assert "证件扫描件" in event.seen

    # before the centre asks, the school sees nothing; another student or school never does
    assert login(registrar).get(url + "certificate").status_code == 404
    for reviewer_action in ("accept", "ask_school"):
        reviewer.post(f"/certification/review/{application.pk}/", {"action": reviewer_action})
    check = application.checks.get()
    school = login(registrar)
    assert f'src="{url}certificate"' in school.get(f"/certification/checks/{check.pk}/").content.decode()
    assert school.get(url + "certificate").content == stored["certificate"]
    for outsider in (other_student, other_school_registrar):
        assert login(outsider).get(url + "certificate").status_code == 404
    assert login(student).get(url + "diploma").status_code == 404
    assert login(student).get(f"/certification/{application.pk + 1}/scans/certificate").status_code == 404
