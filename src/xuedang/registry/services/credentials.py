"""学历: photos, registration with its certificate number (第十六、十七条), publication on the
issue date (第十八条) which ends the enrollment, and the corrections a school may still make."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from xuedang.core import validators
from xuedang.core.audit import audit_log
from xuedang.core.images import ImageRefused, image_intake
from xuedang.institutions.models import Institution
from xuedang.institutions.selectors import institution_name_on, president_on
from xuedang.registry.models import (
    Credential,
    CredentialKind,
    CredentialState,
    Enrollment,
    EnrollmentState,
    Gender,
    Level,
    Photo,
    StudyForm,
)
from xuedang.registry.services.common import (
    CREDENTIAL_FIELDS,
    _check_choice,
    _check_major_code,
    _fail,
    _save_unique,
    snapshot,
)
from xuedang.registry.services.enrollments import _flow_change_record
from xuedang.registry.services.notices import record_notice
from xuedang.registry.services.transfer_steps import _transfers_lapse

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


PHOTO_MAX_BYTES = 40 * 1024
PHOTO_SIZE = (480, 640)


def photo_clean(image: bytes) -> bytes:
    """The photo re-encoded (metadata dropped) once it is a JPEG of 480×640 within 40 KB."""
    try:
        clean = image_intake(
            image, max_bytes=PHOTO_MAX_BYTES, formats=("JPEG",), output="JPEG", max_output_bytes=PHOTO_MAX_BYTES
        )
    except ImageRefused as refused:
        raise refused.for_field("image") from refused
    if clean.size != PHOTO_SIZE:
        width, height = clean.size
        raise _fail("image", f"照片须为 480×640 像素（实际 {width}×{height}）/ the photo must be 480×640 pixels")
    return clean.data


@transaction.atomic
def photo_register(*, actor: Any, enrollment: Enrollment, purpose: str, image: bytes) -> Photo:
    """Register a student's photo: JPEG, 480×640, at most 40 KB (学历照片 rules).

    The picture goes through `core.images.image_intake` (declared size checked before decoding,
    metadata dropped by re-encoding); earlier photos of the same purpose are superseded.
    """
    if purpose not in Photo.Purpose.values:
        raise _fail("purpose", "照片类型无效 / unknown photo purpose")
    data = photo_clean(image)
    Photo.objects.filter(enrollment=enrollment, purpose=purpose, superseded=False).update(superseded=True)
    photo = Photo.objects.create(
        enrollment=enrollment,
        purpose=purpose,
        image=data,
        content_type="image/jpeg",
        sha256=hashlib.sha256(data).hexdigest(),
    )
    audit_log(
        actor=actor,
        action="registry.photo.registered",
        target=enrollment,
        after={"purpose": purpose, "sha256": photo.sha256},
    )
    return photo


def photo_dispute_open(*, photo: Photo) -> None:
    """图像校对: the student disputes this photo; a credential using it cannot be published until
    the school answers. Called by archive's audited photo check, inside its transaction."""
    Photo.objects.filter(pk=photo.pk).update(disputed=True)
    photo.disputed = True


def photo_dispute_close(*, photo: Photo) -> None:
    """The school answered the dispute (replaced or upheld the photo); called like `photo_dispute_open`."""
    Photo.objects.filter(pk=photo.pk).update(disputed=False)
    photo.disputed = False


def _next_serial(*, prefix: str) -> int:
    last = Credential.objects.filter(certificate_number__startswith=prefix).aggregate(Max("certificate_number"))[
        "certificate_number__max"
    ]
    return int(last[len(prefix) :]) + 1 if last and len(last) == 18 else 1


