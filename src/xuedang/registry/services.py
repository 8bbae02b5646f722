"""Writes to the registry. Every service validates before saving, enforces the rules of
the 2014 办法 (DESIGN.md §2) and writes its audit entry in the same transaction.

Errors are `ValidationError`s keyed by field, each message "中文 / English", so that forms,
imports and the API can all show which field is wrong and why.
"""

from __future__ import annotations

import calendar
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Choices, Max, Model
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from xuedang.core import calendar as working_calendar
from xuedang.core import codetables, crypto, validators
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution
from xuedang.institutions.selectors import president_on
from xuedang.registry.access import may_answer_as_sending, may_decide_as_province, may_file_transfer, may_withdraw
from xuedang.registry.models import (
    ACTIVE_ENROLLMENT_STATES,
    OPEN_TRANSFER_STATES,
    Admission,
    AdmissionState,
    AnnualRegistration,
    AnnualRegistrationStatus,
    Credential,
    CredentialKind,
    CredentialState,
    EducationType,
    Enrollment,
    EnrollmentChange,
    EnrollmentNote,
    EnrollmentState,
    Gender,
    IdentitySnapshot,
    Level,
    Photo,
    StudyForm,
    TransferRequest,
    TransferState,
)

IDENTITY_FIELDS = ("name", "gender", "birth_date", "ethnicity", "document_type", "identity_digest")
ENROLLMENT_FIELDS = (
    "student_number", "department", "major_code", "major_name", "level", "education_type",
    "study_form", "is_full_time", "length_years", "entry_date", "expected_graduation_date",
    "admission_type", "preparatory", "class_name", "state", "state_date",
)
CREDENTIAL_FIELDS = (
    "kind", "certificate_number", "institution_name", "president_name", "major_code",
    "major_name", "level", "study_form", "length_years", "study_start", "study_end",
    "issue_date", "photo_id", "minor", "lost_certificate_note", "state",
)
# 第十七条: a credential is not queryable until every one of these is filled in.
ARTICLE_17_FIELDS = {
    "name": "姓名 / name",
    "gender": "性别 / gender",
    "birth_date": "出生日期 / birth date",
    "photo": "照片 / photo",
    "study_start": "入学日期 / study start",
    "study_end": "毕（结）业日期 / study end",
    "major_name": "专业 / major",
    "level": "层次 / level",
    "length_years": "学制 / length of schooling",
    "kind": "毕（结）业 / graduated or completed",
    "study_form": "学习形式 / study form",
    "institution_name": "学校名称 / institution",
    "president_name": "校（院）长姓名 / president",
    "certificate_number": "证书编号 / certificate number",
}


def snapshot(obj: Model, fields: tuple[str, ...]) -> dict[str, Any]:
    """The values of `fields` of `obj`, for audit before/after (core.audit makes them JSON-safe)."""
    return {field: getattr(obj, field) for field in fields}


def _code_exists(table: str, code: str) -> bool:
    return code in dict(codetables.code_choices(table))


