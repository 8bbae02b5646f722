"""纠错: student → school → province → applied, with the old value kept; each step notified;
evidence checked; two officers acting at once cannot both win."""

import os
import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from xuedang.accounts.models import Notification
from xuedang.archive import services
from xuedang.archive.models import Correction, CorrectionState
from xuedang.archive.tests.helpers import PDF, graduate, jpeg
from xuedang.conftest import login, make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.registry.models import Credential, Enrollment


def _file(client, url: str, field: str, value: str, evidence: bytes = PDF, name: str = "证明.pdf"):
    return client.post(
        url, {"field": field, "new_value": value, "reason": "录入错误", "evidence": SimpleUploadedFile(name, evidence)}
    )


def test_an_unpublished_field_is_corrected_by_the_school_at_once_and_the_old_value_kept(student, registrar) -> None:
    enrollment = make_enrollment(department="信息学院")
    client = login(student)
    client.get("/archive/")
    response = _file(client, f"/archive/corrections/new/enrollment/{enrollment.pk}/", "department", "信息科学技术学院")
    correction = Correction.objects.get()
    assert response.url == f"/archive/corrections/{correction.pk}/"
    assert correction.state == CorrectionState.SCHOOL
    assert correction.evidence_type == "application/pdf"

    school = login(registrar)
    assert "信息科学技术学院" in school.get("/school/archive/corrections/").content.decode()
    assert school.get(f"/school/archive/corrections/{correction.pk}/evidence").content == PDF
    school.post(f"/school/archive/corrections/{correction.pk}/", {"decision": "accept", "note": "核实无误"})

    enrollment.refresh_from_db()
    assert enrollment.department == "信息科学技术学院"
    entry = AuditEntry.objects.get(action="registry.enrollment.corrected")
    assert entry.before == {"department": "信息学院"}
    assert entry.after == {"department": "信息科学技术学院"}
    page = client.get(f"/archive/corrections/{correction.pk}/").content.decode()
    assert "已更正" in page
    assert "filed" in page
    assert "applied" in page
    assert "北京大学" in page
    assert "信息学院" in client.get(f"/archive/enrollments/{enrollment.pk}/").content.decode()  # history shown
    assert Notification.objects.filter(user=student, text__contains="已更正").exists()


def _name_correction(student) -> Correction:
    enrollment = make_enrollment()
    credential = graduate(enrollment)
    services.bindings_refresh(user=student)
    return services.correction_file(
        user=student,
        record=credential,
        field="name",
        new_value="吉𠮷𠮷",
        reason="户籍姓名",
        evidence=PDF,
        evidence_name="户籍.pdf",
    )


def test_a_name_on_a_published_credential_goes_through_the_province(student, registrar, province_officer) -> None:
    correction = _name_correction(student)
    assert correction.needs_province
    school = login(registrar)
    school.post(f"/school/archive/corrections/{correction.pk}/", {"decision": "accept"})
    correction.refresh_from_db()
    assert correction.state == CorrectionState.SCHOOL  # the school alone cannot apply it
    school.post(f"/school/archive/corrections/{correction.pk}/", {"decision": "forward", "note": "报省审核"})
    correction.refresh_from_db()
    assert correction.state == CorrectionState.PROVINCE

    province = login(province_officer)
    assert "吉𠮷𠮷" in province.get("/school/archive/corrections/?state=province").content.decode()
    province.post(f"/school/archive/corrections/{correction.pk}/", {"decision": "approve", "note": "同意"})
    correction.refresh_from_db()
    credential = Credential.objects.get(pk=correction.credential_id)
    assert correction.state == CorrectionState.APPLIED
    assert credential.name == "吉𠮷𠮷"
    entry = AuditEntry.objects.get(action="registry.credential.corrected")
    assert entry.before == {"name": "吉𠮷"}
    assert entry.approved_by == province_officer
    # the name is the person's: the enrollment the credential came from carries it too
    assert Enrollment.objects.get(pk=credential.enrollment_id).name == "吉𠮷𠮷"
    carried = AuditEntry.objects.get(action="registry.enrollment.corrected")
    assert carried.before == {"name": "吉𠮷"}
    assert carried.approved_by == province_officer
    assert f"#{correction.pk}" in carried.reason
    steps = list(correction.steps.values_list("action", flat=True))
    assert steps == ["filed", "forwarded", "applied"]
    assert Notification.objects.filter(user=student, text__startswith="纠错申请").count() == 3
    # The record still belongs to the student, and shows the name it now carries.
    page = login(student).get(f"/archive/credentials/{credential.pk}/").content.decode()
    assert "吉𠮷𠮷" in page


