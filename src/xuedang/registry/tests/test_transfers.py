"""转学: the receiving school files, the sending school agrees, the receiving school's province
approves — and only then are both enrollments written (decision 0008).

The registrar's school 北京大学 (10001, province 11) sends; 复旦大学 (10246, province 31) receives.
The fixed province officer is 北京's approver: the sending province, informed but not deciding.
"""

from __future__ import annotations

import os
import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from xuedang.conftest import _staff, login, make_enrollment
from xuedang.core.audit import verify_chain
from xuedang.core.models import AuditEntry
from xuedang.institutions.models import Institution
from xuedang.registry import services
from xuedang.registry.models import Enrollment, EnrollmentChange, TransferRequest, TransferState

pytestmark = pytest.mark.django_db

FORM = {
    "from_code": "10001",
    "from_student_number": "2001001",
    "document_type": "resident_id",
    "document_number": "11010519491231002X",
    "student_number": "22300001",
    "transfer_date": "2023-09-01",
    "decision_number": "复旦教〔2023〕12号",
    "reason": "本人申请，家庭迁居上海",
}
ON_POSTGRES = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks are tested on PostgreSQL (make test-postgres / CI)",
)


@pytest.fixture
def shanghai_approver(db):
    """An approver of 上海 (31), the receiving school's province."""
    return _staff("shanghai_approver", "province", "approver", province="31")


def _fudan() -> Institution:
    return Institution.objects.get(code="10246")


def _file(actor, **overrides) -> TransferRequest:
    values = FORM | overrides
    return services.transfer_request_file(
        actor=actor,
        to_institution=_fudan(),
        from_code=values["from_code"],
        from_student_number=values["from_student_number"],
        document_type=values["document_type"],
        document_number=values["document_number"],
        student_number=values["student_number"],
        transfer_date=date.fromisoformat(values["transfer_date"]),
        decision_number=values["decision_number"],
        reason=values["reason"],
    )


def _post_new(client, **overrides):
    institution = client.get("/school/transfers/new/").context["form"].fields["institution"].initial.pk
    return client.post("/school/transfers/new/", FORM | {"institution": institution} | overrides)


def _nothing_written(source: Enrollment, enrollments: int) -> None:
    source.refresh_from_db()
    assert source.state == "registered"
    assert not EnrollmentChange.objects.exists()
    assert Enrollment.objects.count() == enrollments


def test_filing_writes_nothing_to_either_enrollment(other_school_registrar) -> None:
    source = make_enrollment()
    response = _post_new(login(other_school_registrar))
    transfer = TransferRequest.objects.get()
    assert response.status_code == 302
    assert response.url == f"/school/transfers/{transfer.pk}/"
    assert transfer.state == TransferState.PENDING_SENDING
    assert transfer.source == source
    assert transfer.from_institution.code == "10001"
    assert transfer.to_institution.code == "10246"
    assert transfer.filed_by == other_school_registrar
    _nothing_written(source, enrollments=1)
    assert AuditEntry.objects.filter(action="registry.transfer.filed", target_id=str(transfer.pk)).count() == 1
    assert (
        not AuditEntry.objects.filter(action__startswith="registry.enrollment.", target_id=str(source.pk))
        .exclude(action="registry.enrollment.registered")
        .exists()
    )