def _fail(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _check_choice(field: str, value: str, choices: type[Choices], label: str) -> None:
    if value not in choices.values:
        raise _fail(field, f"{label}代码“{value}”无效 / {label} code {value!r} is not valid")


@dataclass(frozen=True)
class Identity:
    """A person's identity as a record is registered with it, validated and normalised."""

    name: str
    gender: str
    birth_date: date
    ethnicity: str
    document_type: str
    document_number: str

    @property
    def digest(self) -> str:
        return crypto.identity_digest(self.document_type, self.document_number)


def identity_validate(
    *, name: str, gender: str, birth_date: date, ethnicity: str, document_type: str,
    document_number: str,
) -> Identity:
    """Normalise and cross-check an identity; a resident ID must agree with gender and birth date."""
    errors: dict[str, list[ValidationError]] = {}

    def attempt(field: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.error_list)
            return None

    clean_name = attempt("name", validators.normalize_name, name)
    number = attempt("document_number", validators.normalize_document, document_type, document_number)
    if gender not in Gender.values:
        errors.setdefault("gender", []).append(
            ValidationError(f"性别代码“{gender}”无效 / gender code {gender!r} is not valid")
        )
    if ethnicity and not _code_exists("ethnicity", ethnicity):
        errors.setdefault("ethnicity", []).append(
            ValidationError(f"民族代码“{ethnicity}”无效 / ethnicity code {ethnicity!r} is not valid")
        )
    if number and document_type in ("resident_id", "hmt_permit"):
        if validators.birth_date_from_resident_id(number) != birth_date:
            errors.setdefault("birth_date", []).append(ValidationError(
                "出生日期与身份证号码不一致 / the birth date does not match the ID number"))
        if gender in ("1", "2") and validators.gender_from_resident_id(number) != gender:
            errors.setdefault("gender", []).append(ValidationError(
                "性别与身份证号码不一致 / the gender does not match the ID number"))
    if errors:
        raise ValidationError(errors)
    return Identity(clean_name, gender, birth_date, ethnicity, document_type, number)


def _apply_identity(record: IdentitySnapshot, identity: Identity) -> None:
    record.name = identity.name
    record.gender = identity.gender
    record.birth_date = identity.birth_date
    record.ethnicity = identity.ethnicity
    record.document_type = identity.document_type
    record.document_number = identity.document_number
    record.identity_digest = identity.digest


def _active_full_time(identity_digest: str, *, exclude_pk: int | None = None) -> Enrollment | None:
    qs = Enrollment.objects.filter(
        identity_digest=identity_digest, is_full_time=True, education_type=EducationType.GENERAL,
        state__in=ACTIVE_ENROLLMENT_STATES,
    ).select_related("institution")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _check_one_full_time(enrollment: Enrollment) -> None:
    """第八条: one full-time general 学籍 per person at a time."""
    if not (enrollment.is_full_time and enrollment.education_type == EducationType.GENERAL
            and enrollment.state in ACTIVE_ENROLLMENT_STATES):
        return
    other = _active_full_time(enrollment.identity_digest, exclude_pk=enrollment.pk)
    if other is not None:
        raise _fail(
            "document_number",
            f"该学生已有在籍的普通全日制学籍（{other.institution.name}），同一时间只能有一个 / "
            f"this person already holds an active full-time general enrollment "
            f"({other.institution.code}); only one is allowed at a time (第八条)",
            code="second_full_time",
        )


def _save_unique(obj: Model, field: str, message: str) -> None:
    """Save, turning a lost race on a unique constraint into a field error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise _fail(field, message, code="conflict") from error


@transaction.atomic
def enrollment_register(
    *, actor: Any, institution: Institution, student_number: str, identity: Identity,
    major_code: str, major_name: str, level: str, study_form: str, length_years: Decimal,
    entry_date: date, expected_graduation_date: date, education_type: str = EducationType.GENERAL,
    is_full_time: bool = True, department: str = "", class_name: str = "",
    admission_type: str = "", preparatory: bool = False, exam_number: str = "",
    reason: str = "",
) -> Enrollment:
    """注册学籍 — register a new student's status at `institution`."""
    student_number = student_number.strip()
    if not student_number or len(student_number) > 30:
        raise _fail("student_number", "学号不能为空且不超过 30 个字符 / "
                    "the student number is required, at most 30 characters")
    _check_choice("level", level, Level, "层次")
    _check_choice("study_form", study_form, StudyForm, "学习形式")
    _check_choice("education_type", education_type, EducationType, "办学类型")
    if expected_graduation_date <= entry_date:
        raise _fail("expected_graduation_date", "预计毕业日期须晚于入学日期 / expected graduation must be after entry")
    enrollment = Enrollment(
        institution=institution, student_number=student_number, major_code=major_code,
        major_name=major_name, level=level, study_form=study_form, length_years=length_years,
        entry_date=entry_date, expected_graduation_date=expected_graduation_date,
        education_type=education_type, is_full_time=is_full_time, department=department,
        class_name=class_name, admission_type=admission_type, preparatory=preparatory,
        exam_number=exam_number, state=EnrollmentState.REGISTERED, state_date=entry_date,
    )
    _apply_identity(enrollment, identity)
    if Enrollment.objects.filter(institution=institution, student_number=student_number).exists():
        raise _fail("student_number", f"学号“{student_number}”在本校已存在 / "
            f"student number already registered at this institution", code="duplicate")
    _check_one_full_time(enrollment)
    _save_unique(enrollment, "document_number", "该学生已有在籍的普通全日制学籍，或学号重复 / conflicting enrollment")
    audit_log(actor=actor, action="registry.enrollment.registered", target=enrollment,
              after=snapshot(enrollment, IDENTITY_FIELDS + ENROLLMENT_FIELDS), reason=reason)
    return enrollment


YEAR_CHANGES = frozenset({"02", "03", "04"})  # 留级, 降级, 跳级
# Fields a 学籍异动 may change; identity changes go through the province (archive corrections).
CHANGEABLE_FIELDS = frozenset({
    "department", "major_code", "major_name", "class_name", "level", "length_years",
    "expected_graduation_date", "state", "study_form",
})


@transaction.atomic
def enrollment_change_record(
    *, actor: Any, enrollment: Enrollment, change_code: str, change_date: date,
    changes: dict[str, Any], reason: str, decision_date: date | None = None,
    decision_number: str = "", counterpart: Enrollment | None = None, late: bool = False,
) -> EnrollmentChange:
    """学籍异动 — record a change with its official code, keeping the values before it."""
    enrollment = Enrollment.objects.select_for_update().select_related("institution").get(pk=enrollment.pk)
    if not _code_exists("change_type", change_code):
        raise _fail("change_code", f"异动类别代码“{change_code}”无效 / change code {change_code!r} is not valid")
    if change_code in YEAR_CHANGES and enrollment.institution.credit_system:
        raise _fail("change_code", "学分制学校不办理留级、降级、跳级 / credit-system institutions do not record "
                    "repeating, moving down or skipping a year", code="credit_system")
    unknown = set(changes) - CHANGEABLE_FIELDS
    if unknown:
        raise _fail("changes", f"异动不能修改这些字段：{', '.join(sorted(unknown))} / "
                    "a change cannot modify these fields")
    if "state" in changes:
        _check_choice("state", changes["state"], EnrollmentState, "学籍状态")
    if not reason.strip():
        raise _fail("reason", "请填写异动原因 / the reason is required")
    before = {field: getattr(enrollment, field) for field in changes}
    for field, value in changes.items():
        setattr(enrollment, field, value)
    if "state" in changes:
        enrollment.state_date = change_date
        _check_one_full_time(enrollment)
    _save_unique(enrollment, "state", "该学生已有在籍的普通全日制学籍 / conflicting active enrollment")
    if "state" in changes and enrollment.state not in ACTIVE_ENROLLMENT_STATES:
        _transfers_lapse(actor=actor, enrollment=enrollment)
    change = EnrollmentChange.objects.create(
        enrollment=enrollment, change_code=change_code, change_date=change_date,
        decision_date=decision_date, decision_number=decision_number, reason=reason,
        before=_json_safe(before), after=_json_safe(changes), counterpart=counterpart,
        late=late, recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_log(actor=actor, action="registry.enrollment.changed", target=enrollment,
              before=before, after={"change_code": change_code, **changes}, reason=reason)
    return change


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, date | Decimal) else v) for k, v in values.items()}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def annual_registration_record(
    *, actor: Any, enrollment: Enrollment, academic_year: int, status: str,
    semester_start: date, registered_on: date,
) -> AnnualRegistration:
    """学年注册 — register or defer one academic year; late if after one month (第十三条)."""
    _check_choice("status", status, AnnualRegistrationStatus, "注册状态")
    if not enrollment.is_active:
        raise _fail("enrollment", "该学籍不在籍，不能学年注册 / this enrollment is not active")
    if semester_start.year not in (academic_year, academic_year + 1):
        raise _fail("semester_start", "开学日期不在该学年内 / the semester start is outside the academic year")
    deadline = add_months(semester_start, 1)
    registration = AnnualRegistration(
        enrollment=enrollment, academic_year=academic_year, status=status,
        semester_start=semester_start, deadline=deadline, registered_on=registered_on,
        late=registered_on > deadline, recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _save_unique(registration, "academic_year",
                 f"{academic_year} 学年已注册 / this academic year is already registered")
    audit_log(actor=actor, action="registry.annual_registration.recorded", target=enrollment,
              after={"academic_year": academic_year, "status": status, "late": registration.late})
    return registration


PHOTO_MAX_BYTES = 40 * 1024
PHOTO_SIZE = (480, 640)


def _reencode_jpeg(picture: Image.Image) -> bytes:
    """Re-encode to drop EXIF and other metadata, staying within the size limit."""
    rgb = picture.convert("RGB")
    for quality in (90, 80, 70, 60, 50):
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=quality)
        if out.tell() <= PHOTO_MAX_BYTES:
            break
    return out.getvalue()


