"""学籍: identities, registration (第八条: one full-time general 学籍 at a time), 学籍异动,
学年注册, 学籍注销 and the notes (rewards, penalties, 学习证明) kept on an enrollment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.core import calendar as working_calendar
from xuedang.core import crypto, validators
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution
from xuedang.registry.models import (
    ACTIVE_ENROLLMENT_STATES,
    AnnualRegistration,
    AnnualRegistrationStatus,
    EducationType,
    Enrollment,
    EnrollmentChange,
    EnrollmentNote,
    EnrollmentState,
    Gender,
    IdentitySnapshot,
    Level,
    StudyForm,
)
from xuedang.registry.services.change_rules import change_resolve
from xuedang.registry.services.common import (
    ENROLLMENT_FIELDS,
    IDENTITY_FIELDS,
    _check_choice,
    _check_major_code,
    _code_exists,
    _fail,
    _json_safe,
    _save_unique,
    snapshot,
)
from xuedang.registry.services.deadlines import semester_start_for
from xuedang.registry.services.notices import record_notice
from xuedang.registry.services.transfer_steps import _transfers_lapse


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
    *,
    name: str,
    gender: str,
    birth_date: date,
    ethnicity: str,
    document_type: str,
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
            errors.setdefault("birth_date", []).append(
                ValidationError("出生日期与身份证号码不一致 / the birth date does not match the ID number")
            )
        if gender in ("1", "2") and validators.gender_from_resident_id(number) != gender:
            errors.setdefault("gender", []).append(
                ValidationError("性别与身份证号码不一致 / the gender does not match the ID number")
            )
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
        identity_digest=identity_digest,
        is_full_time=True,
        education_type=EducationType.GENERAL,
        state__in=ACTIVE_ENROLLMENT_STATES,
    ).select_related("institution")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _check_one_full_time(enrollment: Enrollment) -> None:
    """第八条: one full-time general 学籍 per person at a time."""
    if not (
        enrollment.is_full_time
        and enrollment.education_type == EducationType.GENERAL
        and enrollment.state in ACTIVE_ENROLLMENT_STATES
    ):
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


@transaction.atomic
def enrollment_register(
    *,
    actor: Any,
    institution: Institution,
    student_number: str,
    identity: Identity,
    major_code: str,
    major_name: str,
    level: str,
    study_form: str,
    length_years: Decimal,
    entry_date: date,
    expected_graduation_date: date,
    education_type: str = EducationType.GENERAL,
    is_full_time: bool = True,
    department: str = "",
    class_name: str = "",
    admission_type: str = "",
    preparatory: bool = False,
    exam_number: str = "",
    reason: str = "",
) -> Enrollment:
    """注册学籍 — register a new student's status at `institution`."""
    student_number = student_number.strip()
    if not student_number or len(student_number) > 30:
        raise _fail(
            "student_number", "学号不能为空且不超过 30 个字符 / the student number is required, at most 30 characters"
        )
    _check_choice("level", level, Level, "层次")
    _check_choice("study_form", study_form, StudyForm, "学习形式")
    _check_choice("education_type", education_type, EducationType, "办学类型")
    _check_major_code(level, major_code)
    if expected_graduation_date <= entry_date:
        raise _fail("expected_graduation_date", "预计毕业日期须晚于入学日期 / expected graduation must be after entry")
    enrollment = Enrollment(
        institution=institution,
        student_number=student_number,
        major_code=major_code,
        major_name=major_name,
        level=level,
        study_form=study_form,
        length_years=length_years,
        entry_date=entry_date,
        expected_graduation_date=expected_graduation_date,
        education_type=education_type,
        is_full_time=is_full_time,
        department=department,
        class_name=class_name,
        admission_type=admission_type,
        preparatory=preparatory,
        exam_number=exam_number,
        state=EnrollmentState.REGISTERED,
        state_date=entry_date,
    )
    _apply_identity(enrollment, identity)
    if Enrollment.objects.filter(institution=institution, student_number=student_number).exists():
        raise _fail(
            "student_number",
            f"学号“{student_number}”在本校已存在 / student number already registered at this institution",
            code="duplicate",
        )
    _check_one_full_time(enrollment)
    _save_unique(enrollment, "document_number", "该学生已有在籍的普通全日制学籍，或学号重复 / conflicting enrollment")
    audit_log(
        actor=actor,
        action="registry.enrollment.registered",
        target=enrollment,
        after=snapshot(enrollment, IDENTITY_FIELDS + ENROLLMENT_FIELDS),
        reason=reason,
    )
    record_notice(record=enrollment, event="enrollment.registered", school=institution.name, major=major_name)
    return enrollment