def test_an_id_number_corrected_on_the_enrollment_reaches_its_credential(student, registrar, province_officer) -> None:
    """A corrected 学籍 must not leave its 学历 (or a report made from it) with the old identity."""
    from xuedang.core import crypto

    enrollment = make_enrollment()
    credential = graduate(enrollment)
    services.bindings_refresh(user=student)
    correction = services.correction_file(
        user=student,
        record=enrollment,
        field="document_number",
        new_value="110105194912310046",
        reason="号码录错",
        evidence=PDF,
        evidence_name="id.pdf",
    )
    services.correction_school_review(actor=registrar, correction=correction, decision="forward")
    credential.refresh_from_db()
    assert credential.document_number == "11010519491231002X"  # nothing moves before the province approves
    services.correction_province_decide(actor=province_officer, correction=correction, approve=True)

    credential.refresh_from_db()
    enrollment.refresh_from_db()
    assert enrollment.document_number == credential.document_number == "110105194912310046"
    assert (
        credential.identity_digest
        == enrollment.identity_digest
        == crypto.identity_digest("resident_id", "110105194912310046")
    )
    assert (
        AuditEntry.objects.filter(action="registry.credential.corrected", target_id=str(credential.pk))
        .get()
        .approved_by
        == province_officer
    )
    assert Notification.objects.filter(user=student, text__contains="一并更正").count() == 1


def test_a_field_that_is_not_identity_stays_on_its_own_record(student, registrar) -> None:
    enrollment = make_enrollment(department="信息学院")
    credential = graduate(enrollment, publish=False)
    services.bindings_refresh(user=student)
    correction = services.correction_file(
        user=student,
        record=enrollment,
        field="department",
        new_value="信息科学技术学院",
        reason="录入错误",
        evidence=PDF,
        evidence_name="证明.pdf",
    )
    services.correction_school_review(actor=registrar, correction=correction, decision="accept")
    assert not AuditEntry.objects.filter(action="registry.credential.corrected", target_id=str(credential.pk)).exists()


def test_the_province_may_reject_with_a_reason(student, registrar, province_officer) -> None:
    correction = _name_correction(student)
    services.correction_school_review(actor=registrar, correction=correction, decision="forward")
    with pytest.raises(ValidationError):
        services.correction_province_decide(actor=province_officer, correction=correction, approve=False)
    services.correction_province_decide(
        actor=province_officer, correction=correction, approve=False, note="证明材料不足"
    )
    correction.refresh_from_db()
    assert correction.state == CorrectionState.REJECTED
    assert Credential.objects.get(pk=correction.credential_id).name == "吉𠮷"


