"""A report's lifecycle: create, extend, close, replace, and what verification says after each."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from xuedang.core.models import AuditEntry
from xuedang.registry.models import Credential, CredentialState
from xuedang.registry.services import credential_annotate, enrollment_cancel
from xuedang.reports import codes
from xuedang.reports.models import Report, ReportState
from xuedang.reports.selectors import Status, Verification, report_verify, verification_of
from xuedang.reports.services import report_close, report_create, report_extend, report_replace
from xuedang.reports.tests.factories import credential_report, enrollment_of, graduate

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 15)


def test_codes_are_16_symbols_of_crockford_base32_carrying_80_random_bits() -> None:
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(len(code) == 16 and set(code) <= set(codes.ALPHABET) for code in made)
    assert len(codes.ALPHABET) == 32
    assert codes.BITS == 80
    assert not set("ILOU") & set(codes.ALPHABET)


@given(st.text(alphabet=codes.ALPHABET, min_size=16, max_size=16))
@settings(max_examples=200)
def test_a_typed_code_is_forgiven_case_spaces_and_look_alikes(code: str) -> None:
    typed = " ".join(code[i : i + 4] for i in range(0, 16, 4)).lower().replace("0", "o").replace("1", "l")
    assert codes.normalize_code(typed) == code


@pytest.mark.parametrize("typed", ["", "ABC", "U" * 16, "ABCDEFGHJKMNPQRST", "ABCD#EFGHJKMNPQR", "１２３４" * 4])
def test_anything_else_is_a_malformed_code(typed: str) -> None:
    assert codes.normalize_code(typed) is None


def test_a_student_creates_a_report_of_their_credential_valid_for_the_months_chosen(student) -> None:
    report = credential_report(student, months=6, today=TODAY)
    assert report.valid_until == date(2026, 9, 15)
    assert report.state == ReportState.ACTIVE
    assert report.snapshot["name"] == "吉𠮷"
    assert report.snapshot["document"] == "110105********002X"  # never the full number
    assert "11010519491231002X" not in str(report.snapshot)
    entry = AuditEntry.objects.filter(action="reports.report.created").get()
    assert report.code not in str(entry.after)  # the code is the key to the report


def test_a_student_creates_a_report_of_their_enrollment(student) -> None:
    enrollment = enrollment_of(student)
    report = report_create(student=student, record=enrollment, lang="en", months=1, today=TODAY)
    assert report.kind == "enrollment"
    assert report.valid_until == date(2026, 4, 15)
    assert report_verify(typed=report.code, today=TODAY).status == Status.VALID


@pytest.mark.parametrize("months", [0, 7, -1])
def test_validity_is_one_to_six_months(student, months: int) -> None:
    credential = graduate(student)
    with pytest.raises(ValidationError) as error:
        report_create(student=student, record=credential, lang="zh", months=months)
    assert "1 至 6 个月" in error.value.message_dict["months"][0]
    assert not Report.objects.exists()


def test_nobody_makes_a_report_of_someone_elses_record(student, other_student) -> None:
    credential = graduate(student)
    with pytest.raises(ValidationError) as error:
        report_create(student=other_student, record=credential, lang="zh", months=3)
    assert error.value.message_dict["record"][0].startswith("该记录不在您的学信档案中")


def test_a_revoked_credential_gets_no_new_report(student) -> None:
    credential = graduate(student)
    Credential.objects.filter(pk=credential.pk).update(state=CredentialState.REVOKED)
    credential.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        report_create(student=student, record=credential, lang="zh", months=3)
    assert "已撤销" in error.value.message_dict["record"][0]


def test_extension_opens_one_month_before_expiry(student) -> None:
    report = credential_report(student, months=3, today=TODAY)  # until 2026-06-15
    with pytest.raises(ValidationError) as error:
        report_extend(student=student, report=report, months=2, today=date(2026, 5, 14))
    assert "2026-05-15" in error.value.message_dict["months"][0]
    extended = report_extend(student=student, report=report, months=2, today=date(2026, 5, 15))
    assert extended.valid_until == date(2026, 7, 15)
    assert AuditEntry.objects.filter(action="reports.report.extended").exists()


def test_an_expired_report_can_be_extended_and_verifies_again(student) -> None:
    report = credential_report(student, months=1, today=TODAY)
    later = date(2026, 8, 1)
    assert report_verify(typed=report.code, today=later).status == Status.EXPIRED
    report_extend(student=student, report=report, months=1, today=later)
    assert report_verify(typed=report.code, today=later).status == Status.VALID


def test_closing_stops_the_code_at_once_and_cannot_be_undone_by_extending(student) -> None:
    report = credential_report(student, today=TODAY)
    report_close(student=student, report=report)
    assert report_verify(typed=report.code, today=TODAY).status == Status.CLOSED
    with pytest.raises(ValidationError):
        report_extend(student=student, report=report, months=1, today=date(2026, 6, 30))
    with pytest.raises(ValidationError):
        report_close(student=student, report=report)


def test_a_new_code_replaces_the_old_one(student) -> None:
    old = credential_report(student, months=2, today=TODAY)
    new = report_replace(student=student, report=old, today=TODAY)
    old.refresh_from_db()
    assert new.code != old.code
    assert new.months == 2
    assert old.replaced_by == new
    verification = report_verify(typed=old.code, today=TODAY)
    assert verification.status == Status.CLOSED
    assert verification.message[0] == "此报告已被学生本人更换为新的验证码"
    assert report_verify(typed=new.code, today=TODAY).status == Status.VALID


def test_a_change_to_the_record_supersedes_the_report_and_shows_the_current_value(student) -> None:
    report = credential_report(student, today=TODAY)
    credential_annotate(actor=None, credential=report.credential, reason="辅修", minor="经济学")
    verification = report_verify(typed=report.code, today=TODAY)
    assert verification.status == Status.SUPERSEDED
    assert verification.changes == [("辅修", "", "经济学")]
    renewed = report_replace(student=student, report=report, today=TODAY)
    assert report_verify(typed=renewed.code, today=TODAY).status == Status.VALID


def test_a_revoked_credential_says_so_on_its_report(student) -> None:
    report = credential_report(student, today=TODAY)
    Credential.objects.filter(pk=report.credential_id).update(state=CredentialState.REVOKED)
    verification = report_verify(typed=report.code, today=TODAY)
    assert verification.status == Status.REVOKED
    assert ("学历状态", "有效", "已撤销") in verification.changes


def test_a_cancelled_enrollment_revokes_its_report(student) -> None:
    enrollment = enrollment_of(student)
    report = report_create(student=student, record=enrollment, lang="zh", months=3, today=TODAY)
    enrollment_cancel(
        actor=None, enrollment=enrollment, state="revoked", decision_date=TODAY, reason="违规录取", recorded_on=TODAY
    )
    verification = report_verify(typed=report.code, today=TODAY)
    assert verification.status == Status.REVOKED
    assert verification.current_state == "取消学籍"


def test_unknown_and_malformed_codes_are_told_apart(student) -> None:
    assert report_verify(typed="ABCD-EFGH-JKMN-PQRS").status == Status.UNKNOWN
    assert report_verify(typed="ABCD-EFGH").status == Status.MALFORMED
    assert report_verify(typed="ABCD-EFGH").message[0] == "不合要求的在线验证码"
    assert report_verify(typed="ABCD-EFGH-JKMN-PQRS").message[0] == "此在线验证码无效"


@pytest.mark.parametrize("kind", ["credential", "enrollment"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_verifying_by_code_answers_as_the_report_read_in_full_does(student, kind: str, lang: str) -> None:
    record = graduate(student) if kind == "credential" else enrollment_of(student)
    report = report_create(student=student, record=record, lang=lang, months=3, today=TODAY)

    def both() -> tuple[Verification, Verification]:
        fast = report_verify(typed=report.code, today=TODAY)
        full = verification_of(Report.objects.get(pk=report.pk), today=TODAY)
        assert (fast.status, fast.fields, fast.changes, fast.current_state) == (
            full.status,
            full.fields,
            full.changes,
            full.current_state,
        )
        assert fast.report.pk == report.pk
        return fast, full

    assert both()[0].status == Status.VALID
    if kind == "credential":
        credential_annotate(actor=None, credential=record, reason="辅修", minor="经济学")
    else:
        enrollment_cancel(
            actor=None, enrollment=record, state="revoked", decision_date=TODAY, reason="违规录取", recorded_on=TODAY
        )
    assert both()[0].status in (Status.SUPERSEDED, Status.REVOKED)
