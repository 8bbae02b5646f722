"""自考 credentials (第四条、第十五条): registered by a province's 自考委办公室 without a 学籍, with
the 主考学校 that co-signs; published like any credential; corrected after publication only with
the province 自考办's approval. Decision 0029.

A file (or API batch) is all-or-nothing: every row is checked first, and one bad row — a
certificate number out of the 17-digit layout, an unknown 主考学校, a duplicate — writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from xuedang.core import validators
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution
from xuedang.institutions.selectors import institution_name_on, president_on
from xuedang.registry.models import (
    Credential,
    CredentialKind,
    CredentialSource,
    CredentialState,
    EducationType,
    Level,
    Photo,
    StudyForm,
)
from xuedang.registry.services.common import CREDENTIAL_FIELDS, _fail, major_code_problem, snapshot
from xuedang.registry.services.credentials import credential_publish, photo_clean
from xuedang.registry.services.enrollments import _apply_identity, identity_validate

# The columns of a 自考 file, as the 自考办 names them; the key is the service's field.
SELF_STUDY_COLUMNS: dict[str, str] = {
    "certificate_number": "证书编号",
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "document_type": "证件类型",
    "document_number": "证件号码",
    "ethnicity": "民族",
    "major_code": "专业代码",
    "major_name": "专业名称",
    "level": "层次",
    "examining_institution": "主考学校代码",
    "study_start": "考籍建立日期",
    "study_end": "毕业日期",
    "president_name": "主考学校校长",
}
SELF_STUDY_REQUIRED = (
    "certificate_number",
    "name",
    "gender",
    "birth_date",
    "document_number",
    "major_name",
    "level",
    "examining_institution",
    "study_start",
    "study_end",
)
LEVELS = {"本科": Level.BACHELOR.value, "专科": Level.JUNIOR_COLLEGE.value, "05": "05", "06": "06"}
GENDERS = {"男": "1", "女": "2", "1": "1", "2": "2"}
DOCUMENT_TYPES = {"": "resident_id", "居民身份证": "resident_id", "resident_id": "resident_id", "护照": "passport"}
MAX_ROWS = 20_000


@dataclass(frozen=True)
class RowProblem:
    """One reason a row of a 自考 file is refused: row number (header = row 1), column, message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行“{self.column}”：{self.message}"


class SelfStudyRejected(ValidationError):
    """The whole file is refused; `problems` names each row, column and reason. Nothing was written."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__([str(problem) for problem in problems[:200]])


def _date(value: str) -> date:
    text = value.strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text if "-" in text else f"{text[:4]}-{text[4:6]}-{text[6:8]}")
    except ValueError:
        raise ValidationError(f"日期“{value[:20]}”无法识别，请写成 2024-06-30 / write dates as 2024-06-30") from None


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [m for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {"__all__": error.messages}


def _row_clean(values: dict[str, str], *, province_code: str, institutions: dict[str, Institution]) -> dict[str, Any]:
    """One row checked and normalised, or ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}

    def attempt(field: str, func: Any, *args: Any) -> Any:
        try:
            return func(*args)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
            return None

    get = {field: (values.get(field) or "").strip() for field in SELF_STUDY_COLUMNS}
    for field in SELF_STUDY_REQUIRED:
        if not get[field]:
            errors.setdefault(field, []).append("必填 / required")
    if errors:
        raise ValidationError(errors)
    level = LEVELS.get(get["level"])
    if level is None:
        errors.setdefault("level", []).append("层次应为 本科 或 专科 / the level must be 本科 or 专科")
    study_start = attempt("study_start", _date, get["study_start"])
    study_end = attempt("study_end", _date, get["study_end"])
    birth_date = attempt("birth_date", _date, get["birth_date"])
    if study_start and study_end and study_end <= study_start:
        errors.setdefault("study_end", []).append("毕业日期须晚于考籍建立日期 / graduation must follow registration")
    institution = institutions.get(get["examining_institution"])
    if institution is None:
        errors.setdefault("examining_institution", []).append(
            f"主考学校代码“{get['examining_institution'][:10]}”不存在 / no institution has this code"
        )
    if level and get["major_code"] and (problem := major_code_problem(level, get["major_code"])):
        errors.setdefault("major_code", []).append(problem)
    number = None
    if level and study_end:
        number = attempt(
            "certificate_number",
            lambda: validators.validate_self_study_number(
                get["certificate_number"], province_code=province_code, graduation_year=study_end.year, level=level
            ),
        )
    identity = None
    if birth_date:
        try:
            identity = identity_validate(
                name=get["name"],
                gender=GENDERS.get(get["gender"], get["gender"]),
                birth_date=birth_date,
                ethnicity=get["ethnicity"],
                document_type=DOCUMENT_TYPES.get(get["document_type"], get["document_type"]),
                document_number=get["document_number"],
            )
        except ValidationError as error:
            for field, messages in _messages(error).items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return {
        "identity": identity,
        "certificate_number": number,
        "institution": institution,
        "major_code": get["major_code"],
        "major_name": get["major_name"][:100],
        "level": level,
        "study_start": study_start,
        "study_end": study_end,
        "president_name": get["president_name"][:100],
    }