def test_a_wrong_number_and_a_missing_record_get_the_same_answer(other_school_registrar) -> None:
    source = make_enrollment()
    client = login(other_school_registrar)
    wrong_id = _post_new(client, document_number="650102200001010020").context["form"].errors
    missing = _post_new(client, from_student_number="9999999").context["form"].errors
    wrong_school = _post_new(client, from_code="10003").context["form"].errors
    assert wrong_id == missing == wrong_school
    assert services.TRANSFER_NOT_FOUND in wrong_id["from_student_number"]
    assert not TransferRequest.objects.exists()
    _nothing_written(source, enrollments=1)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"from_code": "1001"}, "from_code", "院校代码为 5 位数字 / an institution code has 5 digits"),
        ({"transfer_date": "2023-13-01"}, "transfer_date", "日期格式应为 2026-09-01 / a date such as 2026-09-01"),
        (
            {"transfer_date": "2026-09-01"},
            "transfer_date",
            "转学日期须晚于原入学日期、早于预计毕业日期 / the transfer "
            "date must fall between the entry date and the expected "
            "graduation date",
        ),
        ({"decision_number": ""}, "decision_number", "此项必填 / this field is required"),
        ({"reason": "   "}, "reason", "此项必填 / this field is required"),
        ({"student_number": ""}, "student_number", "此项必填 / this field is required"),
        ({"document_number": "11010519491231002"}, "document_number", None),
        ({"institution": "999999"}, "institution", "只能为本校提出转入申请 / choose your own institution"),
        (
            {"from_code": "10246"},
            "from_code",
            "转出学校不能是本校 / the sending institution must be another institution",
        ),
    ],
)
def test_every_field_error_is_bilingual_and_changes_nothing(other_school_registrar, overrides, field, message) -> None:
    source = make_enrollment()
    errors = _post_new(login(other_school_registrar), **overrides).context["form"].errors
    assert field in errors
    if message:
        assert message in errors[field]
    assert all(" / " in text for text in errors[field])  # "中文 / English"
    assert not TransferRequest.objects.exists()
    _nothing_written(source, enrollments=1)


def test_a_new_student_number_already_used_at_the_receiving_school_is_refused(other_school_registrar) -> None:
    make_enrollment()
    make_enrollment(school="10246", student_number="22300001", name="王五", document_number="310104199909094569")
    errors = _post_new(login(other_school_registrar)).context["form"].errors
    assert "在本校已存在" in errors["student_number"][0]
    assert not TransferRequest.objects.exists()


def test_the_sending_school_sees_the_request_in_its_queue_and_agrees(registrar, other_school_registrar) -> None:
    source = make_enrollment()
    transfer = _file(other_school_registrar)
    client = login(registrar)
    queue = client.get("/school/transfers/")
    assert list(queue.context["waiting"]) == [transfer]
    assert "吉𠮷" in queue.content.decode()
    page = client.get(f"/school/transfers/{transfer.pk}/")
    assert page.context["side"] == "sending"
    assert "110105********002X" in page.content.decode()
    assert "11010519491231002X" not in page.content.decode()
    assert f"/school/transfers/{transfer.pk}/" in client.get(f"/school/enrollments/{source.pk}/").content.decode()
    client.post(f"/school/transfers/{transfer.pk}/", {"decision": "agree", "note": ""})
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PENDING_PROVINCE
    assert transfer.sending_by == registrar
    assert transfer.sending_agreed is True
    assert transfer.sending_at is not None
    _nothing_written(source, enrollments=1)
    assert list(client.get("/school/transfers/").context["waiting"]) == []


def test_another_schools_registrar_cannot_act(registrar, other_school_registrar) -> None:
    make_enrollment()
    transfer = _file(other_school_registrar)
    tsinghua = _staff("tsinghua_registrar", "institution", "registrar", school="10003")
    client = login(tsinghua)
    assert client.get(f"/school/transfers/{transfer.pk}/").status_code == 404
    assert client.post(f"/school/transfers/{transfer.pk}/", {"decision": "agree"}).status_code == 404
    assert transfer.pk not in [t.pk for t in client.get("/school/transfers/").context["page"]]
    with pytest.raises(ValidationError, match="无权处理"):
        services.transfer_request_sending_answer(actor=tsinghua, transfer=transfer, agree=True)
    # the receiving school cannot answer for the sending school either
    receiving = login(other_school_registrar)
    assert receiving.get(f"/school/transfers/{transfer.pk}/").context["side"] == "receiving"
    receiving.post(f"/school/transfers/{transfer.pk}/", {"decision": "agree"})
    with pytest.raises(ValidationError, match="无权处理"):
        services.transfer_request_sending_answer(actor=other_school_registrar, transfer=transfer, agree=True)
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PENDING_SENDING


