"""撤销 (第二十六条, issue 13 item 6): the school files, the province decides; on approval the
credential reads 「已撤销」 in verification, 零散查询 and the archive, the student's open reports
stop and the student is told; everything audited."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from xuedang.accounts.models import Notification
from xuedang.conftest import login
from xuedang.core.models import AuditEntry
from xuedang.registry import services
from xuedang.registry.models import Credential, CredentialState, EnrollmentState, RevocationRequest
from xuedang.reports.models import ReportState
from xuedang.reports.tests.factories import credential_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


def status_of(response) -> str:
    return re.search(r'id="verification-status" data-status="(\w+)"', response.content.decode()).group(1)


def file_and_approve(registrar, province_officer, credential, kind: str = "credential") -> RevocationRequest:
    registrar_client = login(registrar)
    response = registrar_client.post(
        f"/school/credentials/{credential.pk}/revoke/",
        {"kind": kind, "decision_number": "北大〔2026〕7号", "reason": "学历系冒名顶替取得"},
    )
    assert response.status_code == 302, response.content.decode()
    revocation = RevocationRequest.objects.get()
    assert Credential.objects.get(pk=credential.pk).state == CredentialState.PUBLISHED  # nothing yet
    response = login(province_officer).post(
        f"/school/revocations/{revocation.pk}/", {"decision": "approve", "note": ""}
    )
    assert response.status_code == 302, response.content.decode()
    revocation.refresh_from_db()
    return revocation


def test_an_approved_revocation_reads_revoked_everywhere_and_stops_the_students_reports(
    student, registrar, province_officer
) -> None:
    report = credential_report(student)
    credential = report.credential
    revocation = file_and_approve(registrar, province_officer, credential)
    assert revocation.state == "approved"
    assert Credential.objects.get(pk=credential.pk).state == CredentialState.REVOKED
    report.refresh_from_db()
    assert report.state == ReportState.REVOKED
    verified = Client().post("/verify/", {"code": report.code}, REMOTE_ADDR="203.0.113.7")
    assert status_of(verified) == "revoked"
    assert "已撤销" in verified.content.decode()
    lookup = Client().post(
        "/verify/lookup/",
        {"certificate_number": credential.certificate_number, "name": "吉𠮷"},
        REMOTE_ADDR="203.0.113.8",
    )
    assert "已撤销" in lookup.content.decode()
    archive = login(student).get(f"/archive/credentials/{credential.pk}/").content.decode()
    assert "已撤销" in archive
    revoked = [n.text for n in Notification.objects.filter(user=student) if "已撤销" in n.text]
    assert revoked == [
        f"您的学历（证书编号 {credential.certificate_number}）已撤销：学历系冒名顶替取得（北大〔2026〕7号）"
        " / your credential was revoked"
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "registry.revocation.filed",
        "registry.revocation.approved",
        "registry.credential.revoked",
        "reports.report.revoked",
    } <= actions


def test_cancelling_the_enrollment_after_publication_revokes_both(student, registrar, province_officer) -> None:
    credential = credential_report(student).credential
    file_and_approve(registrar, province_officer, credential, kind="enrollment")
    credential.enrollment.refresh_from_db()
    assert credential.enrollment.state == EnrollmentState.REVOKED
    change = credential.enrollment.changes.get(change_code="18")
    assert change.decision_number == "北大〔2026〕7号"


def test_a_rejection_needs_a_reason_and_changes_nothing(student, registrar, province_officer) -> None:
    credential = credential_report(student).credential
    revocation = services.revocation_file(
        actor=registrar, credential=credential, kind="credential", reason="x", decision_number="文1"
    )
    with pytest.raises(ValidationError) as error:
        services.revocation_decide(actor=province_officer, revocation=revocation, approve=False, note="")
    assert "note" in error.value.message_dict
    services.revocation_decide(actor=province_officer, revocation=revocation, approve=False, note="证据不足")
    assert Credential.objects.get(pk=credential.pk).state == CredentialState.PUBLISHED


def test_the_school_cannot_approve_its_own_revocation_nor_file_two(student, registrar) -> None:
    credential = credential_report(student).credential
    revocation = services.revocation_file(
        actor=registrar, credential=credential, kind="credential", reason="x", decision_number="文1"
    )
    with pytest.raises(ValidationError) as error:
        services.revocation_decide(actor=registrar, revocation=revocation, approve=True)
    assert error.value.error_dict["state"][0].code == "forbidden"
    with pytest.raises(ValidationError) as error:
        services.revocation_file(
            actor=registrar, credential=credential, kind="credential", reason="y", decision_number="文2"
        )
    assert "credential" in error.value.message_dict
    assert Credential.objects.get(pk=credential.pk).state == CredentialState.PUBLISHED


def test_an_unpublished_credential_is_corrected_not_revoked(registrar) -> None:
    from datetime import date

    from xuedang.conftest import make_enrollment

    credential = services.credential_register(
        actor=None, enrollment=make_enrollment(), kind="graduation", study_end=date(2025, 7, 1)
    )
    with pytest.raises(ValidationError) as error:
        services.revocation_file(
            actor=registrar, credential=credential, kind="credential", reason="x", decision_number="文1"
        )
    assert error.value.error_dict["credential"][0].code == "not_published"