@transaction.atomic
def photo_register(*, actor: Any, enrollment: Enrollment, purpose: str, image: bytes) -> Photo:
    """Register a student's photo: JPEG, 480×640, at most 40 KB (学历照片 rules).

    Metadata is dropped by re-encoding; earlier photos of the same purpose are superseded.
    """
    if purpose not in Photo.Purpose.values:
        raise _fail("purpose", "照片类型无效 / unknown photo purpose")
    if len(image) > PHOTO_MAX_BYTES:
        raise _fail("image", f"照片不能超过 40 KB（实际 {len(image) // 1024} KB）/ the photo must be at most 40 KB")
    try:
        with Image.open(io.BytesIO(image)) as picture:
            kind, size = picture.format, picture.size
            data = _reencode_jpeg(picture)
    except (UnidentifiedImageError, OSError) as error:
        raise _fail("image", "无法识别的图片文件 / the file is not a readable image") from error
    if kind != "JPEG":
        raise _fail("image", f"照片须为 JPEG 格式（收到 {kind}）/ the photo must be a JPEG")
    if size != PHOTO_SIZE:
        raise _fail("image", f"照片须为 480×640 像素（实际 {size[0]}×{size[1]}）/ the photo must be 480×640 pixels")
    Photo.objects.filter(enrollment=enrollment, purpose=purpose, superseded=False).update(superseded=True)
    photo = Photo.objects.create(
        enrollment=enrollment, purpose=purpose, image=data, content_type="image/jpeg",
        sha256=hashlib.sha256(data).hexdigest(),
    )
    audit_log(actor=actor, action="registry.photo.registered", target=enrollment,
              after={"purpose": purpose, "sha256": photo.sha256})
    return photo


def _next_serial(*, prefix: str) -> int:
    last = Credential.objects.filter(certificate_number__startswith=prefix).aggregate(
        Max("certificate_number"))["certificate_number__max"]
    return int(last[len(prefix):]) + 1 if last and len(last) == 18 else 1


