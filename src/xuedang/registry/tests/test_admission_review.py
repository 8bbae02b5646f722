"""录取 reviewed twice before a school sees it (issue 14 item 1): 已提交 → 省级审核通过 → 中心复核通过,
rows returned with their reasons, audited; the school sees and registers only re-checked rows."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from xuedang.conftest import login
from xuedang.core.models import AuditEntry
from xuedang.imports.tests.helpers import ADMISSIONS_HEADER, ADMISSIONS_ROWS
from xuedang.registry import services
from xuedang.registry.models import Admission, AdmissionBatch
from xuedang.registry.tests.test_admissions import reviewer

pytestmark = pytest.mark.django_db


def _submitted(tmp_path) -> AdmissionBatch:
    path = tmp_path / "admissions.csv"
    path.write_text(ADMISSIONS_HEADER + ADMISSIONS_ROWS, encoding="utf-8")
    with contextlib.suppress(SystemExit):
        call_command("import_file", str(path), institution="10001", kind="admissions")
    return AdmissionBatch.objects.get()


def _confirm(admission: Admission) -> None:
    services.admission_confirm(
        actor=None,
        admission=admission,
        student_number="2026000009",
        entry_date=date(2026, 9, 1),
        length_years=Decimal(4),
        expected_graduation_date=date(2030, 7, 1),
    )


def test_a_batch_goes_through_the_province_and_the_centre_with_a_row_returned(tmp_path, registrar) -> None:
    batch = _submitted(tmp_path)
    first, second = Admission.objects.order_by("exam_number")
    assert {first.review, second.review, batch.state} == {"submitted"}
    school = login(registrar)
    assert first.exam_number not in school.get("/school/admissions/").content.decode()
    assert school.get(f"/school/admissions/{first.pk}/").status_code == 404
    with pytest.raises(ValidationError):
        _confirm(first)  # not reviewed: the school cannot register from it

    with pytest.raises(ValidationError):  # the centre does not go first
        services.admission_batch_review(actor=reviewer("centre"), batch=batch, returned={})
    with pytest.raises(ValidationError) as no_reason:
        services.admission_batch_review(actor=reviewer("province"), batch=batch, returned={first.pk: " "})
    assert "说明原因" in no_reason.value.messages[0]
    services.admission_batch_review(
        actor=reviewer("province"), batch=batch, returned={first.pk: "身份证号与报名信息不符"}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.review, first.review_note) == ("returned", "身份证号与报名信息不符")
    assert second.review == "province_approved"
    with pytest.raises(ValidationError):  # the province's step is done
        services.admission_batch_review(actor=reviewer("province"), batch=batch, returned={})

    services.admission_batch_review(actor=reviewer("centre"), batch=batch, returned={})
    batch.refresh_from_db()
    second.refresh_from_db()
    assert (batch.state, second.review) == ("centre_approved", "centre_approved")
    listed = school.get("/school/admissions/").content.decode()
    assert second.exam_number in listed
    assert first.exam_number not in listed
    _confirm(second)
    entries = AuditEntry.objects.filter(action="registry.admission_batch.reviewed").order_by("id")
    assert [e.after["state"] for e in entries] == ["province_approved", "centre_approved"]
    assert entries[0].after["returned"] == {first.exam_number: "身份证号与报名信息不符"}


def test_the_review_pages_walk_the_steps_for_their_reviewers_only(tmp_path, registrar) -> None:
    batch = _submitted(tmp_path)
    first = Admission.objects.order_by("exam_number").first()
    province = login(reviewer("province"))
    assert f"/school/admission-batches/{batch.pk}/" in province.get("/school/admission-batches/").content.decode()
    assert login(registrar).get(f"/school/admission-batches/{batch.pk}/").status_code == 404
    refused = province.post(f"/school/admission-batches/{batch.pk}/", {"return": [str(first.pk)]})
    assert "说明原因" in refused.content.decode()
    response = province.post(
        f"/school/admission-batches/{batch.pk}/",
        {"return": [str(first.pk)], f"reason_{first.pk}": "专业代码有误"},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.state == "province_approved"
    assert 'id="review-button"' not in province.get(f"/school/admission-batches/{batch.pk}/").content.decode()
    centre = login(reviewer("centre"))
    assert centre.post(f"/school/admission-batches/{batch.pk}/", {}).status_code == 302
    batch.refresh_from_db()
    assert batch.state == "centre_approved"


def test_a_province_reviews_only_its_own_institutions_batches(tmp_path) -> None:
    from xuedang.conftest import _staff

    batch = _submitted(tmp_path)
    shanghai = _staff("sh_reviewer", "province", "approver", province="31")
    with pytest.raises(ValidationError):
        services.admission_batch_review(actor=shanghai, batch=batch, returned={})
    assert login(shanghai).get(f"/school/admission-batches/{batch.pk}/").status_code == 404
