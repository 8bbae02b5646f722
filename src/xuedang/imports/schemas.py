"""What each kind of import file holds, and how one row becomes registry values.

Column names are the Chinese ones in the downloadable templates; English names are accepted
too. Code columns accept the official code or its Chinese name (``05`` or ``本科``).
Row validation is pure: it needs the code tables and the institution, not the registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from xuedang.core import crypto, validators
from xuedang.core.calendar import add_months
from xuedang.core.codetables import code_choices
from xuedang.imports.parsing import ImportFileError, RowError, SourceRow


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = True
    example: str = ""


# The person as both 录取 and 学籍 files name them, and the programme they study.
IDENTITY_COLUMNS = [
    Column("name", "姓名", "name", example="吉𠮷"),
    Column("gender", "性别", "gender", example="男"),
    Column("birth_date", "出生日期", "birth_date", example="2008-03-01"),
    Column("ethnicity", "民族", "ethnicity", example="汉族"),
    Column("document_type", "证件类型", "document_type", required=False, example="居民身份证"),
    Column("document_number", "证件号码", "document_number", example="110105200803010018"),
]
PROGRAMME_COLUMNS = [
    Column("major_code", "专业代码", "major_code", example="080901"),
    Column("major_name", "专业名称", "major_name", example="计算机科学与技术"),
    Column("level", "层次", "level", example="本科"),
    Column("study_form", "学习形式", "study_form", example="全日制"),
]
ENROLLMENT_COLUMNS = [
    Column("student_number", "学号", "student_number", example="2026000001"),
    *IDENTITY_COLUMNS,
    Column("department", "院系", "department", required=False, example="信息科学技术学院"),
    *PROGRAMME_COLUMNS,
    Column("length_years", "学制", "length_years", example="4"),
    Column("entry_date", "入学日期", "entry_date", example="2026-09-01"),
    Column("expected_graduation_date", "预计毕业日期", "expected_graduation_date", example="2030-07-01"),
    Column("admission_type", "录取类型", "admission_type", required=False, example="统招（普通批次）"),
    Column("exam_number", "考生号", "exam_number", required=False, example="26110101123456"),
    Column("class_name", "班级", "class_name", required=False, example="计算机26级1班"),
]
DOCUMENT_TYPES = {
    "居民身份证": "resident_id",
    "身份证": "resident_id",
    "resident_id": "resident_id",
    "外国人永久居留身份证": "foreign_permanent",
    "foreign_permanent": "foreign_permanent",
    "港澳台居民居住证": "hmt_permit",
    "hmt_permit": "hmt_permit",
    "护照": "passport",
    "passport": "passport",
}
GENDERS = {"男": "1", "女": "2", "1": "1", "2": "2", "0": "0", "9": "9", "M": "1", "F": "2"}
LEVEL_ALIASES = {"专科": "06", "高职": "06", "高职（专科）": "06", "本科": "05", "硕士": "02", "博士": "01"}


def header_map(found: list[str], columns: list[Column]) -> dict[str, str]:
    """Map each column key to the header the file uses for it (Chinese or English)."""
    mapping = {}
    for column in columns:
        for name in (column.zh, column.en):
            if name in found:
                mapping[column.key] = name
    return mapping


def validated_headers(title: str, columns: list[Column], found: list[str]) -> dict[str, str]:
    """The header map of a file, or ImportFileError naming missing and unknown columns."""
    mapping = header_map(found, columns)
    missing = [c.zh for c in columns if c.required and c.key not in mapping]
    known = {c.zh for c in columns} | {c.en for c in columns}
    unknown = [name for name in found if name not in known]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"缺少必填列：{'、'.join(missing)} / missing required columns")
        if unknown:
            parts.append(f"无法识别的列：{'、'.join(unknown)} / unknown columns")
        raise ImportFileError(f"{title}文件：" + "；".join(parts))
    return mapping


class Lookups:
    """Code tables as {code or Chinese name: code}, built once per import."""

    def __init__(self) -> None:
        self.institution_code = ""
        # The institution's recorded first-semester starts by academic year (学年注册 deadlines).
        self.semester_starts: dict[int, date] = {}
        self.tables: dict[str, dict[str, str]] = {}
        for table in ("ethnicity", "level", "study_form", "admission_type", "major", "province", "change_type"):
            pairs = code_choices(table)
            mapping = {code: code for code, _ in pairs}
            mapping |= {label.split(" / ")[0]: code for code, label in pairs}
            self.tables[table] = mapping
        self.tables["level"] |= LEVEL_ALIASES

    def code(self, table: str, value: str) -> str | None:
        return self.tables[table].get(value)


def _date(value: str) -> date:
    text = value.strip().replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValidationError(f"日期“{value}”格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD") from error


class RowInvalid(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors


Step = tuple[str, Column, Callable[[str], Any]]  # (header in this file, column, converter)
UNIQUE_PER_ROW = frozenset({"student_number", "exam_number", "document_number"})


def memoized(convert: Callable[[str], Any], size: int = 4096) -> Callable[[str], Any]:
    """`convert` with a bounded cache of its results: most columns of a school's file repeat
    (dates, codes, departments, common names), and a row's checks are then dictionary lookups.
    Failures are not cached, so each bad cell is reported with its own row."""
    cache: dict[str, Any] = {}

    def cached(value: str) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = convert(value)
            if len(cache) >= size:
                cache.clear()
            cache[value] = result
            return result

    return cached


def run_steps(row: SourceRow, steps: Sequence[Step]) -> tuple[dict[str, Any], list[RowError]]:
    """Convert each cell of `row`; every problem is collected, not just the first."""
    errors: list[RowError] = []
    clean: dict[str, Any] = {}
    for header, column, convert in steps:
        value = row.values.get(header, "")
        if not value:
            if column.required:
                errors.append(RowError(row.number, column.zh, "", f"{column.zh}不能为空 / {column.en} is required"))
            continue
        try:
            clean[column.key] = convert(value)
        except ValidationError as error:
            errors.append(RowError(row.number, column.zh, value[:100], error.messages[0]))
    return clean, errors


class EnrollmentRowValidator:
    """Checks rows of a new-student file; built once per file so each row costs little."""

    def __init__(self, headers: dict[str, str], lookups: Lookups, columns: list[Column] | None = None) -> None:
        self.headers = headers
        self.steps: list[Step] = []
        converters: dict[str, Callable[[str], Any]] = {
            "student_number": _student_number,
            "name": validators.normalize_name,
            "gender": _gender,
            "birth_date": _date,
            "ethnicity": _coded(lookups, "ethnicity", "民族"),
            "department": _text100,
            "major_code": _major_code,
            "major_name": _text100,
            "level": _coded(lookups, "level", "层次"),
            "study_form": _coded(lookups, "study_form", "学习形式"),
            "length_years": _length,
            "entry_date": _date,
            "expected_graduation_date": _date,
            "admission_type": _coded(lookups, "admission_type", "录取类型"),
            "exam_number": validators.normalize_exam_number,
            "class_name": _text60,
            "province_code": _coded(lookups, "province", "生源地"),
            "year": _year,
            "preparatory": _yes_no,
        }
        for column in columns or ENROLLMENT_COLUMNS:
            if column.key in converters:
                convert = converters[column.key]
                if column.key not in UNIQUE_PER_ROW:
                    convert = memoized(convert)
                self.steps.append((headers.get(column.key, ""), column, convert))
        self.document_type_header = headers.get("document_type", "")
        self.document_number_header = headers.get("document_number", "")

    def __call__(self, row: SourceRow) -> dict[str, Any]:
        """One row as registry values, or RowInvalid listing every problem in it."""
        clean, errors = run_steps(row, self.steps)
        self._document(row, clean, errors)
        _cross_check(row, clean, errors)
        if errors:
            raise RowInvalid(errors)
        return _finish(clean)

    def _document(self, row: SourceRow, clean: dict[str, Any], errors: list[RowError]) -> None:
        raw_type = row.values.get(self.document_type_header, "") or "居民身份证"
        doc_type = DOCUMENT_TYPES.get(raw_type)
        if doc_type is None:
            errors.append(RowError(row.number, "证件类型", raw_type[:50], "证件类型无效 / unknown document type"))
            return
        clean["document_type"] = doc_type
        number = row.values.get(self.document_number_header, "")
        if not number:
            errors.append(RowError(row.number, "证件号码", "", "证件号码不能为空 / document_number is required"))
            return
        try:
            clean["document_number"] = validators.normalize_document(doc_type, number)
        except ValidationError as error:
            errors.append(RowError(row.number, "证件号码", number[:40], error.messages[0]))


def _coded(lookups: Lookups, table: str, label: str) -> Callable[[str], str]:
    mapping = lookups.tables[table]

    def convert(value: str) -> str:
        code = mapping.get(value)
        if code is None:
            raise ValidationError(f"{label}“{value}”不在代码表中 / {table} {value!r} is not a known code")
        return code

    return convert


def _cross_check(row: SourceRow, clean: dict[str, Any], errors: list[RowError]) -> None:
    from xuedang.registry.services.common import major_code_problem

    if clean.get("level") and clean.get("major_code"):
        problem = major_code_problem(clean["level"], clean["major_code"])
        if problem:  # a 博士 with an undergraduate major is a typing mistake, not a record
            errors.append(RowError(row.number, "专业代码", clean["major_code"], problem))
    number, doc_type = clean.get("document_number"), clean.get("document_type")
    if number and doc_type in ("resident_id", "hmt_permit"):
        if "birth_date" in clean and validators.birth_date_from_resident_id(number) != clean["birth_date"]:
            errors.append(
                RowError(
                    row.number,
                    "出生日期",
                    str(clean["birth_date"]),
                    "出生日期与身份证号码不一致 / the birth date does not match the ID number",
                )
            )
        if clean.get("gender") in ("1", "2") and validators.gender_from_resident_id(number) != clean["gender"]:
            errors.append(
                RowError(
                    row.number,
                    "性别",
                    clean["gender"],
                    "性别与身份证号码不一致 / the gender does not match the ID number",
                )
            )
    entry, end = clean.get("entry_date"), clean.get("expected_graduation_date")
    if entry and end and end <= entry:
        errors.append(
            RowError(
                row.number,
                "预计毕业日期",
                str(end),
                "预计毕业日期须晚于入学日期 / expected graduation must be after entry",
            )
        )


def _finish(clean: dict[str, Any]) -> dict[str, Any]:
    number = clean.pop("document_number")
    clean["identity_digest"] = crypto.identity_digest(clean["document_type"], number)
    clean["document_number_sealed"] = crypto.seal(number)
    clean["is_full_time"] = clean["study_form"] == "1"
    clean.setdefault("education_type", "1")
    for key in ("department", "admission_type", "exam_number", "class_name"):
        clean.setdefault(key, "")
    return clean


def _student_number(value: str) -> str:
    if not re.fullmatch(r"[0-9A-Za-z\-_]{1,30}", value):
        raise ValidationError(
            "学号只能由字母、数字、- 和 _ 组成，最长 30 位 / a student number has up to 30 letters, digits, - or _"
        )
    return value


def _gender(value: str) -> str:
    code = GENDERS.get(value.upper())
    if code is None:
        raise ValidationError(f"性别“{value}”无效，应为 男 或 女 / gender must be 男 or 女")
    return code


def _major_code(value: str) -> str:
    if not re.fullmatch(r"\d{4,6}[TK]{0,2}", value.upper()):
        raise ValidationError("专业代码应为 6 位（可带 T/K）/ a major code has 6 digits, optionally T or K")
    return value.upper()


def _length(value: str) -> Decimal:
    try:
        years = Decimal(value)
    except InvalidOperation as error:
        raise ValidationError("学制应为数字，如 4 或 3.5 / the length must be a number such as 4") from error
    if not Decimal(1) <= years <= Decimal(9) or years * 2 != int(years * 2):
        raise ValidationError("学制应在 1 到 9 年之间，以半年为单位 / the length is 1 to 9 years, in halves")
    return years


def _text100(value: str) -> str:
    return _text(value, 100)


def _text60(value: str) -> str:
    return _text(value, 60)


_CONTROL = re.compile(r"[\x00-\x1f]")


def _text(value: str, limit: int) -> str:
    if len(value) > limit:
        raise ValidationError(f"不能超过 {limit} 个字 / at most {limit} characters")
    if _CONTROL.search(value):
        raise ValidationError("含有控制字符 / contains control characters")
    return value


ANNUAL_COLUMNS = [
    Column("student_number", "学号", "student_number", example="2026000001"),
    Column("academic_year", "学年", "academic_year", example="2026-2027"),
    Column("status", "注册状态", "status", example="注册学籍"),
    Column("semester_start", "开学日期", "semester_start", required=False, example="2026-09-01"),
    Column("registered_on", "注册日期", "registered_on", required=False, example="2026-09-15"),
]
ANNUAL_STATUSES = {
    "注册学籍": "registered",
    "注册": "registered",
    "registered": "registered",
    "暂缓注册": "deferred",
    "暂缓": "deferred",
    "deferred": "deferred",
}


def _academic_year(value: str) -> int:
    match = re.fullmatch(r"(\d{4})(?:\s*[-–/至]\s*(\d{4}))?(?:学年)?", value.strip())
    if not match or (match.group(2) and int(match.group(2)) != int(match.group(1)) + 1):
        raise ValidationError(f"学年“{value}”格式应为 2026-2027 或 2026 / the academic year must be like 2026-2027")
    year = int(match.group(1))
    if not 1990 <= year <= 2100:
        raise ValidationError(f"学年“{value}”超出范围 / the academic year is out of range")
    return year


def _annual_status(value: str) -> str:
    status = ANNUAL_STATUSES.get(value.strip())
    if status is None:
        raise ValidationError(f"注册状态“{value}”无效，应为 注册学籍 或 暂缓注册 / status must be 注册学籍 or 暂缓注册")
    return status


class AnnualRegistrationRowValidator:
    """Checks rows of a 学年注册 file; the deadline is one month after the semester start the
    institution recorded for the year (第十三条). A 开学日期 column, if given, must agree with it."""

    def _semester_problems(self, number: int, clean: dict[str, Any]) -> list[RowError]:
        year, typed = clean.get("academic_year"), clean.get("semester_start")
        if year is None:
            return []
        recorded = self.semester_starts.get(year)
        if recorded is None:
            message = (
                f"本校尚未登记 {year}-{year + 1} 学年第一学期开学日期 / the institution has not recorded "
                f"the first-semester start of {year}-{year + 1}"
            )
            return [RowError(number, "学年", str(year), message)]
        if typed is not None and typed != recorded:
            message = (
                f"开学日期与本校登记的 {recorded} 不一致 / the semester start differs from the recorded {recorded}"
            )
            return [RowError(number, "开学日期", str(typed), message)]
        return []

    def __init__(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> None:
        converters = {
            "student_number": _student_number,
            "academic_year": _academic_year,
            "status": _annual_status,
            "semester_start": _date,
            "registered_on": _date,
        }
        self.steps = [(headers.get(c.key, ""), c, converters[c.key]) for c in ANNUAL_COLUMNS]
        self.today = today
        self.semester_starts = lookups.semester_starts

    def __call__(self, row: SourceRow) -> dict[str, Any]:
        clean, errors = run_steps(row, self.steps)
        errors += self._semester_problems(row.number, clean)
        if errors:
            raise RowInvalid(errors)
        clean.setdefault("registered_on", self.today)
        clean["semester_start"] = self.semester_starts[clean["academic_year"]]
        clean["deadline"] = add_months(clean["semester_start"], 1)
        clean["late"] = clean["registered_on"] > clean["deadline"]
        return clean


ADMISSION_COLUMNS = [
    Column("exam_number", "考生号", "exam_number", example="26110101123456"),
    Column("year", "录取年份", "year", example="2026"),
    *IDENTITY_COLUMNS,
    Column("province_code", "生源地", "province_code", example="北京市"),
    *PROGRAMME_COLUMNS,
    Column("admission_type", "录取类型", "admission_type", example="统招（普通批次）"),
    Column("preparatory", "预科", "preparatory", required=False, example="否"),
]


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value) or not 1990 <= int(value) <= 2100:
        raise ValidationError(f"年份“{value}”应为四位数字 / the year must have four digits")
    return int(value)


def _yes_no(value: str) -> bool:
    answers = {"是": True, "否": False, "1": True, "0": False, "Y": True, "N": False}
    if value.strip().upper() not in answers:
        raise ValidationError(f"“{value}”应为 是 或 否 / must be 是 (yes) or 否 (no)")
    return answers[value.strip().upper()]


CANCELLATION_COLUMNS = [
    Column("student_number", "学号", "student_number", example="2026000001"),
    Column("state", "注销类型", "state", example="退学"),
    Column("decision_date", "决定日期", "decision_date", example="2026-10-08"),
    Column("decision_number", "文号", "decision_number", required=False, example="校学〔2026〕12号"),
    Column("reason", "原因", "reason", example="本人申请退学"),
]
CANCELLATION_STATES = {
    "退学": ("withdrawn", "31"),
    "取消学籍": ("revoked", "18"),
    "开除学籍": ("expelled", "42"),
    "死亡": ("deceased", "51"),
}


def _cancellation(value: str) -> tuple[str, str]:
    found = CANCELLATION_STATES.get(value.strip())
    if found is None:
        raise ValidationError(
            f"注销类型“{value}”无效，应为 {'、'.join(CANCELLATION_STATES)} / the kind must be one of "
            "退学, 取消学籍, 开除学籍, 死亡"
        )
    return found


class CancellationRowValidator:
    """Checks rows of a 学籍注销 file; each deadline is 15 working days after its decision."""

    def __init__(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> None:
        from xuedang.core.calendar import WorkingCalendar

        converters = {
            "student_number": _student_number,
            "state": _cancellation,
            "decision_date": _date,
            "decision_number": lambda v: _text(v, 60),
            "reason": lambda v: _text(v, 500),
        }
        self.steps = [(headers.get(c.key, ""), c, converters[c.key]) for c in CANCELLATION_COLUMNS]
        self.today, self.calendar = today, WorkingCalendar()

    def __call__(self, row: SourceRow) -> dict[str, Any]:
        clean, errors = run_steps(row, self.steps)
        decided = clean.get("decision_date")
        if decided and decided > self.today:
            errors.append(
                RowError(
                    row.number, "决定日期", str(decided), "决定日期不能晚于今天 / the decision cannot be in the future"
                )
            )
        if errors:
            raise RowInvalid(errors)
        clean["state"], clean["change_code"] = clean["state"]
        clean.setdefault("decision_number", "")
        assert decided is not None  # a required column: run_steps reported it missing
        clean["deadline"], clean["estimated"] = self.calendar.add_working_days(decided, 15)
        clean["late"] = self.today > clean["deadline"]
        return clean


CHANGE_COLUMNS = [
    Column("student_number", "学号", "student_number", example="2026000001"),
    Column("change_code", "异动类别", "change_code", example="转专业"),
    Column("change_date", "异动日期", "change_date", example="2026-09-01"),
    Column("decision_number", "文号", "decision_number", example="校教〔2026〕12号"),
    Column("decision_date", "决定日期", "decision_date", required=False, example="2026-08-25"),
    Column("reason", "原因", "reason", example="本人申请，经学校批准"),
    Column("major_code", "专业代码", "major_code", required=False, example="080717T"),
    Column("major_name", "专业名称", "major_name", required=False, example="人工智能"),
    Column("department", "院系", "department", required=False, example="人工智能学院"),
    Column("class_name", "班级", "class_name", required=False, example=""),
    Column("state", "学籍状态", "state", required=False, example=""),
    Column("expected_graduation_date", "预计毕业日期", "expected_graduation_date", required=False, example=""),
]
CHANGE_VALUES = ("major_code", "major_name", "department", "class_name", "state", "expected_graduation_date", "level")


class ChangeRowValidator:
    """Checks rows of a 学籍异动 file (one change per student per file). The code decides the
    state and the fields the row needs (registry's `CHANGE_RULES`); the state column, when
    filled, must agree with it."""

    def __init__(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> None:
        from xuedang.registry.models import EnrollmentState

        states = {s.value: s.value for s in EnrollmentState} | {
            s.label.split(" / ")[0]: s.value for s in EnrollmentState
        }

        def state(value: str) -> str:
            if value not in states:
                raise ValidationError(f"学籍状态“{value}”无效 / unknown state")
            return states[value]

        converters = {
            "student_number": _student_number,
            "change_code": _coded(lookups, "change_type", "异动类别"),
            "change_date": _date,
            "decision_number": lambda v: _text(v, 60),
            "decision_date": _date,
            "reason": lambda v: _text(v, 500),
            "major_code": _major_code,
            "major_name": _text100,
            "department": _text100,
            "class_name": lambda v: _text(v, 60),
            "state": state,
            "expected_graduation_date": _date,
        }
        self.steps = [(headers.get(c.key, ""), c, converters[c.key]) for c in CHANGE_COLUMNS]
        self.today = today

    def __call__(self, row: SourceRow) -> dict[str, Any]:
        from xuedang.registry.services import CHANGE_RULES, change_label
        from xuedang.registry.services.change_rules import ELSEWHERE, FIELD_LABELS, state_label

        clean, errors = run_steps(row, self.steps)
        code = clean.get("change_code")
        for field in ("change_date", "decision_date"):
            if clean.get(field) and clean[field] > self.today:
                column = "异动日期" if field == "change_date" else "决定日期"
                errors.append(
                    RowError(
                        row.number, column, str(clean[field]), "日期不能晚于今天 / the date cannot be in the future"
                    )
                )
        rule = CHANGE_RULES.get(code or "")
        if code and rule is None:
            where = ELSEWHERE.get(code, "其他流程 / another procedure")
            errors.append(
                RowError(row.number, "异动类别", code, f"“{change_label(code)}”请通过{where}办理 / not a plain change")
            )
        if rule is not None:
            for field in rule.needs:
                if clean.get(field) in (None, ""):
                    label = FIELD_LABELS[field]
                    column = next(c.zh for c in CHANGE_COLUMNS if c.key == field)
                    errors.append(
                        RowError(
                            row.number,
                            column,
                            "",
                            f"“{change_label(code or '')}”须填写{label.split(' / ')[0]} / the change needs the "
                            f"{label.split(' / ')[1]}",
                        )
                    )
            given = clean.get("state")
            if given and given != rule.state:
                implied = state_label(rule.state).split(" / ")[0] if rule.state else "不变"
                errors.append(
                    RowError(
                        row.number,
                        "学籍状态",
                        given,
                        f"“{change_label(code or '')}”的学籍状态应为“{implied}” / the state follows from the change",
                    )
                )
            clean["state"] = rule.state
            clean["level"] = rule.level_to
        if errors:
            raise RowInvalid(errors)
        if clean.get("decision_date") is None:
            clean["decision_date"] = clean.get("change_date")
        for key in CHANGE_VALUES:
            clean.setdefault(key, None)
        return clean


CREDENTIAL_COLUMNS = [
    Column("student_number", "学号", "student_number", example="2022000001"),
    Column("kind", "毕结业", "kind", example="毕业"),
    Column("study_end", "毕结业日期", "study_end", example="2026-07-01"),
    Column("certificate_number", "证书编号", "certificate_number", required=False, example=""),
    Column("minor", "辅修", "minor", required=False, example=""),
]
CREDENTIAL_KINDS = {"毕业": "graduation", "结业": "completion", "graduation": "graduation", "completion": "completion"}


def _credential_kind(value: str) -> str:
    kind = CREDENTIAL_KINDS.get(value.strip())
    if kind is None:
        raise ValidationError(f"“{value}”应为 毕业 或 结业 / must be 毕业 (graduation) or 结业 (completion)")
    return kind


class CredentialRowValidator:
    """Checks rows of a 学历注册 file; supplied numbers must belong to this school and year."""

    def __init__(self, headers: dict[str, str], lookups: Lookups, *, today: date, institution_code: str) -> None:
        converters = {
            "student_number": _student_number,
            "kind": _credential_kind,
            "study_end": _date,
            "certificate_number": lambda v: v.strip(),
            "minor": lambda v: _text(v, 200),
        }
        self.steps = [(headers.get(c.key, ""), c, converters[c.key]) for c in CREDENTIAL_COLUMNS]
        self.institution_code = institution_code

    def __call__(self, row: SourceRow) -> dict[str, Any]:
        clean, errors = run_steps(row, self.steps)
        number = clean.get("certificate_number", "")
        if number and "study_end" in clean:
            try:
                clean["certificate_number"] = validators.validate_certificate_number(
                    number, institution_code=self.institution_code, graduation_year=clean["study_end"].year
                )
            except ValidationError as error:
                errors.append(RowError(row.number, "证书编号", number[:40], error.messages[0]))
        if errors:
            raise RowInvalid(errors)
        clean.setdefault("certificate_number", "")
        clean.setdefault("minor", "")
        return clean


# 学历注册信息更新: a draft credential named by 学号; a blank cell leaves that field as it is.
CREDENTIAL_UPDATE_COLUMNS = [
    Column("student_number", "学号", "student_number", example="2022000001"),
    Column("reason", "修改原因", "reason", example="专业名称录入有误"),
    Column("name", "姓名", "name", required=False, example=""),
    Column("gender", "性别", "gender", required=False, example=""),
    Column("birth_date", "出生日期", "birth_date", required=False, example=""),
    Column("study_start", "入学日期", "study_start", required=False, example=""),
    Column("study_end", "毕结业日期", "study_end", required=False, example=""),
    Column("major_code", "专业代码", "major_code", required=False, example="080902"),
    Column("major_name", "专业名称", "major_name", required=False, example="软件工程"),
    Column("level", "层次", "level", required=False, example=""),
    Column("length_years", "学制", "length_years", required=False, example=""),
    Column("kind", "毕结业", "kind", required=False, example=""),
    Column("study_form", "学习形式", "study_form", required=False, example=""),
    Column("president_name", "校长姓名", "president_name", required=False, example=""),
    Column("certificate_number", "证书编号", "certificate_number", required=False, example=""),
    Column("minor", "辅修", "minor", required=False, example=""),
]
CREDENTIAL_UPDATE_FIELDS = tuple(c.key for c in CREDENTIAL_UPDATE_COLUMNS[2:])


class CredentialUpdateRowValidator:
    """Checks the cells of a 学历注册信息更新 file; what the values mean together (level and
    major, dates, the certificate number) is checked against the credential in `kinds`."""

    def __init__(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> None:
        converters: dict[str, Callable[[str], Any]] = {
            "student_number": _student_number,
            "reason": lambda v: _text(v, 500),
            "name": validators.normalize_name,
            "gender": _gender,
            "birth_date": _date,
            "study_start": _date,
            "study_end": _date,
            "major_code": _major_code,
            "major_name": _text100,
            "level": _coded(lookups, "level", "层次"),
            "length_years": _length,
            "kind": _credential_kind,
            "study_form": _coded(lookups, "study_form", "学习形式"),
            "president_name": validators.normalize_name,
            "certificate_number": lambda v: _text(v.strip(), 40),
            "minor": lambda v: _text(v, 200),
        }
        self.steps = [(headers.get(c.key, ""), c, converters[c.key]) for c in CREDENTIAL_UPDATE_COLUMNS]

    def __call__(self, row: SourceRow) -> dict[str, Any]:
        clean, errors = run_steps(row, self.steps)
        if errors:
            raise RowInvalid(errors)
        if not any(key in clean for key in CREDENTIAL_UPDATE_FIELDS):
            raise RowInvalid([RowError(row.number, "学号", clean["student_number"], NOTHING_TO_CHANGE)])
        for key in CREDENTIAL_UPDATE_FIELDS:
            clean.setdefault(key, None)
        if clean["length_years"] is not None:
            clean["length_years"] = str(clean["length_years"])
        return clean


NOTHING_TO_CHANGE = "本行没有要修改的字段 / the row changes no field"