@transaction.atomic
def credential_register(
    *, actor: Any, enrollment: Enrollment, kind: str, study_end: date,
    certificate_number: str = "", photo: Photo | None = None, minor: str = "",
) -> Credential:
    """学历注册 — create the (unpublished) credential of an enrollment (第十六、十七条).

    The number is validated against the school and year when given, generated in the
    18-digit layout otherwise; the president is the one in office on the graduation date.
    """
    enrollment = Enrollment.objects.select_for_update().select_related("institution").get(pk=enrollment.pk)
    _check_choice("kind", kind, CredentialKind, "毕（结）业类别")
    if Credential.objects.filter(enrollment=enrollment).exists():
        raise _fail("enrollment", "该学籍已注册学历，每个学籍只能有一个学历 / "
            "this enrollment already has a credential (第十六条)", code="duplicate")
    if study_end <= enrollment.entry_date:
        raise _fail("study_end", "毕（结）业日期须晚于入学日期 / the end of study must be after entry")
    institution = enrollment.institution
    number = _certificate_number(enrollment, study_end, certificate_number)
    credential = Credential(
        enrollment=enrollment, institution=institution, kind=kind, certificate_number=number,
        certificate_key=validators.certificate_key(number), institution_name=institution.name,
        president_name=president_on(institution=institution, on=study_end),
        major_code=enrollment.major_code, major_name=enrollment.major_name, level=enrollment.level,
        education_type=enrollment.education_type, study_form=enrollment.study_form,
        length_years=enrollment.length_years, study_start=enrollment.entry_date,
        study_end=study_end, issue_date=study_end, photo=photo, minor=minor,
    )
    for field in ("name", "gender", "birth_date", "ethnicity", "document_type",
                  "document_number", "identity_digest"):
        setattr(credential, field, getattr(enrollment, field))
    _save_unique(credential, "certificate_number", f"证书编号 {number} 已被使用 / certificate number already in use")
    audit_log(actor=actor, action="registry.credential.registered", target=credential,
              after=snapshot(credential, CREDENTIAL_FIELDS))
    return credential


def _certificate_number(enrollment: Enrollment, study_end: date, supplied: str) -> str:
    code = enrollment.institution.code
    if supplied.strip():
        try:
            number = validators.validate_certificate_number(
                supplied, institution_code=code, graduation_year=study_end.year, level=enrollment.level)
        except ValidationError as error:
            raise ValidationError({"certificate_number": error.error_list}) from error
        if Credential.objects.filter(certificate_number=number).exists():
            raise _fail("certificate_number", f"证书编号 {number} 已被使用 / "
                f"certificate number already in use", code="duplicate")
        return number
    prefix = f"{code}{enrollment.education_type}{study_end.year}{enrollment.level}"
    return validators.build_certificate_number(
        school_code=code, education_type=enrollment.education_type, year=study_end.year,
        level=enrollment.level, serial=_next_serial(prefix=prefix))


def credential_missing_fields(credential: Credential) -> list[str]:
    """The 第十七条 fields still empty, as bilingual labels; empty list when complete."""
    missing = []
    for field, label in ARTICLE_17_FIELDS.items():
        value = credential.photo_id if field == "photo" else getattr(credential, field)
        if value in (None, ""):
            missing.append(label)
    return missing


@transaction.atomic
def credential_publish(*, actor: Any, credential: Credential, today: date | None = None) -> Credential:
    """发布 — make a complete credential queryable; the enrollment ends as 毕业 or 结业."""
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.state != CredentialState.DRAFT:
        raise _fail("state", "该学历已发布或已撤销 / this credential is already published or revoked")
    missing = credential_missing_fields(credential)
    if missing:
        raise _fail("state", "以下字段未填写，不能发布：" + "、".join(missing)
                    + " / incomplete credential, missing fields listed", code="incomplete")
    if _photo_disputed(credential):
        raise _fail("photo", "学生对学历照片提出了异议（图像校对），处理前不能发布 / the student disputes the photo; "
                    "answer the dispute before publishing", code="photo_disputed")
    today = today or timezone.localdate()
    if credential.issue_date and credential.issue_date > today:
        raise _fail("issue_date", "发证日期未到，不能提前发布 / a credential is published on its issue date (第十八条)")
    credential.state = CredentialState.PUBLISHED
    credential.published_at = timezone.now()
    credential.save(update_fields=["state", "published_at", "updated_at"])
    _enrollment_finish(actor=actor, credential=credential)
    audit_log(actor=actor, action="registry.credential.published", target=credential,
              before={"state": CredentialState.DRAFT}, after={"state": credential.state})
    return credential


def _photo_disputed(credential: Credential) -> bool:
    """图像校对: an open dispute of the credential's photo blocks publication (archive app)."""
    from xuedang.archive.selectors import photo_disputed  # archive builds on registry; imported here

    return credential.photo_id is not None and photo_disputed(photo_id=credential.photo_id)


def _enrollment_finish(*, actor: Any, credential: Credential) -> None:
    """The enrollment ends with its credential: 结业 is a 学籍异动 (62); 毕业 is not."""
    enrollment = credential.enrollment
    if credential.kind == CredentialKind.COMPLETION:
        enrollment_change_record(
            actor=actor, enrollment=enrollment, change_code="62", change_date=credential.study_end,
            changes={"state": EnrollmentState.COMPLETED},
            reason=f"结业，证书编号 {credential.certificate_number} / completed")
        return
    before = {"state": enrollment.state}
    enrollment.state, enrollment.state_date = EnrollmentState.GRADUATED, credential.study_end
    enrollment.save(update_fields=["state", "state_date", "updated_at"])
    _transfers_lapse(actor=actor, enrollment=enrollment)
    audit_log(actor=actor, action="registry.enrollment.graduated", target=enrollment,
              before=before, after={"state": enrollment.state}, reason=credential.certificate_number)


