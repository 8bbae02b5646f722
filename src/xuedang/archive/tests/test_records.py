"""The student's record pages, the photo served only to them, the access log and the export."""

import json
from datetime import date

from xuedang.archive import services
from xuedang.archive.tests.helpers import graduate
from xuedang.conftest import login, make_enrollment, record_semester_start
from xuedang.registry import services as registry
from xuedang.registry.models import AccessEvent


def test_the_enrollment_page_shows_every_field_in_words_and_the_timeline(student, registrar) -> None:
    enrollment = make_enrollment()
    record_semester_start(2022, date(2022, 9, 1))
    registry.annual_registration_record(
        actor=registrar,
        enrollment=enrollment,
        academic_year=2022,
        status="registered",
        semester_start=date(2022, 9, 1),
        registered_on=date(2022, 9, 5),
    )
    registry.enrollment_change_record(
        actor=registrar,
        enrollment=enrollment,
        change_code="11",
        change_date=date(2023, 3, 1),
        changes={"state": "suspended"},
        reason="疾病",
        decision_number="校〔2022〕1号",
    )
    page = login(student).get(f"/archive/enrollments/{enrollment.pk}/").content.decode()
    for words in (
        "2021 年 9 月 1 日",
        "本科",
        "全日制",
        "计算机科学与技术",
        "汉族",
        "4 年",
        "11010519491231002X",
        "2022–2023 学年注册",
        "学籍异动：休学",
        "休学 / suspended",
        "信息科学技术学院",
    ):
        assert words in page, words


def test_a_student_who_has_left_sees_the_enrollment_file(student, registrar) -> None:
    enrollment = make_enrollment()
    registry.enrollment_cancel(
        actor=registrar,
        enrollment=enrollment,
        state="withdrawn",
        decision_date=date(2023, 5, 4),
        reason="自动退学",
        recorded_on=date(2023, 5, 5),
    )
    page = login(student).get(f"/archive/enrollments/{enrollment.pk}/").content.decode()
    assert "学籍档案" in page
    assert "退学 / withdrawn" in page
    assert "学籍异动：退学" in page


def test_the_credential_page_shows_article_17_and_the_photo_only_to_its_owner(student, other_student) -> None:
    credential = graduate(make_enrollment())
    client = login(student)
    page = client.get(f"/archive/credentials/{credential.pk}/").content.decode()
    for words in (
        "龚旗煌",
        credential.certificate_number,
        "2025 年 7 月 1 日",
        "毕业 / graduation",
        "北京大学",
        f"/archive/photos/{credential.photo_id}/",
    ):
        assert words in page, words
    photo = client.get(f"/archive/photos/{credential.photo_id}/")
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert photo["Cache-Control"] == "private, no-store"
    services.bindings_refresh(user=other_student)
    assert login(other_student).get(f"/archive/photos/{credential.photo_id}/").status_code == 404


def test_the_admission_page_shows_the_admission_in_words(student) -> None:
    from xuedang.archive.models import Admission
    from xuedang.institutions.models import Institution

    admission = Admission.objects.create(
        review="centre_approved",
        exam_number="26110101000009",
        year=2021,
        institution=Institution.objects.get(code="10001"),
        province_code="11",
        major_code="080901",
        major_name="计算机科学与技术",
        level="05",
        study_form="1",
        admission_type="01",
        name="吉𠮷",
        gender="2",
        birth_date=date(1949, 12, 31),
        identity_digest=student.identity_digest,
    )
    page = login(student).get(f"/archive/admissions/{admission.pk}/").content.decode()
    assert "北京市" in page
    assert "统招（普通批次）" in page
    assert "26110101000009" in page
    # a row still under review (or returned) is not shown to the student yet (issue 14)
    Admission.objects.filter(pk=admission.pk).update(review="province_approved")
    assert login(student).get(f"/archive/admissions/{admission.pk}/").status_code == 404


def test_staff_views_of_a_record_appear_on_the_students_access_page(student, registrar, province_officer) -> None:
    enrollment = make_enrollment()
    credential = graduate(enrollment)
    login(registrar).get(f"/school/enrollments/{enrollment.pk}/")
    login(province_officer).get(f"/school/credentials/{credential.pk}/")
    assert AccessEvent.objects.count() == 2
    page = login(student).get("/archive/access/").content.decode()
    assert "北京大学" in page
    assert "北京市教育行政部门" in page
    assert "学籍（全部字段）" in page
    assert "学历（全部字段）" in page
    assert "registrar" not in page  # the organisation, not the officer's login


def test_the_access_page_shows_nothing_of_another_person(student, other_student, registrar) -> None:
    theirs = make_enrollment(name="阿依古丽·买买提", document_number="650102200001010020", student_number="X1")
    login(registrar).get(f"/school/enrollments/{theirs.pk}/")
    assert "北京大学" not in login(student).get("/archive/access/").content.decode()


def test_the_export_holds_everything_about_the_student_and_nothing_else(student, registrar) -> None:
    mine = make_enrollment()
    credential = graduate(mine)
    make_enrollment(name="阿依古丽·买买提", document_number="650102200001010020", student_number="X1")
    login(registrar).get(f"/school/enrollments/{mine.pk}/")
    client = login(student)
    client.get("/archive/")
    response = client.get("/archive/export.json")
    assert response["Content-Disposition"] == 'attachment; filename="xuedang-archive.json"'
    data = json.loads(response.content)
    assert data["account"]["document_number"] == "11010519491231002X"  # the owner's own, unmasked
    assert [e["student_number"] for e in data["enrollments"]] == ["2001001"]
    assert data["credentials"][0]["certificate_number"] == credential.certificate_number
    assert data["enrollments"][0]["photos"][0]["base64"]
    assert data["enrollments"][0]["history"][0]["action"] == "registry.enrollment.registered"
    assert data["access_events"][0]["viewer_label"] == "北京大学"
    assert "阿依古丽" not in response.content.decode()
