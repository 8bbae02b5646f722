"""Download and print of the signed PDF (rendering and signing: reports/pdf.py, tested in test_pdf.py)."""

from __future__ import annotations

import pytest

from xuedang.conftest import login
from xuedang.reports.tests.factories import credential_report

pytest.importorskip("xuedang.reports.pdf")
pytestmark = pytest.mark.django_db


def test_the_student_downloads_and_prints_the_signed_pdf_of_an_active_report(student, other_student) -> None:
    report = credential_report(student)
    client = login(student)
    download = client.get(f"/archive/reports/{report.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download.content.startswith(b"%PDF")
    assert b"/ByteRange" in download.content
    printed = client.get(f"/archive/reports/{report.pk}/print/")
    assert printed.status_code == 200
    assert printed["Content-Disposition"].startswith("inline;")
    assert login(other_student).get(f"/archive/reports/{report.pk}/download/").status_code == 404


def test_with_a_required_timestamp_and_the_authority_down_the_student_is_told_to_retry(student, settings) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on: the TSA refuses at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SIGNING_TSA_URL = f"http://127.0.0.1:{port}/tsa"
    settings.SIGNING_TSA_REQUIRED = True
    report = credential_report(student)
    client = login(student)
    response = client.get(f"/archive/reports/{report.pk}/download/", follow=True)
    assert response.redirect_chain == [("/archive/reports/", 302)]
    assert "签名时间戳服务暂时不可用" in response.content.decode()
    settings.SIGNING_TSA_REQUIRED = False  # not required: the student gets the PDF, signed without a timestamp
    download = client.get(f"/archive/reports/{report.pk}/download/")
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")