def self_study_rows_check(*, province_code: str, rows: list[tuple[int, dict[str, str]]]) -> list[dict[str, Any]]:
    """Every row checked (and duplicates within the file and against the registry); raises
    SelfStudyRejected naming each problem, or returns the clean rows. Writes nothing."""
    if province_code not in validators.MAINLAND_PROVINCES:
        raise _fail("province_code", f"省份代码“{province_code}”无效 / invalid province code")
    if not rows:
        raise SelfStudyRejected([RowProblem(1, "", "文件没有数据行 / the file has no rows")])
    if len(rows) > MAX_ROWS:
        raise SelfStudyRejected([RowProblem(1, "", f"一个文件最多 {MAX_ROWS} 行 / at most {MAX_ROWS} rows a file")])
    codes = {(values.get("examining_institution") or "").strip() for _, values in rows}
    institutions = {i.code: i for i in Institution.objects.filter(code__in=codes)}
    problems: list[RowProblem] = []
    clean_rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row_no, values in rows:
        try:
            clean = _row_clean(values, province_code=province_code, institutions=institutions)
        except ValidationError as error:
            for field, messages in _messages(error).items():
                column = SELF_STUDY_COLUMNS.get(field, field)
                problems.extend(RowProblem(row_no, column, message) for message in messages)
            continue
        number = clean["certificate_number"]
        if number in seen:
            problems.append(RowProblem(row_no, "证书编号", f"与第 {seen[number]} 行重复 / repeats row {seen[number]}"))
        seen.setdefault(number, row_no)
        clean["row"] = row_no
        clean_rows.append(clean)
    taken = set(
        Credential.objects.filter(certificate_number__in=list(seen)).values_list("certificate_number", flat=True)
    )
    for clean in clean_rows:
        if clean["certificate_number"] in taken:
            problems.append(
                RowProblem(clean["row"], "证书编号", "该证书编号已注册 / this certificate number is already registered")
            )
    if problems:
        raise SelfStudyRejected(sorted(problems, key=lambda p: p.row))
    return clean_rows


@transaction.atomic
def self_study_credentials_register(
    *, actor: Any, province_code: str, rows: list[tuple[int, dict[str, str]]], source: str = ""
) -> list[Credential]:
    """自考学历注册 — register a province's 自考 graduates from a file or batch, all or nothing.

    `rows` are (row number, {field: text}); each becomes an unpublished credential without a
    学籍 whose `institution` is the co-signing 主考学校. One audit entry per credential.
    """
    clean_rows = self_study_rows_check(province_code=province_code, rows=rows)
    created = []
    for clean in clean_rows:
        institution, study_end = clean["institution"], clean["study_end"]
        credential = Credential(
            enrollment=None,
            source=CredentialSource.SELF_STUDY,
            province_code=province_code,
            institution=institution,
            kind=CredentialKind.GRADUATION,
            certificate_number=clean["certificate_number"],
            certificate_key=validators.certificate_key(clean["certificate_number"]),
            institution_name=institution_name_on(institution=institution, on=study_end),
            president_name=clean["president_name"] or president_on(institution=institution, on=study_end),
            major_code=clean["major_code"],
            major_name=clean["major_name"],
            level=clean["level"],
            education_type=EducationType.SELF_STUDY,
            study_form=StudyForm.SELF_STUDY,
            length_years=Decimal("0"),
            study_start=clean["study_start"],
            study_end=study_end,
            issue_date=study_end,
        )
        _apply_identity(credential, clean["identity"])
        credential.save()
        audit_log(
            actor=actor,
            action="registry.credential.self_study_registered",
            target=credential,
            after={**snapshot(credential, CREDENTIAL_FIELDS), "province_code": province_code, "file": source[:100]},
        )
        created.append(credential)
    return created