@transaction.atomic
def credential_register(
    *,
    actor: Any,
    enrollment: Enrollment,
    kind: str,
    study_end: date,
    certificate_number: str = "",
    photo: Photo | None = None,
    minor: str = "",
) -> Credential:
    """学历注册 — create the (unpublished) credential of an enrollment (第十六、十七条).

    The number is validated against the school and year when given, generated in the
    18-digit layout otherwise; the president is the one in office on the graduation date.
    """
    enrollment = Enrollment.objects.select_for_update().select_related("institution").get(pk=enrollment.pk)
    _check_choice("kind", kind, CredentialKind, "毕（结）业类别")
    if Credential.objects.filter(enrollment=enrollment).exists():
        raise _fail(
            "enrollment",
            "该学籍已注册学历，每个学籍只能有一个学历 / this enrollment already has a credential (第十六条)",
            code="duplicate",
        )
    if study_end <= enrollment.entry_date:
        raise _fail("study_end", "毕（结）业日期须晚于入学日期 / the end of study must be after entry")
    _check_may_finish(enrollment)
    _check_not_early(enrollment, study_end)
    institution = enrollment.institution
    number = _certificate_number(enrollment, study_end, certificate_number)
    credential = Credential(
        enrollment=enrollment,
        institution=institution,
        kind=kind,
        certificate_number=number,
        certificate_key=validators.certificate_key(number),
        institution_name=institution_name_on(institution=institution, on=study_end),
        president_name=president_on(institution=institution, on=study_end),
        major_code=enrollment.major_code,
        major_name=enrollment.major_name,
        level=enrollment.level,
        education_type=enrollment.education_type,
        study_form=enrollment.study_form,
        length_years=enrollment.length_years,
        study_start=enrollment.entry_date,
        study_end=study_end,
        issue_date=study_end,
        photo=photo,
        minor=minor,
    )
    for field in ("name", "gender", "birth_date", "ethnicity", "document_type", "document_number", "identity_digest"):
        setattr(credential, field, getattr(enrollment, field))
    _save_unique(credential, "certificate_number", f"证书编号 {number} 已被使用 / certificate number already in use")
    audit_log(
        actor=actor,
        action="registry.credential.registered",
        target=credential,
        after=snapshot(credential, CREDENTIAL_FIELDS),
    )
    return credential


# A credential ends a 学籍 that is studying: never one on 休学 or 保留学籍, cancelled or finished.
MAY_FINISH = (EnrollmentState.REGISTERED, EnrollmentState.DEFERRED)


def _check_may_finish(enrollment: Enrollment) -> None:
    if enrollment.state in MAY_FINISH:
        return
    state = enrollment.get_state_display().split(" / ")[0]
    raise _fail(
        "enrollment",
        f"该学籍状态为“{state}”，不能注册或发布学历 / no credential for an enrollment in state {enrollment.state}",
        code="wrong_state",
    )


def _check_not_early(enrollment: Enrollment, study_end: date) -> None:
    """提前毕业 is a 学籍异动 (61) that moves the expected graduation first. The month before the
    expected one still counts as on time (schools date graduations 30 June or 1 July alike)."""
    expected = enrollment.expected_graduation_date
    if study_end.year * 12 + study_end.month >= expected.year * 12 + expected.month - 1:
        return
    raise _fail(
        "study_end",
        f"毕（结）业日期早于预计毕业日期 {expected}，须先办理“提前毕业”学籍异动 / "
        "the end of study is before the expected graduation; record 提前毕业 (61) first",
        code="early",
    )


def _certificate_number(enrollment: Enrollment, study_end: date, supplied: str) -> str:
    code = enrollment.institution.code
    if supplied.strip():
        try:
            number = validators.validate_certificate_number(
                supplied, institution_code=code, graduation_year=study_end.year, level=enrollment.level
            )
        except ValidationError as error:
            raise ValidationError({"certificate_number": error.error_list}) from error
        if Credential.objects.filter(certificate_number=number).exists():
            raise _fail(
                "certificate_number",
                f"证书编号 {number} 已被使用 / certificate number already in use",
                code="duplicate",
            )
        return number
    prefix = f"{code}{enrollment.education_type}{study_end.year}{enrollment.level}"
    return validators.build_certificate_number(
        school_code=code,
        education_type=enrollment.education_type,
        year=study_end.year,
        level=enrollment.level,
        serial=_next_serial(prefix=prefix),
    )


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
    if credential.enrollment is not None:  # 自考 and 补录 credentials stand alone (decision 0029)
        _check_may_finish(credential.enrollment)
    missing = credential_missing_fields(credential)
    if missing:
        raise _fail(
            "state",
            "以下字段未填写，不能发布：" + "、".join(missing) + " / incomplete credential, missing fields listed",
            code="incomplete",
        )
    if _photo_disputed(credential):
        raise _fail(
            "photo",
            "学生对学历照片提出了异议（图像校对），处理前不能发布 / the student disputes the photo; "
            "answer the dispute before publishing",
            code="photo_disputed",
        )
    today = today or timezone.localdate()
    if credential.issue_date and credential.issue_date > today:
        raise _fail("issue_date", "发证日期未到，不能提前发布 / a credential is published on its issue date (第十八条)")
    credential.state = CredentialState.PUBLISHED
    credential.published_at = timezone.now()
    credential.save(update_fields=["state", "published_at", "updated_at"])
    if credential.enrollment is not None:
        _enrollment_finish(actor=actor, credential=credential)
    audit_log(
        actor=actor,
        action="registry.credential.published",
        target=credential,
        before={"state": CredentialState.DRAFT},
        after={"state": credential.state},
    )
    record_notice(record=credential, event="credential.published", number=credential.certificate_number)
    return credential


