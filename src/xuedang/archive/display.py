"""Records as a student reads them: codes and dates turned into words, Chinese with English.

Pure formatting of values already fetched through the archive's doors; nothing here queries
beyond the record's own relations and the code tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xuedang.core.codetables import code_label
from xuedang.core.masking import mask_document
from xuedang.registry.models import Admission, Credential, Enrollment


def words_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value.year} 年 {value.month} 月 {value.day} 日"


def words_code(table: str, code: str) -> str:
    if not code:
        return "—"
    zh, en = code_label(table, code), code_label(table, code, lang="en")
    return zh if zh == en else f"{zh} / {en}"


def words_years(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f} 年 / years"


def _identity(record: Any, owner_sees_id: bool = True) -> list[tuple[str, str]]:
    number = record.document_number if owner_sees_id else mask_document(record.document_number)
    return [
        ("姓名 / name", record.name),
        ("性别 / gender", record.get_gender_display()),
        ("出生日期 / birth date", words_date(record.birth_date)),
        ("民族 / ethnicity", words_code("ethnicity", record.ethnicity)),
        ("证件 / document", f"{record.get_document_type_display()} {number}" if number else "未登记 / not registered"),
    ]


def enrollment_fields(enrollment: Enrollment) -> list[tuple[str, str]]:
    """Every registered field of a 学籍 (the owner sees their own ID in full)."""
    return [
        *_identity(enrollment),
        ("学校 / institution", enrollment.institution.name),
        ("学号 / student number", enrollment.student_number),
        ("考生号 / candidate number", enrollment.exam_number or "—"),
        ("院系 / department", enrollment.department or "—"),
        ("专业 / major", f"{enrollment.major_name}（{enrollment.major_code}）"),
        ("层次 / level", enrollment.get_level_display()),
        ("办学类型 / education type", enrollment.get_education_type_display()),
        ("学习形式 / study form", enrollment.get_study_form_display()),
        ("学制 / length", words_years(enrollment.length_years)),
        ("入学日期 / entry date", words_date(enrollment.entry_date)),
        ("预计毕业日期 / expected graduation", words_date(enrollment.expected_graduation_date)),
        ("录取类型 / admission type", words_code("admission_type", enrollment.admission_type)),
        ("预科 / preparatory", "是 / yes" if enrollment.preparatory else "否 / no"),
        ("班级 / class", enrollment.class_name or "—"),
        ("学籍状态 / state", enrollment.get_state_display()),
        ("状态日期 / state since", words_date(enrollment.state_date)),
    ]


def credential_fields(credential: Credential) -> list[tuple[str, str]]:
    """Every field of 第十七条, in its order, and the annotations."""
    fields = [
        *_identity(credential)[:3],
        ("入学日期 / study start", words_date(credential.study_start)),
        ("毕（结）业日期 / study end", words_date(credential.study_end)),
        ("学校名称 / institution", credential.institution_name),
        ("专业 / major", credential.major_name),
        ("层次 / level", credential.get_level_display()),
        ("学制 / length", words_years(credential.length_years)),
        ("学习形式 / study form", credential.get_study_form_display()),
        ("学历类别 / education type", credential.get_education_type_display()),
        ("毕（结）业 / graduated or completed", credential.get_kind_display()),
        ("校（院）长姓名 / president", credential.president_name or "—"),
        ("证书编号 / certificate number", credential.certificate_number or "—"),
        ("发证日期 / issue date", words_date(credential.issue_date)),
        ("状态 / state", credential.get_state_display()),
    ]
    if credential.minor:
        fields.append(("辅修 / minor", credential.minor))
    if credential.lost_certificate_note:
        fields.append(("证明书 / replacement certificate", credential.lost_certificate_note))
    if credential.source != "enrollment":  # 自考 or 补录 (decision 0029)
        fields.append(("登记方式 / registration", credential.get_source_display()))
    return fields


def admission_fields(admission: Admission) -> list[tuple[str, str]]:
    return [
        *_identity(admission),
        ("录取年份 / year", str(admission.year)),
        ("考生号 / candidate number", admission.exam_number),
        ("录取学校 / institution", admission.institution.name),
        ("生源地 / home province", words_code("province", admission.province_code)),
        ("专业 / major", f"{admission.major_name}（{admission.major_code}）"),
        ("层次 / level", admission.get_level_display()),
        ("学习形式 / study form", admission.get_study_form_display()),
        ("录取类型 / admission type", words_code("admission_type", admission.admission_type)),
        ("预科 / preparatory", "是 / yes" if admission.preparatory else "否 / no"),
        ("状态 / state", admission.get_state_display()),
    ]


@dataclass(frozen=True)
class Event:
    on: date
    title: str
    detail: str

    @property
    def when(self) -> str:
        return words_date(self.on)


def enrollment_events(enrollment: Enrollment) -> list[Event]:
    """The timeline in words: registration, each 学年注册, each 异动 by its name, notes, credential."""
    events = [Event(enrollment.entry_date, "注册学籍 / registered", enrollment.major_name)]
    for registration in enrollment.annual_registrations.all():
        late = "（逾期 / late）" if registration.late else ""
        events.append(
            Event(
                registration.registered_on,
                f"{registration.academic_year}–{registration.academic_year + 1} 学年注册 / annual registration",
                f"{registration.get_status_display()}{late}",
            )
        )
    for change in enrollment.changes.all():
        events.append(
            Event(change.change_date, f"学籍异动：{words_code('change_type', change.change_code)}", change.reason)
        )
    for note in enrollment.notes.all():
        events.append(Event(note.decided_on, note.get_kind_display(), note.title))
    credential = Credential.objects.filter(enrollment=enrollment).first()
    if credential is not None and credential.issue_date:
        events.append(
            Event(
                credential.issue_date,
                "学历注册 / credential",
                f"{credential.get_kind_display()} · {credential.get_state_display()}",
            )
        )
    return sorted(events, key=lambda e: e.on)


def registered_under(user: Any, record: Any) -> str:
    """The name a record was registered under, when it is not the account's current name."""
    return record.name if record.name != user.real_name else ""