def test_the_school_rejects_with_a_reason_and_the_record_stays(student, registrar) -> None:
    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    correction = services.correction_file(
        user=student,
        record=enrollment,
        field="entry_date",
        new_value="2021-09-02",
        reason="报到日",
        evidence=jpeg(),
        evidence_name="a.jpg",
    )
    login(registrar).post(f"/school/archive/corrections/{correction.pk}/", {"decision": "reject", "note": ""})
    assert Correction.objects.get().state == CorrectionState.SCHOOL  # a rejection needs its reason
    login(registrar).post(
        f"/school/archive/corrections/{correction.pk}/", {"decision": "reject", "note": "以录取通知为准"}
    )
    assert Correction.objects.get().state == CorrectionState.REJECTED
    assert Enrollment.objects.get().entry_date == date(2021, 9, 1)
    assert "以录取通知为准" in login(student).get(f"/archive/corrections/{correction.pk}/").content.decode()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 not a document", "证明.pdf", "须为 PDF 或 JPEG"),
        (b"%PDF-1.4 truncated", "证明.pdf", "PDF 文件不完整"),
        (b"\xff\xd8\xff\xe0 broken", "证明.jpg", "JPEG 图片已损坏"),
        (b"%PDF-" + b"0" * (4 * 1024 * 1024) + b"%%EOF", "big.pdf", "不能超过 4 MB"),
    ],
)
def test_evidence_must_be_a_real_pdf_or_jpeg_within_4_mb(student, content, name, message) -> None:
    enrollment = make_enrollment()
    client = login(student)
    client.get("/archive/")
    response = _file(
        client, f"/archive/corrections/new/enrollment/{enrollment.pk}/", "major_name", "软件工程", content, name
    )
    assert message in response.content.decode()
    assert not Correction.objects.exists()


def test_a_bad_value_is_refused_with_the_field_named(student) -> None:
    enrollment = make_enrollment()
    client = login(student)
    client.get("/archive/")
    url = f"/archive/corrections/new/enrollment/{enrollment.pk}/"
    assert "YYYY-MM-DD" in _file(client, url, "birth_date", "1949/12/30").content.decode()
    assert "与现有值相同" in _file(client, url, "major_name", "计算机科学与技术").content.decode()
    assert "校验位" in _file(client, url, "document_number", "110105194912310021").content.decode()
    assert not Correction.objects.exists()


def test_another_student_cannot_file_against_my_record(student, other_student) -> None:
    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    response = _file(login(other_student), f"/archive/corrections/new/enrollment/{enrollment.pk}/", "major_name", "x")
    assert response.status_code == 404


def test_another_schools_registrar_cannot_see_or_decide(student, other_school_registrar) -> None:
    correction = _name_correction(student)
    client = login(other_school_registrar)
    assert client.get(f"/school/archive/corrections/{correction.pk}/").status_code == 404
    assert client.post(f"/school/archive/corrections/{correction.pk}/", {"decision": "forward"}).status_code == 404
    assert Correction.objects.get().state == CorrectionState.SCHOOL


def test_a_decided_request_cannot_be_decided_again(student, registrar, province_officer) -> None:
    correction = _name_correction(student)
    services.correction_school_review(actor=registrar, correction=correction, decision="forward")
    services.correction_province_decide(actor=province_officer, correction=correction, approve=True)
    with pytest.raises(ValidationError) as error:
        services.correction_province_decide(actor=province_officer, correction=correction, approve=False, note="x")
    assert "已被处理" in error.value.messages[0]


# Real concurrency needs real row locks and connections that see each other's commits: PostgreSQL.
# (On SQLite, IMMEDIATE transactions already admit one writer at a time.) Skipped before any
# database setup, because flushing SQLite after a transactional test trips the audit log's
# append-only trigger; PostgreSQL truncates instead, and the reference data is reloaded.
ON_POSTGRES = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks are tested on PostgreSQL (make test-postgres / CI)",
)