def _photo_disputed(credential: Credential) -> bool:
    """图像校对: an open dispute of the credential's photo blocks publication (`Photo.disputed`)."""
    return credential.photo_id is not None and Photo.objects.filter(pk=credential.photo_id, disputed=True).exists()


def _enrollment_finish(*, actor: Any, credential: Credential) -> None:
    """The enrollment ends with its credential: 结业 is a 学籍异动 (62); 毕业 is not."""
    enrollment = credential.enrollment
    assert enrollment is not None  # called only for a credential with a 学籍
    if credential.kind == CredentialKind.COMPLETION:
        _flow_change_record(
            actor=actor,
            enrollment=enrollment,
            change_code="62",
            change_date=credential.study_end,
            changes={"state": EnrollmentState.COMPLETED},
            reason=f"结业，证书编号 {credential.certificate_number} / completed",
        )
        return
    before = {"state": enrollment.state}
    enrollment.state, enrollment.state_date = EnrollmentState.GRADUATED, credential.study_end
    enrollment.save(update_fields=["state", "state_date", "updated_at"])
    _transfers_lapse(actor=actor, enrollment=enrollment)
    audit_log(
        actor=actor,
        action="registry.enrollment.graduated",
        target=enrollment,
        before=before,
        after={"state": enrollment.state},
        reason=credential.certificate_number,
    )


@transaction.atomic
def credential_edit(
    *, actor: Any, credential: Credential, changes: dict[str, Any], reason: str, photo: bytes | None = None
) -> Credential:
    """The registrar's edit of a draft (修改待发布学历): a new graduation photo, if given, and the
    changed fields in one transaction, so a refused change leaves no orphan photo behind."""
    if photo is not None:
        if credential.enrollment is None:  # 自考 and 补录 are corrected by their own office
            raise _fail(
                "state", "自考、补录学历不在此修改 / self-study and back-registered credentials are changed elsewhere"
            )
        changes = changes | {
            "photo": photo_register(actor=actor, enrollment=credential.enrollment, purpose="graduation", image=photo)
        }
    return credential_update(actor=actor, credential=credential, changes=changes, reason=reason)


# What a school may still change on a draft (第十七条's fields and the annotations it owns). The
# school's name follows from the institution's names in force on the graduation date.
EDITABLE_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "photo",
    "study_start",
    "study_end",
    "issue_date",
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


@transaction.atomic
def credential_update(*, actor: Any, credential: Credential, changes: dict[str, Any], reason: str) -> Credential:
    """Correct an unpublished credential; after publication only the province may (第十九条).

    Only the fields that differ are applied and audited; a new graduation date moves the issue
    date with it (第十八条) and brings the school's name then in force."""
    credential = (
        Credential.objects.select_for_update(of=("self",))
        .select_related("enrollment", "institution")
        .get(pk=credential.pk)
    )
    if credential.enrollment is None:  # 自考 and 补录 (decision 0029)
        raise _fail(
            "state",
            "自考、补录学历不在此修改（由省级自考办或补录审核办理）/ self-study and back-registered credentials "
            "are changed by their own office, not here",
        )
    if credential.state != CredentialState.DRAFT:
        raise _fail(
            "state",
            "学历已发布，学校不能直接修改，请经省级教育行政部门审核 / "
            "published; corrections need provincial approval (第十九条)",
            code="published",
        )
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise _fail("changes", f"不能修改这些字段：{', '.join(sorted(unknown))} / these fields cannot be changed here")
    if not reason.strip():
        raise _fail("reason", "请填写修改原因 / give the reason for the change")
    changes = _draft_changes_checked(credential, changes)
    if not changes:
        raise _fail(
            "changes", "没有需要修改的内容 / nothing differs from the credential as it stands", code="unchanged"
        )
    return _credential_apply(
        actor=actor, credential=credential, changes=changes, reason=reason, action="registry.credential.updated"
    )