ACTION_WORDS = {
    "corrected": "纠错更正 / corrected on request",
    "changed": "学籍异动 / status change",
    "updated": "学校修改（发布前）/ corrected by the school before publication",
    "annotated": "批注 / annotated",
    "graduated": "毕业 / graduated",
    "published": "发布 / published",
    "transferred": "转学 / transferred",
    "answered": "学校处理 / answered by the school",
}


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    what: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str


# fields whose values are national codes (core/data/codes), shown by their names
CODED_FIELDS = {f: f for f in ("ethnicity", "level", "study_form", "admission_type", "education_type")}


MODELS = {"registry.enrollment": Enrollment, "registry.credential": Credential, "registry.admission": Admission}


def _field(name: str, target: str = "") -> Any:
    first = MODELS.get(target)
    for model in ([first] if first else []) + [Enrollment, Credential, Admission]:
        if any(f.name == name for f in model._meta.get_fields()):
            return model._meta.get_field(name)
    return None


def words_field(name: str, target: str = "") -> str:
    """A record field by its name on the page (「学籍状态 / state」), never its identifier."""
    field = _field(name, target)
    return str(getattr(field, "verbose_name", "") or name) if field is not None else name


def words_value(name: str, value: Any, target: str = "") -> str:
    """A stored value in words: a choice by its label, a national code by its name (issue 19 item 6)."""
    if value in (None, ""):
        return "—"
    if name in CODED_FIELDS:
        return words_code(CODED_FIELDS[name], str(value))
    field = _field(name, target)
    choices = dict(getattr(field, "choices", None) or ())
    return str(choices.get(value, value))


def _in_words(values: dict[str, Any], target: str) -> dict[str, str]:
    return {words_field(name, target): words_value(name, value, target) for name, value in values.items()}


def history_rows(entries: Any) -> list[HistoryRow]:
    """The changes of a record (audit entries with values before them), newest last, in words."""
    rows = []
    for entry in entries:
        if not entry.before:
            continue
        verb = entry.action.rsplit(".", 1)[-1]
        after = {k: v for k, v in (entry.after or {}).items() if k in entry.before}
        rows.append(
            HistoryRow(
                entry.at,
                ACTION_WORDS.get(verb, verb),
                _in_words(entry.before, entry.target_type),
                _in_words(after, entry.target_type),
                entry.reason,
            )
        )
    return rows
