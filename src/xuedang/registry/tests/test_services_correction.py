"""A registrar fixes their own mistakes before publication (issue 13 item 10); majors agree
with the level (item 12)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from xuedang.conftest import login, make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.registry import services
from xuedang.registry.models import Credential, Enrollment

pytestmark = pytest.mark.django_db


def test_a_registrar_corrects_a_name_typo_and_the_draft_credential_follows(registrar) -> None:
    enrollment = make_enrollment(name="吉吉")
    credential = services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1)
    )
    response = login(registrar).post(
        f"/school/enrollments/{enrollment.pk}/correct/",
        {
            "name": "吉𠮷",
            "gender": enrollment.gender,
            "birth_date": enrollment.birth_date.isoformat(),
            "ethnicity": enrollment.ethnicity,
            "major_code": "080717T",
            "major_name": "人工智能",
            "department": enrollment.department,
            "class_name": "",
            "reason": "录入错误",
        },
    )
    assert response.status_code == 302, response.content.decode()
    enrollment.refresh_from_db()
    credential.refresh_from_db()
    assert (enrollment.name, enrollment.major_name) == ("吉𠮷", "人工智能")
    assert (credential.name, credential.major_code) == ("吉𠮷", "080717T")
    entry = AuditEntry.objects.get(action="registry.enrollment.corrected")
    assert entry.before == {"name": "吉吉", "major_code": "080901", "major_name": "计算机科学与技术"}


def test_after_publication_a_correction_goes_through_the_province() -> None:
    enrollment = make_enrollment()
    credential = services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1)
    )
    Credential.objects.filter(pk=credential.pk).update(state="published")
    with pytest.raises(ValidationError) as error:
        services.enrollment_correct(actor=None, enrollment=enrollment, changes={"name": "王五"}, reason="录入错误")
    assert error.value.error_dict["enrollment"][0].code == "published"
    assert Enrollment.objects.get(pk=enrollment.pk).name == "吉𠮷"


def test_a_correction_must_still_agree_with_the_id_number() -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        services.enrollment_correct(
            actor=None, enrollment=enrollment, changes={"birth_date": date(2001, 1, 1)}, reason="录入错误"
        )
    assert "birth_date" in error.value.message_dict


def test_the_id_number_is_not_a_school_correction() -> None:
    enrollment = make_enrollment()
    with pytest.raises(ValidationError) as error:
        services.enrollment_correct(
            actor=None, enrollment=enrollment, changes={"document_number": "440304200306151232"}, reason="x"
        )
    assert "changes" in error.value.message_dict


@pytest.mark.parametrize(
    ("level", "code", "ok"),
    [
        ("05", "080901", True),
        ("06", "510201", True),
        ("05", "0812", False),
        ("01", "0812", True),
        ("02", "080901", False),
    ],
)
def test_level_and_major_code_must_agree(level: str, code: str, ok: bool) -> None:
    assert (services.major_code_problem(level, code) == "") is ok
    if ok:
        return
    with pytest.raises(ValidationError) as error:
        make_enrollment(level=level, major_code=code)
    assert error.value.error_dict["major_code"][0].code == "major_level"


def test_the_enrollment_form_preselects_no_level_gender_or_study_form(registrar) -> None:
    page = login(registrar).get("/school/enrollments/new/").content.decode()
    for field in ("gender", "level", "study_form"):
        select = page.split(f'name="{field}"', 1)[1].split("</select>", 1)[0]
        # a browser shows the first option when none is chosen: it must be the empty one
        first = select.split("<option", 2)[1]
        assert first.startswith(' value=""'), field
        assert select.count("selected") == select.count('value="" selected'), field


def test_the_enrollment_form_refuses_a_graduate_major_for_a_bachelor_and_asks_about_odd_birth_dates(
    registrar,
) -> None:
    from xuedang.registry.tests.test_views import _student_form

    client = login(registrar)
    response = client.post("/school/enrollments/new/", _student_form(major_code="0701"))
    assert "本科、专科专业代码应为 6 位" in response.content.decode()
    response = client.post("/school/enrollments/new/", _student_form(birth_date_confirmed=""))
    assert "入学时 76 岁" in response.content.decode()
    assert not Enrollment.objects.exists()
    response = client.post("/school/enrollments/new/", _student_form())
    assert response.status_code == 302