def _draft_changes_checked(credential: Credential, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes that differ from the credential, normalised; a ValidationError names the field."""
    changes = {f: v for f, v in changes.items() if getattr(credential, f) != v}
    if "name" in changes:
        try:
            changes["name"] = validators.normalize_name(changes["name"])
        except ValidationError as error:
            raise ValidationError({"name": error.error_list}) from error
    for field, choices, label in (
        ("gender", Gender, "性别"),
        ("level", Level, "层次"),
        ("kind", CredentialKind, "毕（结）业类别"),
        ("study_form", StudyForm, "学习形式"),
    ):
        if field in changes:
            _check_choice(field, changes[field], choices, label)
    merged = {f: changes.get(f, getattr(credential, f)) for f in EDITABLE_FIELDS}
    if {"level", "major_code"} & set(changes):
        changes["major_code"] = merged["major_code"] = str(merged["major_code"]).strip().upper()
        _check_major_code(merged["level"], merged["major_code"])
    if merged["study_end"] <= merged["study_start"]:
        raise _fail("study_end", "毕（结）业日期须晚于入学日期 / the end of study must be after its start")
    if "study_end" in changes:
        assert credential.enrollment is not None  # credential_update refuses 自考 and 补录 (decision 0029)
        _check_not_early(credential.enrollment, merged["study_end"])
        changes.setdefault("issue_date", merged["study_end"])
        name = institution_name_on(institution=credential.institution, on=merged["study_end"])
        if name != credential.institution_name:
            changes["institution_name"] = name
    if {"certificate_number", "study_end", "level"} & set(changes) and merged["certificate_number"]:
        number = _certificate_number_checked(credential, merged)
        if number != credential.certificate_number:
            changes["certificate_number"] = number
            changes["certificate_key"] = validators.certificate_key(number)
    if "president_name" in changes:
        changes["president_name"] = (
            validators.normalize_name(changes["president_name"]) if changes["president_name"] else ""
        )
    return changes


def _certificate_number_checked(credential: Credential, merged: dict[str, Any]) -> str:
    try:
        number = validators.validate_certificate_number(
            merged["certificate_number"],
            institution_code=credential.institution.code,
            graduation_year=merged["study_end"].year,
            level=merged["level"],
        )
    except ValidationError as error:
        raise ValidationError({"certificate_number": error.error_list}) from error
    if Credential.objects.filter(certificate_number=number).exclude(pk=credential.pk).exists():
        raise _fail(
            "certificate_number", f"证书编号 {number} 已被使用 / certificate number already in use", code="duplicate"
        )
    return number


@transaction.atomic
def credential_annotate(
    *,
    actor: Any,
    credential: Credential,
    reason: str,
    minor: str | None = None,
    lost_certificate_note: str | None = None,
) -> Credential:
    """Annotate a credential: a minor (辅修) or a lost-certificate 证明书; allowed after publication."""
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    changes = {k: v for k, v in (("minor", minor), ("lost_certificate_note", lost_certificate_note)) if v is not None}
    if not changes or not reason.strip():
        raise _fail("reason", "请填写批注内容和原因 / give the annotation and its reason")
    return _credential_apply(
        actor=actor, credential=credential, changes=changes, reason=reason, action="registry.credential.annotated"
    )


def _credential_apply(
    *, actor: Any, credential: Credential, changes: dict[str, Any], reason: str, action: str
) -> Credential:
    """Apply checked changes, keeping the values before them in the audit log."""
    before = {field: getattr(credential, field) for field in changes}
    for field, value in changes.items():
        setattr(credential, field, value)
    credential.save()
    audit_log(actor=actor, action=action, target=credential, before=before, after=changes, reason=reason)
    return credential


def credentials_publish_due(
    *, actor: Any, institution: Institution, today: date | None = None, due_by: date | None = None
) -> tuple[int, int]:
    """Publish every complete draft credential of `institution` due by `due_by` (never later
    than today: 第十八条). Returns (published, still incomplete); each publication is its own
    transaction and audit entry."""
    today = today or timezone.localdate()
    pks = credentials_due_pks(institution=institution, due_by=min(due_by or today, today))
    outcomes = list(credentials_publish_each(actor=actor, pks=pks, today=today))
    return sum(outcomes), outcomes.count(False)


def credentials_due_pks(*, institution: Institution, due_by: date) -> list[int]:
    """The drafts of `institution` due by `due_by`, in publication order (the job's work list)."""
    drafts = Credential.objects.filter(institution=institution, state=CredentialState.DRAFT, issue_date__lte=due_by)
    drafts = drafts.exclude(enrollment=None)  # 自考 drafts are the 自考办's to publish (decision 0029)
    return list(drafts.order_by("issue_date", "certificate_number").values_list("pk", flat=True))


def credentials_publish_each(*, actor: Any, pks: list[int], today: date) -> Iterator[bool]:
    """Publish the drafts one by one, yielding True for each published, False for each still
    incomplete (or no longer publishable): a job reports progress between them."""
    for pk in pks:
        try:
            credential_publish(actor=actor, credential=Credential(pk=pk), today=today)
        except ValidationError:
            yield False
        else:
            yield True
