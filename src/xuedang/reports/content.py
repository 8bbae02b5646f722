"""What a report says: the record's facts as issued, and their display in Chinese or English.

`record_facts` reads a record into plain JSON values (codes, ISO dates, the ID already masked);
the report keeps them as its snapshot, and verification compares them with the record's facts
now. `report_fields` turns facts into the labelled fields CHSI shows (REFERENCE.md: 学籍 report
and 备案表), with labels, codes and dates translated for the English version.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from pypinyin import lazy_pinyin

from xuedang.core.codetables import code_label
from xuedang.core.masking import mask_document
from xuedang.registry.models import Credential, CredentialKind, Enrollment, Photo

TITLES = {
    ("credential", "zh"): "学历证书电子注册备案表",
    ("credential", "en"): "Online Verification Report of Higher Education Qualification Certificate",
    ("enrollment", "zh"): "学籍在线验证报告",
    ("enrollment", "en"): "Online Verification Report of Student Record",
}
# Facts that may change without the record changing: a save that touches only updated_at, a
# re-read photo, an English name the registry gives the school later. Verification skips them.
VOLATILE = frozenset({"updated_on", "photo_id", "institution_en"})
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "夏侯",
        "长孙",
        "宇文",
        "司徒",
        "端木",
        "申屠",
        "轩辕",
        "独孤",
        "南宫",
        "西门",
        "呼延",
        "澹台",
        "万俟",
        "闻人",
    }
)
EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class ReportContent:
    """What a report PDF shows: reports.pdf.render_report_pdf lays it out and signs it."""

    kind: str
    lang: str
    title: str
    code: str
    verify_url: str
    valid_until: date
    updated_on: date
    photo: bytes | None
    fields: list[tuple[str, str]]


# --- Facts -------------------------------------------------------------------------------------
def _updated_on(record: Any) -> str:
    return timezone.localdate(record.updated_at).isoformat()


def _decimal(value: Decimal) -> str:
    """4, 4.0 and 4.00 are one length of schooling, however the value was read."""
    return f"{Decimal(value).normalize():f}"


def _enrollment_photo_id(enrollment: Enrollment) -> int | None:
    """The 学籍 report shows the admission photo, or the graduation photo when that is all there is."""
    photos = Photo.objects.filter(enrollment=enrollment, superseded=False).order_by("purpose", "-uploaded_at")
    return photos.values_list("pk", flat=True).first()


def _masked(record: Any, document: str | None) -> str:
    """The masked ID; `document` when the caller already knows it (no decryption)."""
    return mask_document(record.document_number) if document is None else document


def enrollment_facts(enrollment: Any, *, for_comparison: bool = False, document: str | None = None) -> dict[str, Any]:
    institution = enrollment.institution
    return {
        "name": enrollment.name,
        "gender": enrollment.gender,
        "document": _masked(enrollment, document),
        "ethnicity": enrollment.ethnicity,
        "birth_date": enrollment.birth_date.isoformat(),
        "institution": institution.name,
        "institution_en": institution.name_en,
        "level": enrollment.level,
        "department": enrollment.department,
        "class_name": enrollment.class_name,
        "major": enrollment.major_name,
        "student_number": enrollment.student_number,
        "study_form": enrollment.study_form,
        "entry_date": enrollment.entry_date.isoformat(),
        "length_years": _decimal(enrollment.length_years),
        "education_type": enrollment.education_type,
        "state": enrollment.state,
        "updated_on": _updated_on(enrollment),
        "photo_id": None if for_comparison else _enrollment_photo_id(enrollment),
    }


def credential_facts(credential: Any, *, for_comparison: bool = False, document: str | None = None) -> dict[str, Any]:
    return {
        "name": credential.name,
        "gender": credential.gender,
        "document": _masked(credential, document),
        "birth_date": credential.birth_date.isoformat(),
        "study_start": credential.study_start.isoformat(),
        "study_end": credential.study_end.isoformat(),
        "institution": credential.institution_name,
        "institution_en": "" if for_comparison else credential.institution.name_en,
        "major": credential.major_name,
        "length_years": _decimal(credential.length_years),
        "level": credential.level,
        "education_type": credential.education_type,
        "study_form": credential.study_form,
        "credential_kind": credential.kind,
        "certificate_number": credential.certificate_number,
        "president": credential.president_name,
        "minor": credential.minor,
        "lost_certificate_note": credential.lost_certificate_note,
        "state": credential.state,
        "updated_on": _updated_on(credential),
        "photo_id": credential.photo_id,
        "registration": "" if credential.source == "enrollment" else credential.source,
    }


def record_facts(record: Credential | Enrollment, *, for_comparison: bool = False) -> dict[str, Any]:
    """The record's facts; `for_comparison` leaves out the VOLATILE ones that cost a query."""
    if isinstance(record, Credential):
        return credential_facts(record, for_comparison=for_comparison)
    return enrollment_facts(record, for_comparison=for_comparison)