@transaction.atomic
def credential_update(*, actor: Any, credential: Credential, changes: dict[str, Any], reason: str) -> Credential:
    """Correct an unpublished credential; after publication only the province may (第十九条)."""
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.state != CredentialState.DRAFT:
        raise _fail("state", "学历已发布，学校不能直接修改，请经省级教育行政部门审核 / "
            "published; corrections need provincial approval (第十九条)", code="published")
    allowed = {"major_name", "major_code", "study_end", "issue_date", "photo", "minor", "president_name"}
    unknown = set(changes) - allowed
    if unknown:
        raise _fail("changes", f"不能修改这些字段：{', '.join(sorted(unknown))} / these fields cannot be changed here")
    return _credential_apply(actor=actor, credential=credential, changes=changes, reason=reason,
                             action="registry.credential.updated")


@transaction.atomic
def credential_annotate(
    *, actor: Any, credential: Credential, reason: str, minor: str | None = None,
    lost_certificate_note: str | None = None,
) -> Credential:
    """Annotate a credential: a minor (辅修) or a lost-certificate 证明书; allowed after publication."""
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    changes = {k: v for k, v in (("minor", minor), ("lost_certificate_note", lost_certificate_note)) if v is not None}
    if not changes or not reason.strip():
        raise _fail("reason", "请填写批注内容和原因 / give the annotation and its reason")
    return _credential_apply(actor=actor, credential=credential, changes=changes, reason=reason,
                             action="registry.credential.annotated")


def _credential_apply(*, actor: Any, credential: Credential, changes: dict[str, Any], reason: str,
                      action: str) -> Credential:
    """Apply checked changes, keeping the values before them in the audit log."""
    before = {field: getattr(credential, field) for field in changes}
    for field, value in changes.items():
        setattr(credential, field, value)
    credential.save()
    audit_log(actor=actor, action=action, target=credential, before=before, after=changes, reason=reason)
    return credential


CANCELLATIONS = {  # 学籍注销: the state it leaves and its 学籍异动 code
    EnrollmentState.WITHDRAWN: "31",
    EnrollmentState.REVOKED: "18",
    EnrollmentState.EXPELLED: "42",
    EnrollmentState.DECEASED: "51",
}
CANCELLATION_WORKING_DAYS = 15


@dataclass(frozen=True)
class Cancellation:
    change: EnrollmentChange
    deadline: date
    late: bool
    estimated: bool  # the deadline used plain weekdays for a year with no published calendar


@transaction.atomic
def enrollment_cancel(
    *, actor: Any, enrollment: Enrollment, state: str, decision_date: date, reason: str,
    decision_number: str = "", recorded_on: date | None = None,
) -> Cancellation:
    """学籍注销 — 退学, 取消学籍, 开除学籍 or 死亡; late after 15 working days from the decision."""
    if state not in CANCELLATIONS:
        raise _fail("state", "注销类型应为退学、取消学籍、开除学籍或死亡 / a cancellation is withdrawal, revocation, "
                    "expulsion or death")
    if not enrollment.is_active:
        raise _fail("enrollment", "该学籍已不在籍，不能注销 / this enrollment is no longer active")
    recorded_on = recorded_on or timezone.localdate()
    if decision_date > recorded_on:
        raise _fail("decision_date", "决定日期不能晚于登记日期 / the decision cannot be after the day it is recorded")
    deadline, estimated = working_calendar.add_working_days(decision_date, CANCELLATION_WORKING_DAYS)
    late = recorded_on > deadline
    change = enrollment_change_record(
        actor=actor, enrollment=enrollment, change_code=CANCELLATIONS[EnrollmentState(state)],
        change_date=decision_date, changes={"state": state}, reason=reason, decision_date=decision_date,
        decision_number=decision_number, late=late)
    return Cancellation(change, deadline, late, estimated)


@transaction.atomic
def enrollment_transfer(
    *, actor: Any, enrollment: Enrollment, to_institution: Institution, student_number: str,
    transfer_date: date, reason: str, major_code: str | None = None, major_name: str | None = None,
    department: str = "", decision_number: str = "",
) -> Enrollment:
    """转学 — out of one school (21) and into another (22); both sides point at each other."""
    source = Enrollment.objects.select_for_update().select_related("institution").get(pk=enrollment.pk)
    if not source.is_active:
        raise _fail("enrollment", "该学籍已不在籍，不能转学 / this enrollment is no longer active")
    if to_institution.pk == source.institution_id:
        raise _fail("to_institution", "转入学校不能是原学校 / a transfer goes to another institution")
    out = enrollment_change_record(
        actor=actor, enrollment=source, change_code="21", change_date=transfer_date,
        changes={"state": EnrollmentState.TRANSFERRED_OUT}, reason=reason, decision_number=decision_number)
    identity = Identity(source.name, source.gender, source.birth_date, source.ethnicity, source.document_type,
                        source.document_number)
    target = enrollment_register(
        actor=actor, institution=to_institution, student_number=student_number, identity=identity,
        major_code=major_code or source.major_code, major_name=major_name or source.major_name,
        level=source.level, study_form=source.study_form, length_years=source.length_years,
        entry_date=transfer_date, expected_graduation_date=source.expected_graduation_date,
        education_type=source.education_type, is_full_time=source.is_full_time, department=department,
        admission_type=source.admission_type, exam_number=source.exam_number,
        reason=f"转学转入，原学校 {source.institution.code} / transferred in")
    EnrollmentChange.objects.create(
        enrollment=target, change_code="22", change_date=transfer_date, reason=reason,
        decision_number=decision_number,
        before={"institution": source.institution.code, "student_number": source.student_number},
        after={"institution": to_institution.code, "student_number": student_number}, counterpart=source,
        recorded_by=actor if getattr(actor, "pk", None) else None)
    out.counterpart = target
    out.save(update_fields=["counterpart"])
    audit_log(actor=actor, action="registry.enrollment.transferred", target=target,
              before={"institution": source.institution.code, "enrollment": source.pk},
              after={"institution": to_institution.code, "enrollment": target.pk}, reason=reason)
    return target


