"""The student's archive as A4 PDF documents, on the shared PDF text layer (core.pdf), so that
rare characters in names print and copy out exactly.

- The printable archive (学信档案打印版) is for offices that ask for it (专升本, employers): the
  records in words, the ID number masked as on every paper a student hands to someone else.
- The personal-data copy (个人信息副本, PIPL 第四十五条) is for the student alone: the same records
  with the ID in full, plus the account, bindings, corrections, photo checks and every access
  by others. The JSON export holds the same, machine-readable.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from xuedang.archive import selectors
from xuedang.archive.display import (
    admission_fields,
    credential_fields,
    enrollment_events,
    enrollment_fields,
    words_date,
)
from xuedang.core.masking import mask_document
from xuedang.core.pdf import render_document_pdf
from xuedang.registry.models import Photo

Rows = list[tuple[str, str]]


def _masked(rows: Rows, number: str) -> Rows:
    """The rows with the full document number replaced by its masked form."""
    return [(label, value.replace(number, mask_document(number)) if number else value) for label, value in rows]


def _record_sections(student: Any, *, full_id: bool) -> list[tuple[str, Rows]]:
    sections: list[tuple[str, Rows]] = []
    for credential in selectors.student_credentials(student=student).order_by("-study_end"):
        sections.append(
            (f"学历 / Credential：{credential.institution_name} {credential.major_name}", credential_fields(credential))
        )
    for enrollment in selectors.student_enrollments(student=student).order_by("-entry_date"):
        title = "学籍档案 / Former enrollment" if not enrollment.is_active else "学籍 / Enrollment"
        rows = enrollment_fields(enrollment)
        rows = rows if full_id else _masked(rows, enrollment.document_number)
        timeline = [
            (event.when, f"{event.title}：{event.detail}" if event.detail else event.title)
            for event in enrollment_events(enrollment)
        ]
        sections.append((f"{title}：{enrollment.institution.name} {enrollment.major_name}", rows))
        sections.append(("学籍记录 / Registrations and changes", timeline or [("—", "—")]))
    for admission in selectors.student_admissions(student=student).order_by("-year"):
        rows = admission_fields(admission)
        rows = rows if full_id else _masked(rows, admission.document_number)
        sections.append((f"录取 / Admission：{admission.institution.name} {admission.year}", rows))
    return sections or [("记录 / Records", [("—", "尚无绑定的记录 / no records bound to this account yet")])]


def _latest_photo(student: Any) -> bytes | None:
    enrollments = selectors.student_enrollments(student=student)
    photo = (
        Photo.objects.filter(enrollment__in=enrollments, superseded=False).order_by("-purpose", "-uploaded_at").first()
    )  # graduation before admission
    return bytes(photo.image) if photo else None


def _footer(kind: str) -> str:
    now = timezone.localtime()
    return (
        f"学档 xuedang · {kind} · 生成于 {now:%Y-%m-%d %H:%M} / generated then; "
        "记录以在线查询为准 / the registry online is authoritative"
    )


def printable_archive_pdf(*, student: Any) -> bytes:
    """学信档案打印版: the student's records on A4, ID numbers masked."""
    return render_document_pdf(
        title="学信档案",
        subtitle=f"{student.real_name} · {mask_document(student.document_number)} · Student archive (printable)",
        sections=_record_sections(student, full_id=False),
        photo=_latest_photo(student),
        footer=_footer("打印版 / printable"),
    )


def personal_data_pdf(*, student: Any) -> bytes:
    """个人信息副本: everything the registry holds about the student, for the student."""
    account = [
        ("姓名 / name", student.real_name),
        ("证件号码 / document", f"{student.get_document_type_display()} {student.document_number}"),
        ("手机 / mobile", student.phone or "—"),
        ("电子邮箱 / email", student.email or "—"),
        ("用户名 / username", student.username),
        ("注册时间 / joined", words_date(student.date_joined)),
        ("身份核验 / identity checked", words_date(student.identity_checked_at)),
    ]
    bindings = [
        (words_date(b.bound_at), f"{b.record._meta.verbose_name} #{b.record.pk} · {b.get_method_display()}")
        for b in student.bindings.all()
    ]
    corrections = [
        (
            words_date(c.created_at),
            f"{c.field_label}：{c.old_value or '—'} → {c.new_value} · {c.get_state_display()} · {c.reason}",
        )
        for c in selectors.student_corrections(student=student)
    ]
    checks = [
        (words_date(p.created_at), f"{p.get_verdict_display()} · {p.get_state_display()} · {p.reason}")
        for p in student.photo_checks.all()
    ]
    accesses = [
        (f"{timezone.localtime(e.at):%Y-%m-%d %H:%M}", f"{e.viewer_label} · {e.get_viewer_kind_display()} · {e.seen}")
        for e in selectors.access_events(student=student)[:1000]
    ]
    sections = [
        ("账号 / Account", account),
        *_record_sections(student, full_id=True),
        ("绑定 / Records bound to this account", bindings or [("—", "—")]),
        ("纠错申请 / Correction requests", corrections or [("—", "—")]),
        ("图像校对 / Photo checks", checks or [("—", "—")]),
        ("他人访问记录 / Accesses by others", accesses or [("—", "—")]),
    ]
    return render_document_pdf(
        title="个人信息副本",
        subtitle=f"{student.real_name} · Copy of your personal data (PIPL art. 45)",
        sections=sections,
        photo=_latest_photo(student),
        footer=_footer("个人信息副本 / personal data"),
    )
