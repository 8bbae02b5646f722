import io
from datetime import date

import pytest
from openpyxl import load_workbook

from xuedang.conftest import login, make_enrollment, make_reviewed_admission, record_semester_start
from xuedang.registry.models import Admission

pytestmark = pytest.mark.django_db


def test_exports_are_scoped_masked_and_formula_safe(registrar) -> None:
    make_enrollment(department='=HYPERLINK("http://evil","点我")')
    make_enrollment(school="10246", student_number="F1", name="王五", document_number="310104199909094569")
    client = login(registrar)
    sheet = load_workbook(io.BytesIO(b"".join(client.get("/school/enrollments/export.xlsx").streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 1
    assert rows[0][2] == "吉𠮷"
    assert rows[0][5] == "110105********002X"
    assert rows[0][6].startswith("'=HYPERLINK")
    assert sheet.cell(row=2, column=7).data_type == "s"
    csv = b"".join(client.get("/school/enrollments/export.csv").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv
    assert "王五" not in csv
    assert "11010519491231002X" not in csv


def test_the_list_filters_and_paginates(registrar) -> None:
    for n in range(3):
        make_enrollment(
            student_number=f"S{n}",
            document_number=["11010519491231002X", "440304200306151232", "310104199909094569"][n],
            name="张三",
            level="06" if n == 2 else "05",
        )
    client = login(registrar)
    page = client.get("/school/enrollments/?level=06").content.decode()
    # the number as the list prints it (a bare "S0" also turns up inside random CSRF tokens)
    assert '">S2</a>' in page
    assert '">S0</a>' not in page
    assert "共 3 条" in client.get("/school/enrollments/").content.decode()


def test_the_province_sees_late_entries_of_its_own_schools_only(province_officer, other_school_registrar) -> None:
    from datetime import date

    from xuedang.registry import services

    ours = make_enrollment(student_number="PKU1")
    theirs = make_enrollment(school="10246", student_number="FDU1", name="王五", document_number="310104199909094569")
    for enrollment in (ours, theirs):
        services.enrollment_cancel(
            actor=None,
            enrollment=enrollment,
            state="withdrawn",
            decision_date=date(2024, 9, 27),
            reason="退学",
            recorded_on=date(2024, 11, 1),
        )
    page = login(province_officer).get("/school/late/").content.decode()
    assert "PKU1" in page
    assert "FDU1" not in page
    assert "FDU1" in login(other_school_registrar).get("/school/late/").content.decode()


def _student_form(**overrides) -> dict:
    from xuedang.institutions.models import Institution

    data = {
        "institution": Institution.objects.get(code="10001").pk,
        "student_number": "2026100001",
        "name": "吉𠮷",
        "gender": "2",
        "birth_date": "1949-12-31",
        "ethnicity": "01",
        "document_type": "resident_id",
        "document_number": "11010519491231002x",
        "department": "数学学院",
        "major_code": "070101",
        "major_name": "数学与应用数学",
        "level": "05",
        "study_form": "1",
        "length_years": "4",
        "entry_date": "2026-09-01",
        "expected_graduation_date": "2030-07-01",
        "admission_type": "01",
        "class_name": "",
        "birth_date_confirmed": "on",  # the sample ID number's holder was born in 1949
        "exam_number": "26110101000001",  # 资格复查: the reviewed 录取 of make_reviewed_admission
    }
    if not Admission.objects.filter(exam_number="26110101000001").exists():
        make_reviewed_admission()
    return data | overrides


def test_a_registrar_registers_one_student_by_form(registrar) -> None:
    from xuedang.registry.models import Enrollment

    response = login(registrar).post("/school/enrollments/new/", _student_form())
    enrollment = Enrollment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/school/enrollments/{enrollment.pk}/"
    assert enrollment.document_number == "11010519491231002X"
    assert enrollment.name == "吉𠮷"


def test_the_form_names_each_problem_in_chinese_and_english_and_changes_nothing(registrar) -> None:
    from xuedang.registry.models import Enrollment

    client = login(registrar)
    page = client.post(
        "/school/enrollments/new/", _student_form(document_number="110105194912310021", name="<b>张</b>")
    ).content.decode()
    assert "校验位错误" in page
    assert "the check digit is wrong" in page
    assert "不允许的字符" in page
    assert "<b>张</b>" not in page
    page = client.post("/school/enrollments/new/", _student_form(entry_date="2026-13-01")).content.decode()
    assert "格式不正确 / the value is not valid" in page
    assert not Enrollment.objects.exists()
    make_enrollment(school="10246", student_number="F1")
    page = client.post("/school/enrollments/new/", _student_form()).content.decode()
    assert "已有在籍的普通全日制学籍" in page
    assert Enrollment.objects.count() == 1


def test_a_late_cancellation_by_form_warns_the_registrar(registrar) -> None:
    enrollment = make_enrollment()
    client = login(registrar)
    response = client.post(
        f"/school/enrollments/{enrollment.pk}/cancel/",
        {"state": "withdrawn", "decision_date": "2024-09-27", "reason": "自动退学"},
        follow=True,
    )
    page = response.content.decode()
    assert "已注销" in page
    assert "已标记逾期" in page
    enrollment.refresh_from_db()
    assert enrollment.state == "withdrawn"


def test_annual_registration_by_form(registrar) -> None:
    enrollment = make_enrollment()
    record_semester_start(2022, date(2022, 9, 1))
    page = (
        login(registrar)
        .post(
            f"/school/enrollments/{enrollment.pk}/annual/",
            {
                "academic_year": "2022",
                "status": "registered",
                "registered_on": "2022-10-09",
            },
            follow=True,
        )
        .content.decode()
    )
    assert "学年注册已登记（逾期 / late）" in page


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (480, 640), (67, 142, 219)).save(out, format="JPEG")
    return out.getvalue()


def test_a_registrar_registers_and_publishes_a_credential(registrar) -> None:
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from xuedang.institutions.services import president_appoint
    from xuedang.registry.models import Credential

    enrollment = make_enrollment()
    client = login(registrar)
    response = client.post(
        f"/school/enrollments/{enrollment.pk}/credential/",
        {"kind": "graduation", "study_end": "2025-07-01", "certificate_number": ""},
    )
    credential = Credential.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "照片 / photo" in page
    assert "校（院）长姓名 / president" in page
    assert "publish-button" not in page
    client.post(f"/school/credentials/{credential.pk}/")
    credential.refresh_from_db()
    assert credential.state == "draft"

    other = make_enrollment(school="10001", student_number="S2", document_number="440304200306151232", name="张三")
    president_appoint(institution=other.institution, name="龚旗煌", start_date=date(2022, 6, 1))
    response = client.post(
        f"/school/enrollments/{other.pk}/credential/",
        {"kind": "graduation", "study_end": "2025-07-01", "photo": SimpleUploadedFile("p.jpg", _photo())},
    )
    credential = Credential.objects.get(enrollment=other)
    assert "publish-button" in client.get(response["Location"]).content.decode()
    page = client.post(f"/school/credentials/{credential.pk}/", follow=True).content.decode()
    assert "学历已发布" in page
    credential.refresh_from_db()
    assert credential.state == "published"
    assert credential.president_name == "龚旗煌"

    # after publication the school may still annotate: a minor, or the 证明书 for a lost certificate
    url = f"/school/credentials/{credential.pk}/annotate/"
    empty = client.post(url, {"reason": "证书遗失"}).content.decode()
    assert "请填写辅修或证明书批注" in empty
    client.post(url, {"lost_certificate_note": "2026年10月8日补发学历证明书", "reason": "证书遗失"})
    credential.refresh_from_db()
    assert credential.lost_certificate_note == "2026年10月8日补发学历证明书"
    assert credential.state == "published"
    assert "补发学历证明书" in client.get(f"/school/credentials/{credential.pk}/").content.decode()


def test_a_change_of_major_by_form_keeps_the_old_values(registrar) -> None:
    from xuedang.registry.models import EnrollmentChange

    enrollment = make_enrollment()
    login(registrar).post(
        f"/school/enrollments/{enrollment.pk}/change/",
        {
            "change_code": "23",
            "change_date": "2022-09-01",
            "major_code": "080717T",
            "major_name": "人工智能",
            "reason": "转专业",
            "decision_number": "校教〔2022〕8号",
            "decision_date": "2022-08-25",
        },
    )
    change = EnrollmentChange.objects.get()
    assert change.before == {"major_code": "080901", "major_name": "计算机科学与技术"}
    assert change.after == {"major_code": "080717T", "major_name": "人工智能"}


def test_a_reward_by_form_appears_on_the_timeline(registrar) -> None:
    enrollment = make_enrollment()
    client = login(registrar)
    client.post(
        f"/school/enrollments/{enrollment.pk}/note/",
        {"kind": "reward", "title": "国家奖学金", "decided_on": "2022-11-01", "decision_number": ""},
    )
    page = client.get(f"/school/enrollments/{enrollment.pk}/").content.decode()
    assert "奖励 / reward" in page
    assert "国家奖学金" in page


def test_publishing_due_credentials_from_the_page(registrar, django_capture_on_commit_callbacks) -> None:
    from xuedang.institutions.models import Institution

    pku = Institution.objects.get(code="10001").pk
    client = login(registrar)
    with django_capture_on_commit_callbacks(execute=True):  # the publication job runs after the commit
        started = client.post(
            "/school/credentials/publish/", {"institution": pku, "due_by": "2025-07-01", "confirmed": "True"}
        )
    assert started.status_code == 302
    assert "已发布 0 条" in client.get(started.url).content.decode()


def test_a_transfer_is_written_on_both_sides_only_once_the_province_approves(registrar, other_school_registrar) -> None:
    """The whole 转学 journey through the pages (decision 0008); details in test_transfers.py."""
    from xuedang.conftest import _staff
    from xuedang.registry.models import EnrollmentChange, TransferRequest

    source = make_enrollment()  # at 10001, the registrar's school
    client = login(other_school_registrar)  # 10246 receives the student
    form = {
        "from_code": "10001",
        "from_student_number": "2001001",
        "document_type": "resident_id",
        "student_number": "22300001",
        "transfer_date": "2023-09-01",
        "decision_number": "沪教学〔2023〕12号",
        "reason": "本人申请，两校同意",
        "institution": client.get("/school/transfers/new/").context["form"].fields["institution"].initial.pk,
    }
    wrong = client.post("/school/transfers/new/", {**form, "document_number": "650102200001010020"})
    assert "没有与该学号和证件号码相符" in wrong.content.decode()

    response = client.post("/school/transfers/new/", {**form, "document_number": "11010519491231002X"})
    transfer = TransferRequest.objects.get()
    assert response.url == f"/school/transfers/{transfer.pk}/"
    source.refresh_from_db()
    assert source.state == "registered"  # filing alone writes nothing

    login(registrar).post(f"/school/transfers/{transfer.pk}/", {"decision": "agree"})
    source.refresh_from_db()
    assert source.state == "registered"  # nor does the sending school's agreement

    shanghai = _staff("shanghai_approver", "province", "approver", province="31")
    login(shanghai).post(f"/school/transfers/{transfer.pk}/", {"decision": "approve"})
    source.refresh_from_db()
    assert source.state == "transferred_out"
    out = EnrollmentChange.objects.get(enrollment=source, change_code="21")
    assert out.decision_number == "沪教学〔2023〕12号"
    assert out.counterpart.institution.code == "10246"
    page = login(registrar).get(f"/school/enrollments/{source.pk}/").content.decode()
    assert "转出" in page
    # the registrar who sent the student can no longer change that enrollment's major, nor see the new one
    assert login(registrar).get(f"/school/enrollments/{out.counterpart.pk}/").status_code == 404


def test_transfers_are_not_offered_as_one_sided_changes(registrar) -> None:
    enrollment = make_enrollment()
    codes = [
        c
        for c, _ in login(registrar)
        .get(f"/school/enrollments/{enrollment.pk}/change/")
        .context["form"]
        .fields["change_code"]
        .choices
    ]
    assert "21" not in codes
    assert "22" not in codes
    assert "23" in codes