TRANSFER_NOT_FOUND = ("转出学校没有与该学号和证件号码相符的在籍学籍 / the sending institution has no active enrollment "
                      "with this student number and document number")
TRANSFER_OPEN = ("该学生已有一份待处理的转学申请，须先办结或撤回 / this student already has an open transfer request; "
                 "it must be decided or withdrawn first")
TRANSFER_FORBIDDEN = "无权处理该转学申请 / you may not act on this transfer request"


def _transfer_source(*, from_code: str, from_student_number: str, document_type: str,
                     document_number: str) -> Enrollment:
    """The sending school's active enrollment named by its student number and the student's own
    document number. A wrong number and a missing record get the same answer."""
    try:
        number = validators.normalize_document(document_type, document_number)
    except ValidationError as error:
        raise ValidationError({"document_number": error.messages}) from error
    source = (Enrollment.objects.select_related("institution")
              .filter(institution__code=from_code, student_number=from_student_number.strip(),
                      identity_digest=crypto.identity_digest(document_type, number),
                      state__in=ACTIVE_ENROLLMENT_STATES).first())
    if source is None:
        raise _fail("from_student_number", TRANSFER_NOT_FOUND, code="not_found")
    return source


def _transfer_required(**values: str) -> None:
    labels = {"student_number": "转入后学号 / the new student number",
              "decision_number": "转学批准文号 / the approval document number",
              "reason": "转学原因 / the reason"}
    for field, value in values.items():
        if not value.strip():
            raise _fail(field, f"请填写{labels[field].split(' / ')[0]} / {labels[field].split(' / ')[1]} is required",
                        code="required")


@transaction.atomic
def transfer_request_file(
    *, actor: Any, to_institution: Institution, from_code: str, from_student_number: str, document_type: str,
    document_number: str, student_number: str, transfer_date: date, decision_number: str, reason: str,
    major_code: str = "", major_name: str = "", department: str = "",
) -> TransferRequest:
    """转学申请 — filed by the receiving school. It writes nothing to either enrollment: the
    sending school must agree and the receiving school's province approve first (decision 0008)."""
    if not may_file_transfer(actor, to_institution.pk):
        raise _fail("institution", "只能为本校提出转入申请 / you may file transfers into your own institution only",
                    code="forbidden")
    _transfer_required(student_number=student_number, decision_number=decision_number, reason=reason)
    if from_code == to_institution.code:
        raise _fail("from_code", "转出学校不能是本校 / the sending institution must be another institution")
    source = _transfer_source(from_code=from_code, from_student_number=from_student_number,
                              document_type=document_type, document_number=document_number)
    if not source.entry_date < transfer_date < source.expected_graduation_date:
        raise _fail("transfer_date", "转学日期须晚于原入学日期、早于预计毕业日期 / the transfer date must fall between "
                    "the entry date and the expected graduation date")
    student_number = student_number.strip()
    if Enrollment.objects.filter(institution=to_institution, student_number=student_number).exists():
        raise _fail("student_number", f"学号“{student_number}”在本校已存在 / this student number is already "
                    "registered at this institution", code="duplicate")
    if TransferRequest.objects.filter(source=source, state__in=OPEN_TRANSFER_STATES).exists():
        raise _fail("from_student_number", TRANSFER_OPEN, code="open_request")
    transfer = TransferRequest(
        source=source, from_institution=source.institution, to_institution=to_institution,
        student_number=student_number, transfer_date=transfer_date, decision_number=decision_number.strip(),
        reason=reason.strip(), major_code=major_code.strip(), major_name=major_name.strip(),
        department=department.strip(), filed_by=actor)
    _save_unique(transfer, "from_student_number", TRANSFER_OPEN)  # the one-open-request index wins a race
    _transfer_step(transfer, actor=actor, action="filed", reason=transfer.reason,
                   text="转入学校已提出转学申请，待原学校同意 / the receiving school filed a transfer request")
    return transfer


def _transfer_locked(transfer: TransferRequest, expected: tuple[str, ...]) -> TransferRequest:
    """The request row locked for this transaction, still in an `expected` state: of two officers
    acting at once, the second waits for the first's commit, then finds the state moved on."""
    locked = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if locked.state not in expected:
        raise _fail("__all__", f"该申请已被处理（当前状态：{locked.get_state_display()}）/ this request has already "
                    "been handled", code="decided")
    return locked