YEAR_CHANGES = frozenset({"02", "03", "04"})  # 留级, 降级, 跳级
# Fields a 学籍异动 may change; identity changes go through the province (archive corrections).
CHANGEABLE_FIELDS = frozenset(
    {
        "department",
        "major_code",
        "major_name",
        "class_name",
        "level",
        "length_years",
        "expected_graduation_date",
        "state",
        "study_form",
    }
)


@transaction.atomic
def enrollment_change_record(
    *,
    actor: Any,
    enrollment: Enrollment,
    change_code: str,
    change_date: date,
    changes: dict[str, Any],
    reason: str,
    decision_number: str,
    decision_date: date | None = None,
) -> EnrollmentChange:
    """学籍异动 — record a change with its official code, keeping the values before it.

    The code decides the state (休学 → 休学, 复学 → 注册学籍 …) and the fields it needs
    (`change_rules`); every change carries the school's decision number (文号) and date.
    Cancellations, transfers and completion have their own services.
    """
    enrollment = Enrollment.objects.select_for_update().select_related("institution").get(pk=enrollment.pk)
    _check_change_code(enrollment, change_code)
    if not decision_number.strip():
        raise _fail("decision_number", "请填写学校决定文号 / the school's decision number (文号) is required")
    unknown = set(changes) - (CHANGEABLE_FIELDS - {"level"})
    if unknown:
        raise _fail(
            "changes", f"异动不能修改这些字段：{', '.join(sorted(unknown))} / a change cannot modify these fields"
        )
    resolved = change_resolve(enrollment=enrollment, change_code=change_code, changes=changes)
    return _change_apply(
        actor=actor,
        enrollment=enrollment,
        change_code=change_code,
        change_date=change_date,
        changes=resolved,
        reason=reason,
        decision_date=decision_date or change_date,
        decision_number=decision_number.strip(),
    )


def _check_change_code(enrollment: Enrollment, change_code: str) -> None:
    if not _code_exists("change_type", change_code):
        raise _fail("change_code", f"异动类别代码“{change_code}”无效 / change code {change_code!r} is not valid")
    if change_code in YEAR_CHANGES and enrollment.institution.credit_system:
        raise _fail(
            "change_code",
            "学分制学校不办理留级、降级、跳级 / credit-system institutions do not record "
            "repeating, moving down or skipping a year",
            code="credit_system",
        )
    if not enrollment.is_active:
        raise _fail(
            "enrollment",
            f"该学籍已{enrollment.get_state_display().split(' / ')[0]}，不能再办理异动 / "
            "this enrollment is no longer active",
            code="inactive",
        )


def _flow_change_record(
    *,
    actor: Any,
    enrollment: Enrollment,
    change_code: str,
    change_date: date,
    changes: dict[str, Any],
    reason: str,
    decision_date: date | None = None,
    decision_number: str = "",
    counterpart: Enrollment | None = None,
    late: bool = False,
) -> EnrollmentChange:
    """The change a flow records (学籍注销, 转学, 结业): the flow has checked its own rules."""
    enrollment = Enrollment.objects.select_for_update().select_related("institution").get(pk=enrollment.pk)
    _check_change_code(enrollment, change_code)
    resolved = change_resolve(enrollment=enrollment, change_code=change_code, changes=changes, flow=True)
    return _change_apply(
        actor=actor,
        enrollment=enrollment,
        change_code=change_code,
        change_date=change_date,
        changes=resolved,
        reason=reason,
        decision_date=decision_date,
        decision_number=decision_number,
        counterpart=counterpart,
        late=late,
    )


def _change_apply(
    *,
    actor: Any,
    enrollment: Enrollment,
    change_code: str,
    change_date: date,
    changes: dict[str, Any],
    reason: str,
    decision_date: date | None,
    decision_number: str,
    counterpart: Enrollment | None = None,
    late: bool = False,
) -> EnrollmentChange:
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
        enrollment=enrollment,
        change_code=change_code,
        change_date=change_date,
        decision_date=decision_date,
        decision_number=decision_number,
        reason=reason,
        before=_json_safe(before),
        after=_json_safe(changes),
        counterpart=counterpart,
        late=late,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_log(
        actor=actor,
        action="registry.enrollment.changed",
        target=enrollment,
        before=before,
        after={"change_code": change_code, "decision_number": decision_number, **changes},
        reason=reason,
    )
    return change


