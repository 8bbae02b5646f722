"""第十一条 (issue 13 item 8): the student hears once of a registered 学籍, a published 学历, a
cancelled 学籍 and a revoked credential; a person without an account hears at first binding."""

from __future__ import annotations

from datetime import date

import pytest

from xuedang.accounts.models import Notification
from xuedang.archive.services import bindings_refresh
from xuedang.conftest import make_enrollment
from xuedang.registry import services
from xuedang.registry.models import RecordNotice

pytestmark = pytest.mark.django_db


def texts(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("text", flat=True))


def test_a_bound_student_is_told_of_a_cancellation_once(student) -> None:
    enrollment = make_enrollment(name=student.real_name, document_number=student.document_number)
    bindings_refresh(user=student)
    services.enrollment_cancel(
        actor=None,
        enrollment=enrollment,
        state="withdrawn",
        decision_date=date(2023, 3, 1),
        decision_number="校学〔2023〕3号",
        reason="退学",
        recorded_on=date(2023, 3, 2),
    )
    cancelled = [t for t in texts(student) if "已注销" in t]
    assert cancelled == ["您在北京大学的学籍已注销：退学 / your enrollment was cancelled"]
    notice = RecordNotice.objects.get(event_key=f"enrollment.cancelled:{enrollment.pk}")
    assert services.record_notice(record=enrollment, event="enrollment.cancelled", school="x", state="y") is None
    bindings_refresh(user=student)  # binding again tells nothing new
    assert notice.deliveries.count() == 1
    assert len([t for t in texts(student) if "已注销" in t]) == 1


def test_a_person_without_an_account_reads_the_notices_at_first_binding(student) -> None:
    make_enrollment(name=student.real_name, document_number=student.document_number)
    assert texts(student) == []  # not bound yet: nobody to tell
    bindings_refresh(user=student)  # what signing in does
    assert texts(student) == ["您的学籍已由北京大学注册（计算机科学与技术）/ your enrollment was registered"]
    bindings_refresh(user=student)
    assert len(texts(student)) == 1


def test_an_sms_copy_leaves_after_commit(student, django_capture_on_commit_callbacks) -> None:
    from xuedang.accounts.models import User

    User.objects.filter(pk=student.pk).update(phone="13800138000")
    student.refresh_from_db()
    make_enrollment(name=student.real_name, document_number=student.document_number)
    with django_capture_on_commit_callbacks() as callbacks:
        bindings_refresh(user=student)
    assert len(callbacks) == 1
