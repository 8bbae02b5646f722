"""The 认证报告: signed (pdfsig accepts it and flags a changed byte), the rare-character name exact in
the text layer, the English one in pinyin, and public verification's four answers, logged."""

from __future__ import annotations

import pytest
from django.test import Client

from xuedang.certification.authentication import (
    application_accept,
    application_decide,
    school_check_answer,
    school_check_request,
)
from xuedang.certification.tests.test_authentication import apply
from xuedang.conftest import _staff, login
from xuedang.registry.models import AccessEvent
from xuedang.reports.tests.helpers import one_byte_changed, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(student, registrar):
    reviewer = _staff("centre_reviewer", "centre", "approver")
    application = apply(student)
    application_accept(actor=reviewer, application=application)
    check = school_check_request(actor=reviewer, application=application)
    school_check_answer(actor=registrar, check=check, confirm=True, evidence="毕业生名册")
    application_decide(actor=reviewer, application=application, approve=True)
    application.refresh_from_db()
    return application


def test_the_signed_report_passes_pdfsig_and_a_changed_byte_breaks_it(student, approved, tmp_path) -> None:
    response = login(student).get(f"/certification/{approved.pk}/report-zh.pdf")
    assert response.status_code == 200
    pdf = response.content
    assert "Signature is Valid" in run("pdfsig", pdf, tmp_path)
    assert "Signature is Valid" not in run("pdfsig", one_byte_changed(pdf), tmp_path)
    text = run("pdftotext", pdf, tmp_path)
    assert "吉𠮷" in text
    assert "中国高等教育学历认证报告" in text
    assert approved.report_number in text


def test_the_english_report_names_the_graduate_in_pinyin(student, approved, tmp_path) -> None:
    pdf = login(student).get(f"/certification/{approved.pk}/report-en.pdf").content
    text = run("pdftotext", pdf, tmp_path)
    assert "Authentication Report" in text
    assert "JI" in text


def status(response) -> str:
    import re

    return re.search(r'data-status="(\w+)"', response.content.decode()).group(1)


def test_public_verification_answers_valid_unknown_malformed_and_logs_for_the_applicant(approved) -> None:
    client = Client()
    valid = client.post(
        "/certification/verify/", {"report_number": approved.report_number.lower(), "certificate_number": "00100001"}
    )
    assert status(valid) == "valid"
    assert AccessEvent.objects.filter(record_type="authentication", record_id=approved.pk).count() == 1
    wrong_number = {"report_number": approved.report_number, "certificate_number": "999"}
    assert status(client.post("/certification/verify/", wrong_number)) == "unknown"
    assert status(client.post("/certification/verify/", {"report_number": "ABC", "certificate_number": "1"})) == (
        "malformed"
    )


def test_a_registry_credential_is_authenticated_without_a_school_check_and_a_revocation_shows(student) -> None:
    from xuedang.registry.models import Credential
    from xuedang.reports.tests.factories import graduate

    credential = graduate(student)
    reviewer = _staff("centre_reviewer", "centre", "approver")
    application = apply(student, credential=credential, institution=None, certificate_number="", graduation_year=None)
    application_accept(actor=reviewer, application=application)
    application_decide(actor=reviewer, application=application, approve=True)
    application.refresh_from_db()
    form = {"report_number": application.report_number, "certificate_number": credential.certificate_number}
    assert status(Client().post("/certification/verify/", form)) == "valid"
    Credential.objects.filter(pk=credential.pk).update(state="revoked")  # as revocation_decide leaves it
    assert status(Client().post("/certification/verify/", form)) == "revoked"


def test_only_the_applicant_downloads_and_only_a_chosen_language(student, other_student, approved) -> None:
    assert login(other_student).get(f"/certification/{approved.pk}/report-zh.pdf").status_code == 404
    assert login(student).get(f"/certification/{approved.pk}/report-fr.pdf").status_code == 404


def test_verification_attempts_are_rate_limited(approved, settings) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.REPORTS_LOOKUP_RATE = "2/h"
    client = Client()
    form = {"report_number": "ABCDEFGHJKMNPQRS", "certificate_number": "1"}
    assert [client.post("/certification/verify/", form).status_code for _ in range(3)] == [200, 200, 429]