@transaction.atomic
def annual_registration_record(
    *,
    actor: Any,
    enrollment: Enrollment,
    academic_year: int,
    status: str,
    registered_on: date,
    semester_start: date | None = None,
) -> AnnualRegistration:
    """学年注册 — register or defer one academic year; late if after one month (第十三条).

    The semester start is the one the institution recorded for the year (`semester_start_record`),
    not one typed per registration; a `semester_start` given that differs from it is refused."""
    _check_choice("status", status, AnnualRegistrationStatus, "注册状态")
    if not enrollment.is_active:
        raise _fail("enrollment", "该学籍不在籍，不能学年注册 / this enrollment is not active")
    recorded = semester_start_for(enrollment.institution, academic_year)
    if semester_start is not None and semester_start != recorded.starts_on:
        raise _fail(
            "semester_start",
            f"开学日期与本校登记的 {recorded.starts_on} 不一致 / the semester start differs from the recorded "
            f"{recorded.starts_on}",
        )
    semester_start, deadline = recorded.starts_on, recorded.deadline
    registration = AnnualRegistration(
        enrollment=enrollment,
        academic_year=academic_year,
        status=status,
        semester_start=semester_start,
        deadline=deadline,
        registered_on=registered_on,
        late=registered_on > deadline,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _save_unique(
        registration, "academic_year", f"{academic_year} 学年已注册 / this academic year is already registered"
    )
    state = _year_state(enrollment, registration)
    audit_log(
        actor=actor,
        action="registry.annual_registration.recorded",
        target=enrollment,
        after={"academic_year": academic_year, "status": status, "late": registration.late, "state": state},
    )
    return registration


def _year_state(enrollment: Enrollment, registration: AnnualRegistration) -> str:
    """暂缓注册 is the enrollment's state for the latest year recorded (item 7): deferring that
    year moves 注册学籍 to 暂缓注册, registering it moves it back. Earlier years change nothing."""
    latest = AnnualRegistration.objects.filter(enrollment=enrollment).order_by("-academic_year").first()
    if latest is None or latest.pk != registration.pk:
        return enrollment.state
    moves: dict[tuple[str, str], str] = {
        (AnnualRegistrationStatus.DEFERRED, EnrollmentState.REGISTERED): EnrollmentState.DEFERRED,
        (AnnualRegistrationStatus.REGISTERED, EnrollmentState.DEFERRED): EnrollmentState.REGISTERED,
    }
    new = moves.get((registration.status, enrollment.state))
    if new is not None:
        enrollment.state, enrollment.state_date = new, registration.registered_on
        enrollment.save(update_fields=["state", "state_date", "updated_at"])
    return enrollment.state


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
    *,
    actor: Any,
    enrollment: Enrollment,
    state: str,
    decision_date: date,
    reason: str,
    decision_number: str = "",
    recorded_on: date | None = None,
) -> Cancellation:
    """学籍注销 — 退学, 取消学籍, 开除学籍 or 死亡; late after 15 working days from the decision."""
    if state not in CANCELLATIONS:
        raise _fail(
            "state",
            "注销类型应为退学、取消学籍、开除学籍或死亡 / a cancellation is withdrawal, revocation, expulsion or death",
        )
    if not enrollment.is_active:
        raise _fail("enrollment", "该学籍已不在籍，不能注销 / this enrollment is no longer active")
    recorded_on = recorded_on or timezone.localdate()
    if decision_date > recorded_on:
        raise _fail("decision_date", "决定日期不能晚于登记日期 / the decision cannot be after the day it is recorded")
    deadline, estimated = working_calendar.add_working_days(decision_date, CANCELLATION_WORKING_DAYS)
    late = recorded_on > deadline
    change = _flow_change_record(
        actor=actor,
        enrollment=enrollment,
        change_code=CANCELLATIONS[EnrollmentState(state)],
        change_date=decision_date,
        changes={"state": state},
        reason=reason,
        decision_date=decision_date,
        decision_number=decision_number,
        late=late,
    )
    state_words = EnrollmentState(state).label.split(" / ")[0]
    record_notice(
        record=enrollment, event="enrollment.cancelled", school=enrollment.institution.name, state=state_words
    )
    return Cancellation(change, deadline, late, estimated)


