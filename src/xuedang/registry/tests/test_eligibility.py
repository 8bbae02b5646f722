"""资格复查 (issue 14 item 2): a new student is registered only against a reviewed 录取 that matches
考生号 + ID + name; the kinds with no 录取 here need the province's approval (decision 0026)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from xuedang.conftest import _staff, login, make_reviewed_admission
from xuedang.institutions.models import Institution
from xuedang.registry import services
from xuedang.registry.models import Admission, EligibilityWaiver, Enrollment

pytestmark = pytest.mark.django_db


def _register(exam_number: str = "26110101000001", *, name: str = "吉𠮷", number: str = "11010519491231002X", **extra):
    identity = services.identity_validate(
        name=name,
        gender=extra.pop("gender", "2"),
        birth_date=extra.pop("birth_date", date(1949, 12, 31)),
        ethnicity="01",
        document_type=extra.pop("document_type", "resident_id"),
        document_number=number,
    )
    fields = {
        "major_code": "070101",
        "major_name": "数学与应用数学",
        "level": "05",
        "study_form": "1",
        "length_years": Decimal(4),
        "entry_date": date(2026, 9, 1),
        "expected_graduation_date": date(2030, 7, 1),
    } | extra
    return services.new_student_register(
        actor=None,
        institution=Institution.objects.get(code="10001"),
        exam_number=exam_number,
        identity=identity,
        student_number="2026000001",
        **fields,
    )


def test_without_a_reviewed_admission_the_registration_is_refused_naming_the_missing_match() -> None:
    with pytest.raises(ValidationError) as error:
        _register()
    assert "考生号、证件号码和姓名均一致且已通过中心复核的录取数据" in error.value.message_dict["exam_number"][0]
    make_reviewed_admission(review="province_approved")  # not yet re-checked by the centre
    with pytest.raises(ValidationError):
        _register()
    assert not Enrollment.objects.exists()


def test_the_id_and_the_name_must_match_the_admission_in_any_form_the_validators_accept() -> None:
    admission = make_reviewed_admission()
    with pytest.raises(ValidationError) as other_id:
        _register(number="440304200306151232", gender="1", birth_date=date(2003, 6, 15))
    assert "证件号码与该考生号的录取数据不一致" in other_id.value.message_dict["document_number"][0]
    with pytest.raises(ValidationError) as other_name:
        _register(name="吉吉")
    assert "姓名与该考生号的录取数据不一致" in other_name.value.message_dict["name"][0]
    enrollment = _register(number="11010519491231002x")  # lower-case check letter: the same ID
    admission.refresh_from_db()
    assert enrollment.admission == admission
    assert admission.state == "registered"


def test_a_student_from_abroad_needs_the_provinces_approval_first(registrar, province_officer) -> None:
    passport = {"document_type": "passport", "gender": "1", "birth_date": date(2006, 5, 1), "level": "05"}
    with pytest.raises(ValidationError) as error:
        _register("", name="John Smith", number="E12345678", **passport)
    assert "须先经省级教育行政部门批准" in error.value.message_dict["exam_number"][0]
    page = login(registrar).post(
        "/school/waivers/",
        {
            "institution": Institution.objects.get(code="10001").pk,
            "category": "hkmt_international",
            "name": "John Smith",
            "gender": "1",
            "birth_date": "2006-05-01",
            "document_type": "passport",
            "document_number": "E12345678",
            "reason": "来华留学生，学校自主录取",
        },
    )
    assert page.status_code == 302
    waiver = EligibilityWaiver.objects.get()
    assert login(registrar).post(f"/school/waivers/{waiver.pk}/decide/", {"decision": "approve"}).status_code == 404
    with pytest.raises(ValidationError):
        services.eligibility_waiver_decide(actor=registrar, waiver=waiver, approve=True)
    login(province_officer).post(f"/school/waivers/{waiver.pk}/decide/", {"decision": "approve"})
    waiver.refresh_from_db()
    assert waiver.state == "approved"
    enrollment = _register("", name="John Smith", number="E12345678", **passport)
    waiver.refresh_from_db()
    assert waiver.enrollment == enrollment
    assert not Admission.objects.exists()


def test_a_rejection_needs_a_reason_and_a_graduate_student_also_needs_the_province(province_officer) -> None:
    with pytest.raises(ValidationError) as error:
        _register("", level="02", major_code="0701")
    assert "须先经省级教育行政部门批准" in error.value.message_dict["exam_number"][0]
    identity = services.identity_validate(
        name="吉𠮷",
        gender="2",
        birth_date=date(1949, 12, 31),
        ethnicity="",
        document_type="resident_id",
        document_number="11010519491231002X",
    )
    waiver = services.eligibility_waiver_file(
        actor=_staff("reg2", "institution", "registrar", school="10001"),
        institution=Institution.objects.get(code="10001"),
        category="graduate",
        identity=identity,
        reason="硕士研究生，学校录取",
    )
    with pytest.raises(ValidationError):
        services.eligibility_waiver_decide(actor=province_officer, waiver=waiver, approve=False)
    services.eligibility_waiver_decide(actor=province_officer, waiver=waiver, approve=False, note="材料不全")
    with pytest.raises(ValidationError):
        _register("", level="02", major_code="0701")