@ON_POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_approving_at_once_cannot_both_win(student, registrar, province_officer) -> None:
    """Two connections, released together by a barrier: one approval applies, the other is told it
    was already handled, and the change is applied exactly once."""
    from xuedang.accounts.services import membership_grant
    from xuedang.conftest import _staff

    second = _staff("province_officer_2", "province", "approver", province="11")
    membership_grant(actor=None, user=second, scope="province", role="approver", province_code="11")
    correction = _name_correction(student)
    services.correction_school_review(actor=registrar, correction=correction, decision="forward")

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(officer) -> None:
        try:
            barrier.wait()
            services.correction_province_decide(actor=officer, correction=correction, approve=True, note="同意")
            outcomes.append("won")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(officer,)) for officer in (province_officer, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=len) == ["won", sorted(outcomes, key=len)[1]]
    assert "已被处理" in sorted(outcomes, key=len)[1]
    assert AuditEntry.objects.filter(action="registry.credential.corrected").count() == 1
    assert list(Correction.objects.get().steps.values_list("action", flat=True)) == ["filed", "forwarded", "applied"]


@ON_POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_school_accept_racing_a_reject_leaves_one_outcome(student, registrar) -> None:
    from xuedang.conftest import _staff

    colleague = _staff("registrar_2", "institution", "registrar", school="10001")
    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    correction = services.correction_file(
        user=student,
        record=enrollment,
        field="major_name",
        new_value="软件工程",
        reason="转专业",
        evidence=PDF,
        evidence_name="a.pdf",
    )
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def decide(officer, decision: str) -> None:
        try:
            barrier.wait()
            services.correction_school_review(actor=officer, correction=correction, decision=decision, note="n")
            results.append(True)
        except ValidationError:
            results.append(False)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=args) for args in ((registrar, "accept"), (colleague, "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    final = Correction.objects.get()
    applied = Enrollment.objects.get().major_name == "软件工程"
    assert applied == (final.state == CorrectionState.APPLIED)
    assert final.steps.count() == 2


def test_an_id_correction_is_encrypted_at_rest_and_masked_for_staff(student, registrar) -> None:
    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    correction = services.correction_file(
        user=student,
        record=enrollment,
        field="document_number",
        new_value="110105194912310046",
        reason="号码录错",
        evidence=PDF,
        evidence_name="id.pdf",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT old_value, new_value FROM archive_correction WHERE id = %s", [correction.pk])
        stored = " ".join(cursor.fetchone())
    assert "11010519491231002X" not in stored
    assert "110105194912310046" not in stored
    page = login(registrar).get(f"/school/archive/corrections/{correction.pk}/").content.decode()
    assert "110105********0046" in page
    assert "110105194912310046" not in page
    assert "110105194912310046" in login(student).get(f"/archive/corrections/{correction.pk}/").content.decode()


def test_a_request_the_school_chooses_to_forward_reaches_the_province(student, registrar, province_officer) -> None:
    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    correction = services.correction_file(
        user=student,
        record=enrollment,
        field="class_name",
        new_value="计科1班",
        reason="分班",
        evidence=PDF,
        evidence_name="a.pdf",
    )
    assert not correction.needs_province
    services.correction_school_review(actor=registrar, correction=correction, decision="forward", note="请省里定")
    assert "计科1班" in login(province_officer).get("/school/archive/corrections/").content.decode()
    services.correction_province_decide(actor=province_officer, correction=correction, approve=True)
    assert Enrollment.objects.get().class_name == "计科1班"


def test_each_step_also_reaches_the_student_by_sms(student, registrar, django_capture_on_commit_callbacks) -> None:
    from xuedang.accounts.tests.helpers import sms_outbox

    student.phone = "13800138000"
    student.save(update_fields=["phone"])
    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    correction = services.correction_file(
        user=student,
        record=enrollment,
        field="entry_date",
        new_value="2021-09-02",
        reason="报到日",
        evidence=jpeg(),
        evidence_name="a.jpg",
    )
    with django_capture_on_commit_callbacks(execute=True):
        login(registrar).post(
            f"/school/archive/corrections/{correction.pk}/", {"decision": "reject", "note": "以录取通知为准"}
        )
    notices = [m for m in sms_outbox() if m["kind"] == "notice"]
    assert notices
    assert "学校未同意更正" in notices[-1]["text"]
    assert notices[-1]["to"] == "138****8000"
