"""补录 (1991–2001): a school submits a file of historical graduates, the province approves the
batch, and the credentials become bindable and verifiable, marked as back-registered.

Free-form numbers are kept as the school typed them (upper-cased, spaces dropped) and matched by
`validators.certificate_key`, so "NO.00298959", "00298959" and "298959" are one number. The ID
may be missing for the oldest graduates: such a record binds by hand on name + birth date
(`archive.selectors.identity_matches`). Decision 0029.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.core import validators
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution
from xuedang.institutions.selectors import institution_name_on, president_on
from xuedang.registry.models import (
    BackRegistrationBatch,
    BackRegistrationState,
    Credential,
    CredentialKind,
    CredentialSource,
    CredentialState,
    EducationType,
    Gender,
    StudyForm,
)
from xuedang.registry.services.common import _fail, major_code_problem
from xuedang.registry.services.enrollments import _apply_identity, identity_validate
from xuedang.registry.services.notices import record_notice
from xuedang.registry.services.self_study import GENDERS, LEVELS, MAX_ROWS, RowProblem, SelfStudyRejected, _date

FIRST_YEAR, LAST_YEAR = 1991, 2001

BACK_REGISTRATION_COLUMNS: dict[str, str] = {
    "certificate_number": "证书编号",
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "document_number": "身份证号",
    "major_code": "专业代码",
    "major_name": "专业名称",
    "level": "层次",
    "kind": "毕结业",
    "length_years": "学制",
    "study_start": "入学日期",
    "study_end": "毕业日期",
    "president_name": "校长",
}
BACK_REGISTRATION_REQUIRED = (
    "certificate_number",
    "name",
    "gender",
    "birth_date",
    "major_name",
    "level",
    "length_years",
    "study_start",
    "study_end",
)
KINDS = {"": CredentialKind.GRADUATION, "毕业": CredentialKind.GRADUATION, "结业": CredentialKind.COMPLETION}


class BackRegistrationRejected(SelfStudyRejected):
    """The whole 补录 file is refused; `problems` names each row, column and reason."""


def _identity(get: dict[str, str], birth_date: date, errors: dict[str, list[str]]) -> Any:
    """The identity, checked as for any record when the ID is given; name, gender and birth date only otherwise."""
    gender = GENDERS.get(get["gender"], get["gender"])
    if get["document_number"]:
        try:
            return identity_validate(
                name=get["name"],
                gender=gender,
                birth_date=birth_date,
                ethnicity="",
                document_type="resident_id",
                document_number=get["document_number"],
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None
    try:
        name = validators.normalize_name(get["name"])
    except ValidationError as error:
        errors.setdefault("name", []).extend(error.messages)
        return None
    if gender not in Gender.values:
        errors.setdefault("gender", []).append(f"性别“{get['gender'][:4]}”无效 / gender is not valid")
        return None
    return {"name": name, "gender": gender, "birth_date": birth_date}


def _number(value: str, *, institution: Institution, year: int, level: str) -> str:
    """The number as the school typed it, compacted; a 17/18-digit one is checked like any since 2001."""
    parsed = validators.parse_certificate_number(value)
    if parsed.layout in ("2001", "2002"):
        return validators.validate_certificate_number(
            value, institution_code=institution.code, graduation_year=year, level=level
        )
    return parsed.number


def _row_clean(values: dict[str, str], *, institution: Institution) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    get = {field: (values.get(field) or "").strip() for field in BACK_REGISTRATION_COLUMNS}
    for field in BACK_REGISTRATION_REQUIRED:
        if not get[field]:
            errors.setdefault(field, []).append("必填 / required")
    if errors:
        raise ValidationError(errors)
    parsed: dict[str, Any] = {}
    for field in ("birth_date", "study_start", "study_end"):
        try:
            parsed[field] = _date(get[field])
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)
    level = LEVELS.get(get["level"])
    if level is None:
        errors.setdefault("level", []).append("层次应为 本科 或 专科 / the level must be 本科 or 专科")
    kind = KINDS.get(get["kind"])
    if kind is None:
        errors.setdefault("kind", []).append("应为 毕业 或 结业 / must be 毕业 or 结业")
    try:
        length = Decimal(get["length_years"])
        if not Decimal("1") <= length <= Decimal("8"):
            raise InvalidOperation
    except InvalidOperation:
        errors.setdefault("length_years", []).append("学制应为 1 到 8 年 / length must be 1 to 8 years")
        length = None
    end = parsed.get("study_end")
    if end and not FIRST_YEAR <= end.year <= LAST_YEAR:
        errors.setdefault("study_end", []).append(
            f"补录只收 {FIRST_YEAR}–{LAST_YEAR} 年的毕业生 / back-registration covers graduates of "
            f"{FIRST_YEAR}–{LAST_YEAR}"
        )
    if end and parsed.get("study_start") and end <= parsed["study_start"]:
        errors.setdefault("study_end", []).append("毕业日期须晚于入学日期 / graduation must follow entry")
    if level and get["major_code"] and (problem := major_code_problem(level, get["major_code"])):
        errors.setdefault("major_code", []).append(problem)
    number = ""
    if level and end:
        try:
            number = _number(get["certificate_number"], institution=institution, year=end.year, level=level)
        except ValidationError as error:
            errors.setdefault("certificate_number", []).extend(error.messages)
    identity = _identity(get, parsed["birth_date"], errors) if parsed.get("birth_date") else None
    if errors:
        raise ValidationError(errors)
    return {
        "identity": identity,
        "certificate_number": number,
        "certificate_key": validators.certificate_key(number),
        "major_code": get["major_code"].upper(),
        "major_name": get["major_name"][:100],
        "level": level,
        "kind": kind,
        "length_years": length,
        "study_start": parsed["study_start"],
        "study_end": end,
        "president_name": get["president_name"][:100],
    }


def _taken_keys(institution: Institution, keys: list[str]) -> set[str]:
    """Keys already registered at the school (any source), ignoring batches the province refused."""
    return set(
        Credential.objects.filter(institution=institution, certificate_key__in=keys)
        .exclude(back_registration__state=BackRegistrationState.REJECTED)
        .values_list("certificate_key", flat=True)
    )


def back_registration_rows_check(
    *, institution: Institution, rows: list[tuple[int, dict[str, str]]]
) -> list[dict[str, Any]]:
    """Every row checked, numbers unique within the file and the school; raises
    BackRegistrationRejected naming each problem. Writes nothing."""
    if not rows:
        raise BackRegistrationRejected([RowProblem(1, "", "文件没有数据行 / the file has no rows")])
    if len(rows) > MAX_ROWS:
        raise BackRegistrationRejected([RowProblem(1, "", f"一个文件最多 {MAX_ROWS} 行 / at most {MAX_ROWS} rows")])
    problems: list[RowProblem] = []
    clean_rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row_no, values in rows:
        try:
            clean = _row_clean(values, institution=institution)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                column = BACK_REGISTRATION_COLUMNS.get(field, "身份证号" if field == "document_number" else field)
                problems.extend(RowProblem(row_no, column, message) for message in messages)
            continue
        key = clean["certificate_key"]
        if key in seen:
            problems.append(RowProblem(row_no, "证书编号", f"与第 {seen[key]} 行重复 / repeats row {seen[key]}"))
        seen.setdefault(key, row_no)
        clean_rows.append({**clean, "row": row_no})
    taken = _taken_keys(institution, list(seen))
    problems.extend(
        RowProblem(c["row"], "证书编号", "本校已有该证书编号 / the school already has this certificate number")
        for c in clean_rows
        if c["certificate_key"] in taken
    )
    if problems:
        raise BackRegistrationRejected(sorted(problems, key=lambda p: p.row))
    return clean_rows


def _credential(batch: BackRegistrationBatch, clean: dict[str, Any]) -> Credential:
    institution, end = batch.institution, clean["study_end"]
    credential = Credential(
        enrollment=None,
        source=CredentialSource.BACK_REGISTERED,
        back_registration=batch,
        institution=institution,
        kind=clean["kind"],
        certificate_number=clean["certificate_number"],
        certificate_key=clean["certificate_key"],
        institution_name=institution_name_on(institution=institution, on=end),
        president_name=clean["president_name"] or president_on(institution=institution, on=end),
        major_code=clean["major_code"],
        major_name=clean["major_name"],
        level=clean["level"],
        education_type=EducationType.GENERAL,
        study_form=StudyForm.FULL_TIME,
        length_years=clean["length_years"],
        study_start=clean["study_start"],
        study_end=end,
        issue_date=end,
    )
    identity = clean["identity"]
    if isinstance(identity, dict):  # no ID for this graduate: name, gender and birth date only
        credential.name, credential.gender, credential.birth_date = (
            identity["name"],
            identity["gender"],
            identity["birth_date"],
        )
    else:
        _apply_identity(credential, identity)
    return credential


@transaction.atomic
def back_registration_submit(
    *, actor: Any, institution: Institution, rows: list[tuple[int, dict[str, str]]], filename: str = ""
) -> BackRegistrationBatch:
    """补录 — a school's file of historical graduates, all or nothing; waits for the province."""
    Institution.objects.select_for_update().filter(pk=institution.pk).first()  # one submission at a time
    clean_rows = back_registration_rows_check(institution=institution, rows=rows)
    batch = BackRegistrationBatch.objects.create(
        institution=institution, filename=filename[:200], rows=len(clean_rows), filed_by=actor
    )
    Credential.objects.bulk_create([_credential(batch, clean) for clean in clean_rows], batch_size=500)
    audit_log(
        actor=actor,
        action="registry.back_registration.submitted",
        target=batch,
        after={"institution": institution.code, "rows": batch.rows, "file": batch.filename},
    )
    return batch