def test_the_sending_school_rejects_with_a_reason_and_nothing_changes(
    registrar, other_school_registrar, shanghai_approver
) -> None:
    source = make_enrollment()
    transfer = _file(other_school_registrar)
    client = login(registrar)
    errors = client.post(f"/school/transfers/{transfer.pk}/", {"decision": "reject", "note": ""}).context["form"].errors
    assert errors["note"] == ["请填写不同意的理由 / give the reason for rejecting"]
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PENDING_SENDING
    client.post(f"/school/transfers/{transfer.pk}/", {"decision": "reject", "note": "该生尚有处分未解除"})
    transfer.refresh_from_db()
    assert transfer.state == TransferState.REJECTED
    assert transfer.rejection_reason == "该生尚有处分未解除"
    assert transfer.sending_agreed is False
    _nothing_written(source, enrollments=1)
    # the province never sees it, and cannot approve it
    assert login(shanghai_approver).get(f"/school/transfers/{transfer.pk}/").status_code == 404
    with pytest.raises(ValidationError, match="已被处理"):
        services.transfer_request_province_decide(actor=shanghai_approver, transfer=transfer, approve=True)
    _nothing_written(source, enrollments=1)
    receiving_page = login(other_school_registrar).get(f"/school/transfers/{transfer.pk}/").content.decode()
    assert "该生尚有处分未解除" in receiving_page


def test_the_province_approves_and_both_sides_are_written_once(
    registrar, other_school_registrar, shanghai_approver, student
) -> None:
    from xuedang.accounts.models import Notification
    from xuedang.archive.services import bindings_refresh

    source = make_enrollment()
    bindings_refresh(user=student)
    transfer = _file(other_school_registrar)
    services.transfer_request_sending_answer(actor=registrar, transfer=transfer, agree=True)
    client = login(shanghai_approver)
    assert list(client.get("/school/transfers/").context["waiting"]) == [transfer]
    assert client.get(f"/school/transfers/{transfer.pk}/").context["side"] == "province"
    client.post(f"/school/transfers/{transfer.pk}/", {"decision": "approve", "note": "同意"})

    transfer.refresh_from_db()
    source.refresh_from_db()
    assert transfer.state == TransferState.APPLIED
    assert transfer.province_by == shanghai_approver
    assert source.state == "transferred_out"
    target = transfer.target
    assert target.institution.code == "10246"
    assert target.student_number == "22300001"
    assert target.state == "registered"
    assert target.identity_digest == source.identity_digest
    out = EnrollmentChange.objects.get(change_code="21")
    arrived = EnrollmentChange.objects.get(change_code="22")
    assert (out.enrollment, out.counterpart, out.decision_number) == (source, target, "复旦教〔2023〕12号")
    assert (arrived.enrollment, arrived.counterpart) == (target, source)
    assert Enrollment.objects.count() == 2
    applied = AuditEntry.objects.get(action="registry.transfer.applied")
    assert applied.approved_by_id == shanghai_approver.pk
    assert AuditEntry.objects.filter(action="registry.enrollment.transferred").count() == 1
    assert verify_chain().ok
    steps = list(AuditEntry.objects.filter(action__startswith="registry.transfer.").values_list("action", flat=True))
    assert steps == ["registry.transfer.filed", "registry.transfer.sending_agreed", "registry.transfer.applied"]
    assert Notification.objects.filter(user=student, text__startswith=f"转学申请 #{transfer.pk}").count() == 3

    # a second approval (a stale page, a double click) applies nothing
    again = client.post(f"/school/transfers/{transfer.pk}/", {"decision": "approve", "note": ""}, follow=True)
    assert "已被处理" in again.content.decode()
    with pytest.raises(ValidationError, match="已被处理"):
        services.transfer_request_province_decide(actor=shanghai_approver, transfer=transfer, approve=True)
    assert Enrollment.objects.count() == 2
    assert EnrollmentChange.objects.count() == 2


