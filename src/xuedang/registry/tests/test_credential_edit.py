"""A registrar edits a draft credential's 第十七条 fields before publication, audited; after
publication only the province may (issue 13 item 5, 第十九条)."""

from __future__ import annotations

from datetime import date

import pytest

from xuedang.conftest import login, make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.registry import services
from xuedang.registry.models import Credential
from xuedang.reports.tests.factories import photo_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    enrollment = make_enrollment(student_number="S1")
    return services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1)
    )


def _form(credential: Credential, **changes) -> dict:
    data = {
        field: getattr(credential, field)
        for field in (
            "name",
            "gender",
            "birth_date",
            "study_start",
            "study_end",
            "major_code",
            "major_name",
            "level",
            "length_years",
            "kind",
            "study_form",
            "president_name",
            "certificate_number",
            "minor",
        )
    }
    return {k: "" if v is None else str(v) for k, v in data.items()} | {"reason": "录入有误 / typo"} | changes


def test_the_registrar_fixes_a_draft_and_the_audit_keeps_the_values_before(registrar, draft) -> None:
    client = login(registrar)
    page = client.get(f"/school/credentials/{draft.pk}/edit/").content.decode()
    assert "计算机科学与技术" in page  # the form opens with the credential as it stands
    response = client.post(
        f"/school/credentials/{draft.pk}/edit/",
        _form(draft, major_code="080902", major_name="软件工程", president_name="龚旗煌", photo=_upload()),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.major_code, draft.major_name, draft.president_name) == ("080902", "软件工程", "龚旗煌")
    assert draft.photo_id is not None
    entry = AuditEntry.objects.filter(action="registry.credential.updated").get()
    assert entry.before["major_name"] == "计算机科学与技术"
    assert entry.after["major_name"] == "软件工程"
    assert "name" not in entry.after  # only what changed
    assert entry.reason == "录入有误 / typo"


def test_a_bad_edit_names_the_field_and_changes_nothing(registrar, draft) -> None:
    client = login(registrar)
    response = client.post(f"/school/credentials/{draft.pk}/edit/", _form(draft, level="02"))
    assert response.status_code == 400
    assert "研究生专业代码应为 4 位学科代码" in response.content.decode()
    response = client.post(f"/school/credentials/{draft.pk}/edit/", _form(draft, certificate_number="123"))
    assert response.status_code == 400
    unchanged = Credential.objects.get(pk=draft.pk)
    assert (unchanged.level, unchanged.certificate_number) == ("05", draft.certificate_number)
    assert not AuditEntry.objects.filter(action="registry.credential.updated").exists()


def test_a_new_graduation_date_moves_the_issue_date_and_the_number_must_fit_it(registrar, draft) -> None:
    client = login(registrar)
    moved = client.post(f"/school/credentials/{draft.pk}/edit/", _form(draft, study_end="2025-06-30"))
    assert moved.status_code == 302
    assert Credential.objects.get(pk=draft.pk).issue_date == date(2025, 6, 30)
    wrong_year = client.post(f"/school/credentials/{draft.pk}/edit/", _form(draft, study_end="2026-07-01"))
    assert wrong_year.status_code == 400  # the number carries 2025
    assert Credential.objects.get(pk=draft.pk).study_end == date(2025, 6, 30)


def test_a_published_credential_is_not_editable_by_the_school(registrar, draft) -> None:
    Credential.objects.filter(pk=draft.pk).update(state="published")
    response = login(registrar).post(f"/school/credentials/{draft.pk}/edit/", _form(draft, major_name="x"))
    assert response.status_code == 302
    assert Credential.objects.get(pk=draft.pk).major_name == "计算机科学与技术"


def test_another_school_cannot_edit(other_school_registrar, draft) -> None:
    response = login(other_school_registrar).post(f"/school/credentials/{draft.pk}/edit/", _form(draft, major_name="x"))
    assert response.status_code == 404


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")


def test_dates_are_prefilled_the_way_a_date_input_reads_them(registrar, draft) -> None:
    """<input type=date> takes only YYYY-MM-DD; the zh-Hans format (2025/07/01) is dropped by browsers."""
    page = login(registrar).get(f"/school/credentials/{draft.pk}/edit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert b'type="date" name="study_end" value="2025-07-01"' in page