def changed_facts(issued: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The facts that differ between the report as issued and the record now, in display order."""
    return [key for key in issued if key not in VOLATILE and issued.get(key) != now.get(key)]


# --- Display -----------------------------------------------------------------------------------
def format_date(value: str | date, lang: str) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    if lang == "en":
        return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def _years(value: str, lang: str) -> str:
    number = Decimal(value).normalize()
    text = f"{number:f}"
    if lang == "en":
        return f"{text} year" + ("" if number == 1 else "s")
    return f"{text}年"


def _syllables(text: str) -> str:
    return "".join(lazy_pinyin(text))


def name_pinyin(name: str) -> str:
    """Hanyu pinyin as on a passport: "ZHANG Sanfeng"; a character with no reading stays as it is
    (吉𠮷 → "JI 𠮷"); minority names keep one word per part (阿依古丽·买买提 → "Ayiguli Maimaiti")."""
    if not any(unicodedata.name(ch, "").startswith("CJK") for ch in name):
        return name
    parts = [part for part in name.split("·") if part]
    if len(parts) > 1:
        return " ".join(_syllables(part).capitalize() for part in parts)
    split = 2 if name[:2] in COMPOUND_SURNAMES else 1
    return f"{_syllables(name[:split]).upper()} {_syllables(name[split:]).capitalize()}".strip()


def _name(value: str, lang: str) -> str:
    if lang != "en":
        return value
    pinyin = name_pinyin(value)
    return value if pinyin == value else f"{value} ({pinyin})"


def _institution(facts: dict[str, Any], lang: str) -> str:
    if lang == "en" and facts.get("institution_en"):
        return facts["institution_en"]
    return facts["institution"]


def _code(table: str) -> Callable[[str, str], str]:
    return lambda value, lang: code_label(table, value, lang=lang) if value else ""


def _kind(value: str, lang: str) -> str:
    label = CredentialKind(value).label.split(" / ")
    return label[1].capitalize() if lang == "en" else label[0]


def _credential_state(value: str, lang: str) -> str:
    names = {"published": ("有效", "Valid"), "revoked": ("已撤销", "Revoked"), "draft": ("未发布", "Not published")}
    zh, en = names.get(value, (value, value))
    return en if lang == "en" else zh


def _plain(value: str, lang: str) -> str:
    return value or ("—" if lang == "en" else "无")


Field = tuple[str, str, str, Callable[[Any, str], str]]  # key, 中文 label, English label, formatter
ENROLLMENT_FIELDS: list[Field] = [
    ("name", "姓名", "Name", _name),
    ("gender", "性别", "Gender", _code("gender")),
    ("document", "证件号码", "ID number", _plain),
    ("ethnicity", "民族", "Ethnicity", _code("ethnicity")),
    ("birth_date", "出生日期", "Date of birth", format_date),
    ("institution", "院校", "Institution", lambda v, lang: v),  # replaced by _institution below
    ("level", "层次", "Level", _code("level")),
    ("department", "院系", "Department", _plain),
    ("class_name", "班级", "Class", _plain),
    ("major", "专业", "Major", _plain),
    ("student_number", "学号", "Student number", _plain),
    ("study_form", "学习形式", "Mode of study", _code("study_form")),
    ("entry_date", "入学日期", "Date of admission", format_date),
    ("length_years", "学制", "Length of schooling", _years),
    ("education_type", "学历类别", "Type of education", _code("education_type")),
    ("state", "学籍状态", "Status", _code("enrollment_state")),
]
CREDENTIAL_FIELDS: list[Field] = [
    ("name", "姓名", "Name", _name),
    ("gender", "性别", "Gender", _code("gender")),
    ("document", "证件号码", "ID number", _plain),
    ("birth_date", "出生日期", "Date of birth", format_date),
    ("study_start", "入学日期", "Date of admission", format_date),
    ("study_end", "毕（结）业日期", "Date of graduation", format_date),
    ("institution", "学校名称", "Institution", lambda v, lang: v),
    ("major", "专业", "Major", _plain),
    ("length_years", "学制", "Length of schooling", _years),
    ("level", "层次", "Level", _code("level")),
    ("education_type", "学历类别", "Type of education", _code("education_type")),
    ("study_form", "学习形式", "Mode of study", _code("study_form")),
    ("credential_kind", "毕（结）业", "Graduation or completion", _kind),
    ("certificate_number", "证书编号", "Certificate number", _plain),
    ("president", "校（院）长姓名", "President", _plain),
    ("state", "学历状态", "Status of the credential", _credential_state),
]
OPTIONAL = {"minor": ("辅修", "Minor"), "lost_certificate_note": ("证明书", "Replacement certificate")}
# A credential without a 学籍 says where it comes from (decision 0029).
REGISTRATION = ("登记方式", "Registration")
REGISTRATION_WORDS = {
    "back_registered": (
        "补录（1991–2001 年历史学历，经省级教育行政部门审核）",
        "Back-registered historical credential (1991–2001), approved by the provincial education authority",
    ),
    "self_study": (
        "高等教育自学考试，学校名称为主考学校",
        "Higher Education Self-study Examinations; the institution named is the examining institution",
    ),
}


def field_table(kind: str) -> list[Field]:
    return CREDENTIAL_FIELDS if kind == "credential" else ENROLLMENT_FIELDS


def report_fields(kind: str, facts: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs in display order, entirely in `lang`."""
    rows = []
    for key, zh, en, formatter in field_table(kind):
        value = _institution(facts, lang) if key == "institution" else formatter(facts.get(key, ""), lang)
        rows.append((en if lang == "en" else zh, value))
    for key, (zh, en) in OPTIONAL.items():
        if facts.get(key):
            rows.append((en if lang == "en" else zh, facts[key]))
    words = REGISTRATION_WORDS.get(facts.get("registration", ""))
    if words:
        rows.append((REGISTRATION[1] if lang == "en" else REGISTRATION[0], words[1] if lang == "en" else words[0]))
    return rows


def field_label(kind: str, key: str, lang: str) -> str:
    for name, zh, en, _ in field_table(kind):
        if name == key:
            return en if lang == "en" else zh
    zh, en = OPTIONAL.get(key, (key, key))
    return en if lang == "en" else zh


def verify_url(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/verify/{code}"


def report_photo(report: Any) -> bytes | None:
    """The photo the report was issued with (its id is in the snapshot), or None."""
    photo_id = report.snapshot.get("photo_id")
    if not photo_id:
        return None
    image = Photo.objects.filter(pk=photo_id).values_list("image", flat=True).first()
    return bytes(image) if image else None


def report_content(report: Any, lang: str | None = None) -> ReportContent:
    """Everything the PDF shows, from the report as issued."""
    lang = lang or report.lang
    facts = report.snapshot
    photo = report_photo(report)
    return ReportContent(
        kind=report.kind,
        lang=lang,
        title=TITLES[(report.kind, lang)],
        code=report.code,
        verify_url=verify_url(report.code),
        valid_until=report.valid_until,
        updated_on=date.fromisoformat(facts["updated_on"]),
        photo=photo,
        fields=report_fields(report.kind, facts, lang),
    )