def test_the_province_rejects_with_a_reason_and_nothing_changes(
    registrar, other_school_registrar, shanghai_approver
) -> None:
    source = make_enrollment()
    transfer = _file(other_school_registrar)
    services.transfer_request_sending_answer(actor=registrar, transfer=transfer, agree=True)
    with pytest.raises(ValidationError, match="请填写不予批准的理由"):
        services.transfer_request_province_decide(actor=shanghai_approver, transfer=transfer, approve=False)
    services.transfer_request_province_decide(
        actor=shanghai_approver, transfer=transfer, approve=False, note="转入专业不符合条件"
    )
    transfer.refresh_from_db()
    assert transfer.state == TransferState.REJECTED
    assert transfer.rejection_reason == "转入专业不符合条件"
    _nothing_written(source, enrollments=1)


def test_the_province_of_another_province_cannot_approve(registrar, other_school_registrar, province_officer) -> None:
    """北京 (the sending province) is informed once the school agrees, but 上海 decides."""
    source = make_enrollment()
    transfer = _file(other_school_registrar)
    client = login(province_officer)
    assert client.get(f"/school/transfers/{transfer.pk}/").status_code == 404  # not yet agreed
    services.transfer_request_sending_answer(actor=registrar, transfer=transfer, agree=True)
    page = client.get(f"/school/transfers/{transfer.pk}/")
    assert page.status_code == 200
    assert page.context["form"] is None
    assert list(client.get("/school/transfers/").context["waiting"]) == []
    client.post(f"/school/transfers/{transfer.pk}/", {"decision": "approve"})
    with pytest.raises(ValidationError, match="无权处理"):
        services.transfer_request_province_decide(actor=province_officer, transfer=transfer, approve=True)
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PENDING_PROVINCE
    _nothing_written(source, enrollments=1)


def test_a_withdrawn_request_cannot_be_approved(registrar, other_school_registrar, shanghai_approver) -> None:
    source = make_enrollment()
    transfer = _file(other_school_registrar)
    services.transfer_request_sending_answer(actor=registrar, transfer=transfer, agree=True)
    with pytest.raises(ValidationError, match="无权处理"):  # only the receiving school withdraws
        services.transfer_request_withdraw(actor=registrar, transfer=transfer)
    login(other_school_registrar).post(
        f"/school/transfers/{transfer.pk}/", {"decision": "withdraw", "note": "学生放弃"}
    )
    transfer.refresh_from_db()
    assert transfer.state == TransferState.WITHDRAWN
    assert transfer.withdrawn_by == other_school_registrar
    response = login(shanghai_approver).post(f"/school/transfers/{transfer.pk}/", {"decision": "approve"}, follow=True)
    assert "已被处理" in response.content.decode()
    with pytest.raises(ValidationError, match="已被处理"):
        services.transfer_request_province_decide(actor=shanghai_approver, transfer=transfer, approve=True)
    _nothing_written(source, enrollments=1)
    assert AuditEntry.objects.filter(action="registry.transfer.withdrawn").count() == 1


def test_a_request_lapses_when_the_student_leaves_while_it_waits(
    registrar, other_school_registrar, shanghai_approver, student
) -> None:
    """退学 while the province has the request: it lapses at once (audited, the student told), and
    leaves no approval to fail in the province's queue."""
    from xuedang.accounts.models import Notification
    from xuedang.archive.services import bindings_refresh

    source = make_enrollment()
    bindings_refresh(user=student)
    transfer = _file(other_school_registrar)
    services.transfer_request_sending_answer(actor=registrar, transfer=transfer, agree=True)
    services.enrollment_cancel(
        actor=registrar,
        enrollment=source,
        state="withdrawn",
        decision_date=date(2023, 8, 1),
        reason="本人申请退学",
        recorded_on=date(2023, 8, 3),
    )

    transfer.refresh_from_db()
    assert transfer.state == TransferState.LAPSED
    assert transfer.lapsed_at is not None
    assert list(login(shanghai_approver).get("/school/transfers/").context["waiting"]) == []
    with pytest.raises(ValidationError, match="已被处理"):
        services.transfer_request_province_decide(actor=shanghai_approver, transfer=transfer, approve=True)
    page = login(other_school_registrar).get(f"/school/transfers/{transfer.pk}/").content.decode()
    assert 'id="transfer-lapsed"' in page
    assert "退学" in page
    assert AuditEntry.objects.filter(action="registry.transfer.lapsed", target_id=str(transfer.pk)).count() == 1
    assert Notification.objects.filter(user=student, text__contains="转学申请已失效").count() == 1
    assert Enrollment.objects.count() == 1
    assert not EnrollmentChange.objects.filter(change_code="21").exists()
    assert verify_chain().ok


