"""录取 → 学籍: the province's admission data arrive, the school answers for each student."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from xuedang.imports.models import ImportJob
from xuedang.imports.tests.helpers import ADMISSIONS_HEADER, ADMISSIONS_ROWS
from xuedang.registry import services
from xuedang.registry.models import Admission, AdmissionBatch, Enrollment

pytestmark = pytest.mark.django_db


def _load(tmp_path, body: str = ADMISSIONS_ROWS) -> ImportJob:
    """The province's file, reviewed by the province and re-checked by the centre (issue 14)."""
    path = tmp_path / "admissions.csv"
    path.write_text(ADMISSIONS_HEADER + body, encoding="utf-8")
    with contextlib.suppress(SystemExit):
        call_command("import_file", str(path), institution="10001", kind="admissions")
    for batch in AdmissionBatch.objects.filter(state="submitted"):
        services.admission_batch_review(actor=reviewer("province"), batch=batch, returned={})
        services.admission_batch_review(actor=reviewer("centre"), batch=batch, returned={})
    return ImportJob.objects.order_by("-pk").first()


def reviewer(scope: str):
    from xuedang.accounts.models import User
    from xuedang.conftest import _staff

    name = f"{scope}_admissions_reviewer"
    return User.objects.filter(username=name).first() or _staff(
        name, scope, "approver", province="11" if scope == "province" else ""
    )


def test_admission_data_load_once_and_carry_onto_the_enrollment(tmp_path) -> None:
    job = _load(tmp_path)
    assert job.inserted_rows == 2, job.errors or job.message
    assert _load(tmp_path).skipped_rows == 2
    assert Admission.objects.count() == 2
    special, preparatory = Admission.objects.order_by("exam_number")
    assert special.admission_type == "03"
    assert preparatory.preparatory
    assert preparatory.ethnicity == "05"
    enrollment = services.admission_confirm(
        actor=None,
        admission=preparatory,
        student_number="2026000002",
        entry_date=date(2026, 9, 1),
        length_years=Decimal(5),
        expected_graduation_date=date(2031, 7, 1),
    )
    assert enrollment.preparatory
    assert enrollment.admission_type == "06"
    assert enrollment.admission == preparatory
    assert enrollment.exam_number == "26650101000002"
    assert enrollment.name == "阿依古丽·买买提"
    preparatory.refresh_from_db()
    assert preparatory.state == "registered"
    with pytest.raises(ValidationError):
        services.admission_confirm(
            actor=None,
            admission=preparatory,
            student_number="X",
            entry_date=date(2026, 9, 1),
            length_years=Decimal(5),
            expected_graduation_date=date(2031, 7, 1),
        )


def test_the_school_can_decline_defer_or_cancel_with_a_reason(tmp_path) -> None:
    _load(tmp_path)
    first, second = Admission.objects.order_by("exam_number")
    with pytest.raises(ValidationError):
        services.admission_decline(actor=None, admission=first, state="declined", reason=" ")
    services.admission_decline(actor=None, admission=first, state="deferred", reason="应征入伍")
    services.admission_decline(actor=None, admission=second, state="cancelled", reason="违规录取（第二十六条）")
    first.refresh_from_db()
    assert first.state == "deferred"
    assert first.state_reason == "应征入伍"
    enrollment = services.admission_confirm(
        actor=None,
        admission=first,
        student_number="2027000001",
        entry_date=date(2027, 9, 1),
        length_years=Decimal(4),
        expected_graduation_date=date(2031, 7, 1),
    )
    assert Enrollment.objects.get() == enrollment
    with pytest.raises(ValidationError):
        services.admission_decline(actor=None, admission=second, state="deferred", reason="x")


def test_a_candidate_number_admitted_as_someone_else_is_refused(tmp_path) -> None:
    _load(tmp_path)
    other = (
        ADMISSIONS_ROWS.splitlines()[0]
        .replace("吉𠮷,女,1949-12-31", "张三,女,2003-06-15")
        .replace("11010519491231002X", "440304200306151224")
        + "\n"
    )
    job = _load(tmp_path, other)
    assert job.state == "invalid"
    assert job.errors[0]["column"] == "考生号"


def test_a_registrar_confirms_and_declines_on_the_page(tmp_path, registrar) -> None:
    from xuedang.conftest import login

    _load(tmp_path)
    first, second = Admission.objects.order_by("exam_number")
    client = login(registrar)
    listing = client.get("/school/admissions/").content.decode()
    assert first.exam_number in listing
    assert "110105********002X" not in listing
    assert "110105********002X" in client.get(f"/school/admissions/{first.pk}/").content.decode()
    response = client.post(
        f"/school/admissions/{first.pk}/",
        {
            "action": "confirm",
            "confirm-student_number": "2026000001",
            "confirm-entry_date": "2026-09-01",
            "confirm-length_years": "4",
            "confirm-expected_graduation_date": "2030-07-01",
        },
    )
    enrollment = Enrollment.objects.get()
    assert response["Location"] == f"/school/enrollments/{enrollment.pk}/"
    page = client.post(
        f"/school/admissions/{second.pk}/", {"action": "decline", "decline-state": "declined", "decline-reason": ""}
    ).content.decode()
    assert "此项必填 / this field is required" in page
    client.post(
        f"/school/admissions/{second.pk}/", {"action": "decline", "decline-state": "declined", "decline-reason": "复读"}
    )
    second.refresh_from_db()
    assert second.state == "declined"