@transaction.atomic
def enrollment_note_add(
    *,
    actor: Any,
    enrollment: Enrollment,
    kind: str,
    title: str,
    decided_on: date,
    decision_number: str = "",
) -> EnrollmentNote:
    """Record a reward, a penalty (or its lifting) or a 学习证明 on an enrollment."""
    if kind not in EnrollmentNote.Kind.values:
        raise _fail("kind", "类别无效 / unknown kind")
    if not title.strip() or len(title) > 200:
        raise _fail("title", "请填写名称（不超过 200 字）/ give a title of at most 200 characters")
    if decided_on < enrollment.entry_date:
        raise _fail("decided_on", "日期早于入学日期 / the date is before the student entered")
    note = EnrollmentNote.objects.create(
        enrollment=enrollment,
        kind=kind,
        title=title.strip(),
        decided_on=decided_on,
        decision_number=decision_number.strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_log(
        actor=actor,
        action=f"registry.enrollment.{kind}",
        target=enrollment,
        after={"title": note.title, "decided_on": decided_on, "decision_number": note.decision_number},
    )
    return note


# A registrar's own typing mistakes, fixed before the credential is published (issue 13 item 10).
# The document number is not here: it is the person's key (binding, 第八条), changed only
# through the province's correction of a record.
CORRECTABLE_FIELDS = frozenset(
    {"name", "gender", "birth_date", "ethnicity", "major_code", "major_name", "department", "class_name"}
)
# What a draft credential copies from its enrollment and must follow.
_CREDENTIAL_COPIES = ("name", "gender", "birth_date", "ethnicity", "major_code", "major_name")


@transaction.atomic
def enrollment_correct(*, actor: Any, enrollment: Enrollment, changes: dict[str, Any], reason: str) -> Enrollment:
    """更正 — the school corrects its own entry (a name typo, a wrong major) while no credential of
    the enrollment is published; afterwards only the province may (第十九条). A draft credential
    follows the corrected values."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    credential = getattr(enrollment, "credential", None)
    if credential is not None and credential.state != "draft":
        raise _fail(
            "enrollment",
            "学历已发布，学校不能直接更正，请经省级教育行政部门审核 / the credential is published; "
            "corrections now go through the province (第十九条)",
            code="published",
        )
    unknown = set(changes) - CORRECTABLE_FIELDS
    if unknown:
        raise _fail(
            "changes", f"不能更正这些字段：{', '.join(sorted(unknown))} / these fields cannot be corrected here"
        )
    if not reason.strip():
        raise _fail("reason", "请填写更正原因 / the reason is required")
    changes = {field: value for field, value in changes.items() if getattr(enrollment, field) != value}
    if not changes:
        raise _fail("changes", "没有需要更正的内容 / nothing differs from the record")
    if "major_code" in changes:
        _check_major_code(enrollment.level, changes["major_code"])
    before = {field: getattr(enrollment, field) for field in changes}
    if changes.keys() & {"name", "gender", "birth_date", "ethnicity"}:
        _apply_identity(enrollment, _identity_with(enrollment, changes))
    for field in changes.keys() - {"name", "gender", "birth_date", "ethnicity"}:
        setattr(enrollment, field, changes[field])
    enrollment.save()
    if credential is not None:
        for field in _CREDENTIAL_COPIES:
            setattr(credential, field, getattr(enrollment, field))
        credential.save()
    after = {field: getattr(enrollment, field) for field in changes}
    audit_log(
        actor=actor,
        action="registry.enrollment.corrected",
        target=enrollment,
        before=before,
        after=after,
        reason=reason,
    )
    return enrollment


def _identity_with(enrollment: Enrollment, changes: dict[str, Any]) -> Identity:
    """The enrollment's identity with the corrected fields, checked against the ID number."""
    return identity_validate(
        name=changes.get("name", enrollment.name),
        gender=changes.get("gender", enrollment.gender),
        birth_date=changes.get("birth_date", enrollment.birth_date),
        ethnicity=changes.get("ethnicity", enrollment.ethnicity),
        document_type=enrollment.document_type,
        document_number=enrollment.document_number,
    )
