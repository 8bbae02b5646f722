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
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download.content.startswith(b"%PDF") and b"/ByteRange" in download.content  # signed
    printed = client.get(f"/archive/reports/{report.pk}/print/")
    assert printed.status_code == 200 and printed["Content-Disposition"].startswith("inline;")
    assert login(other_student).get(f"/archive/reports/{report.pk}/download/").status_code == 404