def _transfer_step(transfer: TransferRequest, *, actor: Any, action: str, text: str, reason: str = "",
                   approved_by: Any = None) -> None:
    """Audit one step (hash-chained) and tell the student, if their archive holds the enrollment."""
    from xuedang.archive.models import Binding  # archive builds on registry; imported here
    from xuedang.archive.services import notify

    audit_log(actor=actor, action=f"registry.transfer.{action}", target=transfer, reason=reason,
              approved_by=approved_by, after={
                  "state": transfer.state, "source": transfer.source_id, "from": transfer.from_institution_id,
                  "to": transfer.to_institution_id, "student_number": transfer.student_number,
                  "transfer_date": transfer.transfer_date, "decision_number": transfer.decision_number,
                  "target": transfer.target_id})
    for binding in Binding.objects.filter(enrollment_id=transfer.source_id).select_related("user"):
        notify(user=binding.user, text=f"转学申请 #{transfer.pk}：{text}",
               url=f"/archive/enrollments/{transfer.source_id}/")


@transaction.atomic
def transfer_request_sending_answer(*, actor: Any, transfer: TransferRequest, agree: bool,
                                    note: str = "") -> TransferRequest:
    """The sending school agrees (the request goes to the province) or rejects with a reason."""
    transfer = _transfer_locked(transfer, (TransferState.PENDING_SENDING,))
    if not may_answer_as_sending(actor, transfer):
        raise _fail("__all__", TRANSFER_FORBIDDEN, code="forbidden")
    note = note.strip()
    if not agree and not note:
        raise _fail("note", "请填写不同意的理由 / give the reason for rejecting", code="required")
    if agree and not transfer.source.is_active:
        raise _fail("__all__", "该学籍已不在籍，不能转学 / this enrollment is no longer active", code="inactive")
    transfer.sending_by, transfer.sending_at, transfer.sending_agreed = actor, timezone.now(), agree
    transfer.state = TransferState.PENDING_PROVINCE if agree else TransferState.REJECTED
    transfer.rejection_reason = "" if agree else note
    transfer.save()
    if agree:
        _transfer_step(transfer, actor=actor, action="sending_agreed", reason=note,
                       text="原学校已同意，待省级教育行政部门审批 / the sending school agreed; with the province")
    else:
        _transfer_step(transfer, actor=actor, action="sending_rejected", reason=note,
                       text=f"原学校不同意：{note} / the sending school rejected the request")
    return transfer


@transaction.atomic
def transfer_request_province_decide(*, actor: Any, transfer: TransferRequest, approve: bool,
                                     note: str = "") -> TransferRequest:
    """The receiving school's province approves — the transfer is applied on both sides (21/22) in
    this transaction — or rejects with a reason. The request row lock makes a second approval wait
    and then find the request already handled, so a transfer is applied once."""
    transfer = _transfer_locked(transfer, (TransferState.PENDING_PROVINCE,))
    if not may_decide_as_province(actor, transfer):
        raise _fail("__all__", TRANSFER_FORBIDDEN, code="forbidden")
    note = note.strip()
    if not approve and not note:
        raise _fail("note", "请填写不予批准的理由 / give the reason for rejecting", code="required")
    transfer.province_by, transfer.province_at = actor, timezone.now()
    if approve:
        # Closed before the enrollment leaves (21), so the request being applied does not lapse.
        transfer.state = TransferState.APPLIED
        transfer.save(update_fields=["state", "updated_at"])
        transfer.target = enrollment_transfer(
            actor=actor, enrollment=transfer.source, to_institution=transfer.to_institution,
            student_number=transfer.student_number, transfer_date=transfer.transfer_date, reason=transfer.reason,
            major_code=transfer.major_code or None, major_name=transfer.major_name or None,
            department=transfer.department, decision_number=transfer.decision_number)
    else:
        transfer.state, transfer.rejection_reason = TransferState.REJECTED, note
    transfer.save()
    if approve:
        _transfer_step(transfer, actor=actor, action="applied", reason=note, approved_by=actor,
                       text="省级教育行政部门已批准，转学已办理 / approved by the province; the transfer is recorded")
    else:
        _transfer_step(transfer, actor=actor, action="province_rejected", reason=note,
                       text=f"省级教育行政部门不予批准：{note} / the province rejected the request")
    return transfer


def _transfers_lapse(*, actor: Any, enrollment: Enrollment) -> None:
    """An enrollment that leaves the active states (退学, 毕业, 转出 …) can no longer be
    transferred: its open request lapses at once, with an audit entry and a notice, instead of
    waiting in a queue for an approval that would fail."""
    state = enrollment.get_state_display().split(" / ")[0]
    for transfer in TransferRequest.objects.select_for_update().filter(source=enrollment,
                                                                         state__in=OPEN_TRANSFER_STATES):
        transfer.state, transfer.lapsed_at = TransferState.LAPSED, timezone.now()
        transfer.save(update_fields=["state", "lapsed_at", "updated_at"])
        _transfer_step(transfer, actor=actor, action="lapsed",
                       reason=f"学籍状态 / enrollment state: {enrollment.state}",
                       text=f"学籍已不在籍（{state}），转学申请已失效 / the enrollment is no longer active; "
                            "the request lapsed")