def _jpeg() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (480, 640), (67, 142, 219)).save(out, format="JPEG")
    return out.getvalue()


def test_graduation_lapses_an_open_request_and_a_suspension_does_not(registrar, other_school_registrar) -> None:
    from xuedang.institutions.services import president_appoint

    source = make_enrollment()
    transfer = _file(other_school_registrar)
    services.enrollment_change_record(
        actor=registrar,
        enrollment=source,
        change_code="11",
        change_date=date(2023, 3, 1),
        changes={"state": "suspended"},
        reason="休学一年",
        decision_number="校〔2022〕1号",
    )
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PENDING_SENDING  # 休学 is still 在籍: the request waits
    services.enrollment_change_record(
        actor=registrar,
        enrollment=source,
        change_code="12",
        change_date=date(2023, 9, 1),
        changes={"state": "registered"},
        reason="复学",
        decision_number="校〔2022〕1号",
    )
    president_appoint(institution=source.institution, name="龚旗煌", start_date=date(2022, 10, 1))
    photo = services.photo_register(actor=registrar, enrollment=source, purpose="graduation", image=_jpeg())
    credential = services.credential_register(
        actor=registrar, enrollment=source, kind="graduation", study_end=date(2025, 7, 1), photo=photo
    )
    services.credential_publish(actor=registrar, credential=credential, today=date(2025, 7, 1))
    transfer.refresh_from_db()
    assert transfer.state == TransferState.LAPSED


def test_one_open_request_per_enrollment_is_a_database_constraint(registrar, other_school_registrar) -> None:
    source = make_enrollment()
    first = _file(other_school_registrar)
    values = dict(
        source=source,
        from_institution=source.institution,
        to_institution=_fudan(),
        student_number="22300002",
        transfer_date=date(2023, 9, 1),
        decision_number="x",
        reason="x",
        filed_by=other_school_registrar,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferRequest.objects.create(**values)  # bypassing the service: the index still refuses
    tsinghua = _staff("tsinghua_registrar", "institution", "registrar", school="10003")
    with pytest.raises(ValidationError, match="已有一份待处理的转学申请"):
        services.transfer_request_file(
            actor=tsinghua,
            to_institution=Institution.objects.get(code="10003"),
            from_code="10001",
            from_student_number="2001001",
            document_type="resident_id",
            document_number="11010519491231002X",
            student_number="T1",
            transfer_date=date(2023, 9, 1),
            decision_number="清华教〔2023〕1号",
            reason="申请",
        )
    services.transfer_request_sending_answer(actor=registrar, transfer=first, agree=False, note="不同意")
    TransferRequest.objects.create(**values)  # a closed request no longer blocks a new one
    assert TransferRequest.objects.filter(source=source).count() == 2


@ON_POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_province_approvals_at_once_apply_the_transfer_once(
    registrar, other_school_registrar, shanghai_approver
) -> None:
    """Two connections, released together by a barrier: one approval applies, the other waits on
    the request's row lock and is told it was already handled."""
    second = _staff("shanghai_approver_2", "province", "approver", province="31")
    make_enrollment()
    transfer = _file(other_school_registrar)
    services.transfer_request_sending_answer(actor=registrar, transfer=transfer, agree=True)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(officer) -> None:
        try:
            barrier.wait()
            services.transfer_request_province_decide(actor=officer, transfer=transfer, approve=True)
            outcomes.append("won")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(officer,)) for officer in (shanghai_approver, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=len)[0] == "won"
    assert "已被处理" in sorted(outcomes, key=len)[1]
    assert Enrollment.objects.count() == 2
    assert EnrollmentChange.objects.filter(change_code="21").count() == 1
    assert EnrollmentChange.objects.filter(change_code="22").count() == 1
    assert AuditEntry.objects.filter(action="registry.transfer.applied").count() == 1