@transaction.atomic
def back_registration_decide(*, actor: Any, batch: BackRegistrationBatch, approve: bool, note: str = "") -> None:
    """The province approves (every credential published, marked 补录) or refuses (with reasons) a batch."""
    batch = BackRegistrationBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.state != BackRegistrationState.PENDING:
        raise _fail("state", "该批次已处理 / this batch has been decided already", code="decided")
    if not approve and not note.strip():
        raise _fail("note", "不予批准须说明理由 / give the reasons for refusing")
    if getattr(actor, "pk", None) == batch.filed_by_id:
        raise _fail("state", "提交人不能审核自己的批次 / the submitter cannot decide the batch")
    batch.state = BackRegistrationState.APPROVED if approve else BackRegistrationState.REJECTED
    batch.decided_by, batch.decided_at, batch.decision_note = actor, timezone.now(), note.strip()
    batch.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    if approve:
        batch.credentials.filter(state=CredentialState.DRAFT).update(
            state=CredentialState.PUBLISHED, published_at=batch.decided_at
        )
        for credential in batch.credentials.exclude(identity_digest="").iterator(chunk_size=500):
            record_notice(record=credential, event="credential.published", number=credential.certificate_number)
    audit_log(
        actor=actor,
        action=f"registry.back_registration.{batch.state}",
        target=batch,
        before={"state": BackRegistrationState.PENDING},
        after={"state": batch.state, "rows": batch.rows},
        reason=batch.decision_note,
        approved_by=actor if approve else None,
    )


__all__ = [
    "BACK_REGISTRATION_COLUMNS",
    "BackRegistrationRejected",
    "back_registration_decide",
    "back_registration_rows_check",
    "back_registration_submit",
]