def _self_study_draft(credential: Credential) -> Credential:
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.source != CredentialSource.SELF_STUDY:
        raise _fail("credential", "这不是自考学历 / this is not a self-study credential")
    return credential


@transaction.atomic
def self_study_photo_register(*, actor: Any, credential: Credential, image: bytes) -> Photo:
    """The 学历照片 of a 自考 credential (JPEG 480×640 ≤ 40 KB, re-encoded); only before publication."""
    credential = _self_study_draft(credential)
    if credential.state != CredentialState.DRAFT:
        raise _fail("image", "学历已发布，照片只能经更正审核修改 / published: the photo changes only by correction")
    data = photo_clean(image)
    photo = Photo.objects.create(
        enrollment=None,
        purpose=Photo.Purpose.GRADUATION,
        image=data,
        content_type="image/jpeg",
        sha256=hashlib.sha256(data).hexdigest(),
    )
    before = {"photo_id": credential.photo_id}
    credential.photo = photo
    credential.save(update_fields=["photo", "updated_at"])
    audit_log(
        actor=actor,
        action="registry.credential.photo_registered",
        target=credential,
        before=before,
        after={"photo_id": photo.pk, "sha256": photo.sha256},
    )
    return photo


def self_study_credential_publish(*, actor: Any, credential: Credential) -> Credential:
    """发布 — a complete 自考 credential becomes queryable on its issue date (第十八条)."""
    if credential.source != CredentialSource.SELF_STUDY:
        raise _fail("credential", "这不是自考学历 / this is not a self-study credential")
    return credential_publish(actor=actor, credential=credential)


SELF_STUDY_CORRECTABLE = {"name", "major_code", "major_name", "president_name"}


@transaction.atomic
def self_study_credential_correct(
    *, actor: Any, credential: Credential, changes: dict[str, Any], reason: str
) -> Credential:
    """更正 a published 自考 credential (第十九条): only the approver of the province's 自考办 (its
    door is `access_self_study_credential(..., roles=APPROVING)`) applies it, with the reason; the
    values before stay in the audit log, the approver named as approving."""
    credential = _self_study_draft(credential)
    if credential.state != CredentialState.PUBLISHED:
        raise _fail("state", "只有已发布的自考学历经审核更正 / only a published credential is corrected this way")
    unknown = set(changes) - SELF_STUDY_CORRECTABLE
    if unknown or not changes:
        raise _fail("changes", f"不能更正这些字段：{', '.join(sorted(unknown))} / these fields cannot be corrected")
    if not reason.strip():
        raise _fail("reason", "请填写更正原因 / give the reason for the correction")
    changes = {field: str(value).strip()[:100] for field, value in changes.items()}
    if "name" in changes:
        changes["name"] = validators.normalize_name(changes["name"])
    if changes.get("major_code") and (problem := major_code_problem(credential.level, changes["major_code"])):
        raise _fail("value", problem)
    if any(not value for field, value in changes.items() if field != "major_code"):
        raise _fail("value", "请填写更正后的值 / give the corrected value")
    before = {field: getattr(credential, field) for field in changes}
    for field, value in changes.items():
        setattr(credential, field, value)
    credential.save()
    audit_log(
        actor=actor,
        action="registry.credential.self_study_corrected",
        target=credential,
        before=before,
        after=changes,
        reason=reason,
        approved_by=actor,
    )
    return credential


__all__ = [
    "SELF_STUDY_COLUMNS",
    "RowProblem",
    "SelfStudyRejected",
    "self_study_credential_correct",
    "self_study_credential_publish",
    "self_study_credentials_register",
    "self_study_photo_register",
    "self_study_rows_check",
]
