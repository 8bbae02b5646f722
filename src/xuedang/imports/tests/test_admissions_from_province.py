"""录取 comes from the province (issue 14 item 1): a school cannot submit admission data, by page
or by its system key; the province's admissions office can, for its own institutions."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xuedang.conftest import _staff, login
from xuedang.imports.models import ImportJob
from xuedang.imports.tests.helpers import ADMISSIONS_HEADER, ADMISSIONS_ROWS
from xuedang.institutions.models import Institution
from xuedang.institutions.services import api_key_issue

pytestmark = pytest.mark.django_db


def _pk(code: str) -> int:
    return Institution.objects.get(code=code).pk


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile("lq.csv", (ADMISSIONS_HEADER + ADMISSIONS_ROWS).encode())


def test_a_school_registrar_cannot_upload_admission_data(registrar) -> None:
    page = (
        login(registrar)
        .post("/school/imports/", {"institution": _pk("10001"), "kind": "admissions", "file": _file()})
        .content.decode()
    )
    assert "录取数据只能由生源省级招生考试机构提交" in page
    assert not ImportJob.objects.exists()


def test_a_schools_system_key_cannot_send_admission_data() -> None:
    _school, key = api_key_issue(actor=None, institution=Institution.objects.get(code="10001"), name="教务系统")
    response = Client().post(
        "/api/v1/school/imports",
        {"kind": "admissions", "file": _file()},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400
    assert "录取数据只能由生源省级招生考试机构提交" in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_the_provinces_admissions_office_uploads_for_its_own_institutions_only() -> None:
    office = login(_staff("zhaoban11", "province", "registrar", province="11"))
    response = office.post("/school/imports/", {"institution": _pk("10001"), "kind": "admissions", "file": _file()})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.kind, job.institution.code) == ("admissions", "10001")
    refused = office.post("/school/imports/", {"institution": _pk("10246"), "kind": "admissions", "file": _file()})
    assert refused.status_code == 200  # 复旦大学 is not in the office's province: not even a choice
    assert ImportJob.objects.count() == 1