@transaction.atomic
def transfer_request_withdraw(*, actor: Any, transfer: TransferRequest, note: str = "") -> TransferRequest:
    """The receiving school withdraws its request while it is still open."""
    transfer = _transfer_locked(transfer, OPEN_TRANSFER_STATES)
    if not may_withdraw(actor, transfer):
        raise _fail("__all__", TRANSFER_FORBIDDEN, code="forbidden")
    transfer.withdrawn_by, transfer.withdrawn_at = actor, timezone.now()
    transfer.state = TransferState.WITHDRAWN
    transfer.save()
    _transfer_step(transfer, actor=actor, action="withdrawn", reason=note.strip(),
                   text="转入学校已撤回转学申请 / the receiving school withdrew the request")
    return transfer


ADMISSION_OUTCOMES = {  # the school's answer to an admission, and its 学籍异动-style code
    AdmissionState.DECLINED: "放弃入学资格",
    AdmissionState.DEFERRED: "14",  # 保留入学资格
    AdmissionState.CANCELLED: "16",  # 取消入学资格
}


@transaction.atomic
def admission_confirm(
    *, actor: Any, admission: Admission, student_number: str, entry_date: date, length_years: Decimal,
    expected_graduation_date: date, department: str = "", class_name: str = "",
) -> Enrollment:
    """新生学籍注册 from 录取 data: the admission type and 预科 carry onto the 学籍."""
    admission = Admission.objects.select_for_update().select_related("institution").get(pk=admission.pk)
    if admission.state not in (AdmissionState.ADMITTED, AdmissionState.DEFERRED):
        raise _fail("state", f"该考生状态为“{admission.get_state_display()}”，不能注册学籍 / this admission "
                    "cannot be registered in its current state")
    identity = Identity(admission.name, admission.gender, admission.birth_date, admission.ethnicity,
                        admission.document_type, admission.document_number)
    enrollment = enrollment_register(
        actor=actor, institution=admission.institution, student_number=student_number, identity=identity,
        major_code=admission.major_code, major_name=admission.major_name, level=admission.level,
        study_form=admission.study_form, length_years=length_years, entry_date=entry_date,
        expected_graduation_date=expected_graduation_date, education_type=admission.education_type,
        is_full_time=admission.study_form == StudyForm.FULL_TIME, department=department, class_name=class_name,
        admission_type=admission.admission_type, preparatory=admission.preparatory,
        exam_number=admission.exam_number, reason=f"录取考生号 {admission.exam_number} / from admission")
    enrollment.admission = admission
    enrollment.save(update_fields=["admission"])
    before = {"state": admission.state}
    admission.state = AdmissionState.REGISTERED
    admission.save(update_fields=["state"])
    audit_log(actor=actor, action="registry.admission.registered", target=admission, before=before,
              after={"state": admission.state, "enrollment": enrollment.pk})
    return enrollment


@transaction.atomic
def admission_decline(*, actor: Any, admission: Admission, state: str, reason: str) -> Admission:
    """放弃 / 保留 / 取消入学资格, with the reason."""
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if state not in ADMISSION_OUTCOMES:
        raise _fail("state", "应为放弃、保留或取消入学资格 / choose declined, deferred or cancelled")
    if admission.state not in (AdmissionState.ADMITTED, AdmissionState.DEFERRED):
        raise _fail("state", "该考生已注册学籍或已处理 / this admission has already been handled")
    if not reason.strip():
        raise _fail("reason", "请填写原因 / the reason is required")
    before = {"state": admission.state}
    admission.state, admission.state_reason = state, reason.strip()
    admission.save(update_fields=["state", "state_reason"])
    audit_log(actor=actor, action="registry.admission.answered", target=admission, before=before,
              after={"state": state}, reason=reason)
    return admission


@transaction.atomic
def enrollment_note_add(
    *, actor: Any, enrollment: Enrollment, kind: str, title: str, decided_on: date, decision_number: str = "",
) -> EnrollmentNote:
    """Record a reward, a penalty (or its lifting) or a 学习证明 on an enrollment."""
    if kind not in EnrollmentNote.Kind.values:
        raise _fail("kind", "类别无效 / unknown kind")
    if not title.strip() or len(title) > 200:
        raise _fail("title", "请填写名称（不超过 200 字）/ give a title of at most 200 characters")
    if decided_on < enrollment.entry_date:
        raise _fail("decided_on", "日期早于入学日期 / the date is before the student entered")
    note = EnrollmentNote.objects.create(
        enrollment=enrollment, kind=kind, title=title.strip(), decided_on=decided_on,
        decision_number=decision_number.strip(), recorded_by=actor if getattr(actor, "pk", None) else None)
    audit_log(actor=actor, action=f"registry.enrollment.{kind}", target=enrollment,
              after={"title": note.title, "decided_on": decided_on, "decision_number": note.decision_number})
    return note


def credentials_publish_due(*, actor: Any, institution: Institution, today: date | None = None) -> tuple[int, int]:
    """Publish every complete draft credential of `institution` whose issue date has come.

    Returns (published, still incomplete); each publication is its own transaction and audit entry.
    """
    today = today or timezone.localdate()
    published = incomplete = 0
    drafts = Credential.objects.filter(institution=institution, state=CredentialState.DRAFT, issue_date__lte=today)
    for credential in drafts.iterator(chunk_size=500):
        if credential_missing_fields(credential) or _photo_disputed(credential):
            incomplete += 1
            continue
        credential_publish(actor=actor, credential=credential, today=today)
        published += 1
    return published, incomplete
