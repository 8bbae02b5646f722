"""Writes for the student's archive: binding records to accounts, logging accesses, the photo
check (图像校对), corrections (纠错), former identities and notifications.

Every write validates first, then writes its audit entry in the same transaction. Errors are
`ValidationError`s keyed by field with "中文 / English" messages; nothing changes on error.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Model, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from xuedang.archive.models import (
    AccessEvent,
    Binding,
    BindingMethod,
    Correction,
    CorrectionState,
    CorrectionStep,
    FormerIdentity,
    Notification,
    PhotoCheck,
    ViewerKind,
)
from xuedang.core import codetables, crypto, validators
from xuedang.core.audit import audit_log
from xuedang.core.masking import mask_document
from xuedang.institutions.access import memberships
from xuedang.institutions.models import Scope
from xuedang.registry.models import (
    Admission,
    Credential,
    CredentialState,
    Enrollment,
    Gender,
    Photo,
)

if TYPE_CHECKING:
    from xuedang.reports.models import Report

# A record a student's archive can hold (each keeps the identity it was registered with).
Record = Admission | Enrollment | Credential
RECORD_FIELDS: dict[type[Record], str] = {Admission: "admission", Enrollment: "enrollment", Credential: "credential"}
QUERYABLE = (CredentialState.PUBLISHED, CredentialState.REVOKED)


def _fail(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


# --- Identities an account may claim ----------------------------------------------------------


def claimed_identities(user: Any) -> list[tuple[str, str]]:
    """(identity digest, name) pairs records may be registered under: the account's current
    identity and every approved former one (曾用名, 原证件号码)."""
    pairs = [(user.identity_digest, user.real_name)] if user.identity_digest and user.real_name else []
    for former in user.former_identities.filter(state=FormerIdentity.State.APPROVED):
        pairs.append((former.identity_digest or user.identity_digest, former.name))
    return pairs


def _identity_condition(pairs: list[tuple[str, str]]) -> Q:
    condition = Q(pk__in=[])
    for digest, name in pairs:
        condition |= Q(identity_digest=digest, name=name)
    return condition


def account_birth_date(user: Any) -> date | None:
    """The birth date in the account's ID (resident ID and residence-permit layouts)."""
    if user.document_type in ("resident_id", "hmt_permit") and len(user.document_number) == 18:
        return validators.birth_date_from_resident_id(user.document_number)
    return None


def identity_matches(user: Any, record: Record) -> bool:
    """Manual binding's rule: the record's ID is one of the account's (current or approved
    former), or, for records registered without an ID, name and birth date both match."""
    pairs = claimed_identities(user)
    if record.identity_digest:
        return record.identity_digest in {digest for digest, _ in pairs}
    birth = account_birth_date(user)
    return birth is not None and record.birth_date == birth and record.name in {name for _, name in pairs}


# --- Automatic binding -----------------------------------------------------------------------


@transaction.atomic
def bindings_refresh(*, user: Any) -> int:
    """Bind every record registered under the account's ID *and* name (自动绑定), and under
    its approved former identities.

    An ID match under another name does not bind (the archive explains why). Records bound
    to another account stay there. Each query goes by the indexed identity digest and checks
    "already bound" per candidate (unique index on the binding), so its cost is one person's
    records whatever the registry's size (docs/decisions/0004-archive-binding.md).
    Returns how many records were newly bound.
    """
    pairs = claimed_identities(user)
    if not pairs:
        return 0
    created = 0
    for model, field in RECORD_FIELDS.items():
        bound = Binding.objects.filter(**{field: OuterRef("pk")})
        candidates = model.objects.filter(_identity_condition(pairs)).filter(~Exists(bound))
        for record in candidates:
            created += _bind(user=user, record=record, method=BindingMethod.AUTOMATIC) is not None
    return created


def _bind(*, user: Any, record: Record, method: str) -> Binding | None:
    """Bind one record; None when a concurrent request bound it first (the unique index decides)."""
    field = RECORD_FIELDS[type(record)]
    try:
        with transaction.atomic():
            binding = Binding.objects.create(user=user, method=method, **{field: record})
    except IntegrityError:
        return None
    audit_log(actor=user, action=f"archive.{field}.bound", target=record, after={"method": method})
    return binding


# --- Manual binding (我还有学历/学籍没显示出来) ------------------------------------------------

BIND_ATTEMPTS_PER_DAY = 5


def _attempts_key(user: Any) -> str:
    return f"archive:bind-attempts:{user.pk}:{timezone.localdate():%Y%m%d}"


def bind_attempts_left(*, user: Any) -> int:
    return max(0, BIND_ATTEMPTS_PER_DAY - int(cache.get(_attempts_key(user), 0)))


def _take_attempt(user: Any) -> None:
    """Count one attempt atomically (Redis INCR); refuse beyond the day's limit. A successful
    binding gives its attempt back, so only failures use up the day's tries."""
    key = _attempts_key(user)
    cache.add(key, 0, timeout=2 * 24 * 3600)
    if cache.incr(key) > BIND_ATTEMPTS_PER_DAY:
        raise _fail(
            "__all__",
            f"今天的 {BIND_ATTEMPTS_PER_DAY} 次查找机会已用完，请明天再试 / you have used "
            f"today's {BIND_ATTEMPTS_PER_DAY} attempts; try again tomorrow",
            code="limit",
        )


def _give_back_attempt(user: Any) -> None:
    try:
        cache.decr(_attempts_key(user))
    except ValueError:  # the key expired at midnight meanwhile
        pass


NOT_FOUND = (
    "没有找到符合这些信息的{what}，请核对后再试（今天还可尝试 {left} 次）/ no {what_en} matches these "
    "details; check them and try again ({left} attempts left today)"
)
NOT_YOURS = (
    "找到了该{what}，但其登记的身份信息与您的账号不一致，不能绑定。"
    "如果您改过姓名或证件号码，请先申请曾用身份；"
    "如果登记信息有误，请联系学校更正 / the {what_en} was found but is registered under another identity; "
    "if your name or ID changed, apply for your former identity first; if the record is wrong, ask the "
    "school to correct it"
)
TAKEN = (
    "该{what}已绑定到其他账号。如确属本人，请通过身份申诉找回 / this {what_en} is bound to another account; "
    "if it is yours, appeal to recover it"
)


@transaction.atomic
def binding_claim_credential(
    *, user: Any, certificate_number: str, graduation_year: int, institution_code: str
) -> Binding:
    """「我还有学历没显示出来」— bind a published credential by its number, year and school.

    Pre-2001 numbers match with or without "NO." and leading zeros (Credential.certificate_key).
    """
    key = validators.certificate_key(certificate_number) if certificate_number.strip() else ""
    if not key:
        raise _fail("certificate_number", "请填写证书编号 / the certificate number is required", "required")
    _take_attempt(user)
    credential = (
        Credential.objects.filter(
            certificate_key=key,
            institution__code=institution_code,
            study_end__year=graduation_year,
            state__in=QUERYABLE,
        )
        .select_related("enrollment")
        .first()
    )
    binding = _claim(user, credential, what=("学历", "credential"))
    assert credential is not None  # _claim raised otherwise
    _bind_companion(user, credential.enrollment)
    return binding


@transaction.atomic
def binding_claim_enrollment(*, user: Any, student_number: str, institution_code: str, entry_year: int) -> Binding:
    """「我还有学籍没显示出来」— bind an enrollment by student number, school and entry year."""
    number = student_number.strip()
    if not number:
        raise _fail("student_number", "请填写学号 / the student number is required", "required")
    _take_attempt(user)
    enrollment = Enrollment.objects.filter(
        institution__code=institution_code, student_number=number, entry_date__year=entry_year
    ).first()
    binding = _claim(user, enrollment, what=("学籍", "enrollment"))
    _bind_companion(user, Credential.objects.filter(enrollment=enrollment, state__in=QUERYABLE).first())
    return binding


def _bind_companion(user: Any, record: Record | None) -> None:
    """A claimed credential brings its enrollment, and a claimed enrollment its published
    credential, when free and under the same identity."""
    if record is None or Binding.objects.filter(**{RECORD_FIELDS[type(record)]: record}).exists():
        return
    if identity_matches(user, record):
        _bind(user=user, record=record, method=BindingMethod.MANUAL)


def _claim(user: Any, record: Record | None, *, what: tuple[str, str]) -> Binding:
    """Bind `record` to `user` when it exists, is theirs and is free; the attempt stays used otherwise."""
    zh, en = what
    if record is None:
        left = bind_attempts_left(user=user)
        raise _fail("__all__", NOT_FOUND.format(what=zh, what_en=en, left=left), "not_found")
    field = RECORD_FIELDS[type(record)]
    existing = Binding.objects.filter(**{field: record}).first()
    if existing is not None and existing.user_id == user.pk:
        _give_back_attempt(user)
        return existing
    if not identity_matches(user, record):
        raise _fail("__all__", NOT_YOURS.format(what=zh, what_en=en), "identity")
    if existing is not None:
        raise _fail("__all__", TAKEN.format(what=zh, what_en=en), "taken")
    binding = _bind(user=user, record=record, method=BindingMethod.MANUAL)
    if binding is None:  # bound a moment ago by a concurrent request
        binding = Binding.objects.get(**{field: record})
        if binding.user_id != user.pk:
            raise _fail("__all__", TAKEN.format(what=zh, what_en=en), "taken")
    _give_back_attempt(user)
    return binding


# --- Former identities (姓名、证件号码变更) -----------------------------------------------------


@transaction.atomic
def former_identity_request(
    *, user: Any, name: str, document_number: str, reason: str, evidence: bytes, evidence_name: str
) -> FormerIdentity:
    """Ask the centre to confirm an earlier name and/or ID, with evidence (户籍证明 etc.)."""
    errors: dict[str, list[str]] = {}
    try:
        name = validators.normalize_name(name)
    except ValidationError as error:
        errors["name"] = error.messages
    digest = hint = ""
    if document_number.strip():
        try:
            number = validators.normalize_resident_id(document_number)
            digest, hint = crypto.identity_digest("resident_id", number), mask_document(number)
        except ValidationError as error:
            errors["document_number"] = error.messages
    if not reason.strip():
        errors["reason"] = ["请说明变更原因 / give the reason for the change"]
    try:
        content_type = evidence_check(evidence, evidence_name)
    except ValidationError as error:
        errors["evidence"] = error.messages
    if errors:
        raise ValidationError(errors)
    if not digest and name == user.real_name:
        raise _fail(
            "name",
            "曾用名与现用名相同，且未填写原证件号码 / the former name is your current name and no former ID was given",
        )
    former = FormerIdentity.objects.create(
        user=user,
        name=name,
        identity_digest=digest,
        document_hint=hint,
        reason=reason.strip(),
        evidence=evidence,
        evidence_type=content_type,
    )
    audit_log(
        actor=user,
        action="archive.former_identity.requested",
        target=former,
        after={"name": name, "document_number": hint},
    )
    return former


@transaction.atomic
def former_identity_decide(*, actor: Any, former: FormerIdentity, approve: bool, note: str) -> FormerIdentity:
    """The centre approves or rejects a former identity; approval binds its records at once."""
    former = FormerIdentity.objects.select_for_update().select_related("user").get(pk=former.pk)
    if former.state != FormerIdentity.State.PENDING:
        raise _fail("__all__", "该申请已处理 / this request has already been decided", "decided")
    if not approve and not note.strip():
        raise _fail("note", "请填写不予批准的理由 / give the reason for rejecting")
    former.state = FormerIdentity.State.APPROVED if approve else FormerIdentity.State.REJECTED
    former.decided_by, former.decided_at, former.decision_reason = actor, timezone.now(), note.strip()
    former.save()
    audit_log(
        actor=actor,
        action=f"archive.former_identity.{former.state}",
        target=former,
        before={"state": FormerIdentity.State.PENDING},
        after={"state": former.state},
        reason=note,
    )
    if approve:
        bindings_refresh(user=former.user)
    notify(user=former.user, text=f"曾用身份“{former.name}”{former.get_state_display()}", url="/archive/")
    return former


# --- Evidence files --------------------------------------------------------------------------

EVIDENCE_MAX_BYTES = 4 * 1024 * 1024


def evidence_check(data: bytes, name: str) -> str:
    """A PDF or JPEG of at most 4 MB, checked by its content (not its name); returns its type."""
    if not data:
        raise _fail("evidence", "请上传证明材料 / attach the evidence file", "required")
    if len(data) > EVIDENCE_MAX_BYTES:
        raise _fail(
            "evidence",
            f"证明材料不能超过 4 MB（实际 {len(data) / 1048576:.1f} MB）/ the evidence file must be at most 4 MB",
            "size",
        )
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _fail("evidence", "PDF 文件不完整 / the PDF file is incomplete", "type")
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        try:
            with Image.open(io.BytesIO(data)) as picture:
                picture.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise _fail("evidence", "JPEG 图片已损坏 / the JPEG image is damaged", "type") from error
        return "image/jpeg"
    raise _fail(
        "evidence", f"证明材料须为 PDF 或 JPEG（“{name[:60]}”不是）/ the evidence must be a PDF or JPEG file", "type"
    )


# --- Notifications ---------------------------------------------------------------------------


def notify(*, user: Any, text: str, url: str = "") -> Notification:
    """An in-app notice, written in the caller's transaction (so it exists only if the step does),
    and the same by SMS and confirmed email once that transaction commits (accounts.notify)."""
    from xuedang.accounts import notify as messages

    notice = Notification.objects.create(user=user, text=text[:300], url=url[:200])
    phone, email = user.phone, (user.email if getattr(user, "email_verified_at", None) else "")
    transaction.on_commit(
        lambda: messages.notice_send(
            phone=phone, email=email, text=f"【学档】{text[:200]}", subject="学信档案通知 / archive notice"
        )
    )
    return notice


@transaction.atomic
def notifications_mark_read(*, user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# --- Photo check (图像校对) --------------------------------------------------------------------


@transaction.atomic
def photo_check_answer(*, user: Any, photo: Photo, verdict: str, reason: str = "") -> PhotoCheck:
    """The student's 「正确」 or 「信息有误」 about the photo to be registered with the credential."""
    if verdict not in PhotoCheck.Verdict.values:
        raise _fail("verdict", "请选择“正确”或“信息有误” / choose correct or wrong")
    if verdict == PhotoCheck.Verdict.WRONG and not reason.strip():
        raise _fail("reason", "请说明照片哪里有误 / say what is wrong with the photo")
    if photo.superseded:
        raise _fail(
            "__all__", "学校已更换这张照片，请校对新照片 / the school has replaced this photo; check the new one"
        )
    if PhotoCheck.objects.filter(photo=photo).exists():
        raise _fail("__all__", "这张照片已校对过 / you have already answered for this photo", "duplicate")
    enrollment = photo.enrollment
    disputed = verdict == PhotoCheck.Verdict.WRONG
    check = PhotoCheck.objects.create(
        photo=photo,
        enrollment=enrollment,
        institution_id=enrollment.institution_id,
        user=user,
        verdict=verdict,
        reason=reason.strip(),
        state=PhotoCheck.State.OPEN if disputed else PhotoCheck.State.CONFIRMED,
    )
    audit_log(
        actor=user,
        action=f"archive.photo.{verdict}",
        target=enrollment,
        after={"photo": photo.sha256, "verdict": verdict},
        reason=reason,
    )
    return check


@transaction.atomic
def photo_check_resolve(
    *, actor: Any, check: PhotoCheck, resolution: str, new_photo: bytes | None = None
) -> PhotoCheck:
    """The school answers a dispute: a new photo replaces the old one (and goes on the draft
    credential), or the photo is upheld with the school's reason."""
    from xuedang.registry import services as registry

    check = PhotoCheck.objects.select_for_update().select_related("enrollment").get(pk=check.pk)
    if check.state != PhotoCheck.State.OPEN:
        raise _fail("__all__", "该校对已处理 / this dispute has already been answered", "decided")
    if not resolution.strip():
        raise _fail("resolution", "请填写处理说明 / describe how the dispute was handled")
    if new_photo:
        photo = registry.photo_register(actor=actor, enrollment=check.enrollment, purpose="graduation", image=new_photo)
        credential = Credential.objects.filter(
            enrollment=check.enrollment, photo=check.photo_id, state=CredentialState.DRAFT
        ).first()
        if credential is not None:
            registry.credential_update(
                actor=actor,
                credential=credential,
                changes={"photo": photo},
                reason=f"图像校对更换照片 / photo replaced after dispute #{check.pk}",
            )
        check.state = PhotoCheck.State.REPLACED
    else:
        check.state = PhotoCheck.State.UPHELD
    check.resolution, check.resolved_by, check.resolved_at = resolution.strip(), actor, timezone.now()
    check.save()
    audit_log(
        actor=actor,
        action=f"archive.photo.{check.state}",
        target=check.enrollment,
        before={"state": PhotoCheck.State.OPEN},
        after={"state": check.state},
        reason=resolution,
    )
    notify(user=check.user, text=f"图像校对：{check.get_state_display()}", url="/archive/photos/")
    return check


# --- Corrections (纠错) -------------------------------------------------------------------------

# field → (label, kind). Identity fields need the province whatever the record's state.
CORRECTABLE: dict[str, dict[str, tuple[str, str]]] = {
    "enrollment": {
        "name": ("姓名 / name", "name"),
        "gender": ("性别 / gender", "gender"),
        "birth_date": ("出生日期 / birth date", "date"),
        "ethnicity": ("民族 / ethnicity", "ethnicity"),
        "document_number": ("证件号码 / ID number", "resident_id"),
        "department": ("院系 / department", "text"),
        "major_name": ("专业 / major", "text"),
        "class_name": ("班级 / class", "text"),
        "entry_date": ("入学日期 / entry date", "date"),
    },
    "credential": {
        "name": ("姓名 / name", "name"),
        "gender": ("性别 / gender", "gender"),
        "birth_date": ("出生日期 / birth date", "date"),
        "major_name": ("专业 / major", "text"),
        "study_start": ("入学日期 / study start", "date"),
        "study_end": ("毕（结）业日期 / study end", "date"),
        "president_name": ("校（院）长姓名 / president", "name"),
    },
}
IDENTITY_FIELDS = frozenset({"name", "document_number"})


def _record_kind(record: Model) -> str:
    return "credential" if isinstance(record, Credential) else "enrollment"


def _parse_value(kind: str, raw: str) -> Any:
    value = raw.strip()
    if not value:
        raise _fail("new_value", "请填写正确的值 / give the correct value", "required")
    if kind == "date":
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise _fail("new_value", "日期格式应为 YYYY-MM-DD / a date is written YYYY-MM-DD") from error
    if kind == "gender":
        if value not in Gender.values:
            raise _fail("new_value", "性别应为 1（男）或 2（女）等代码 / gender must be a GB/T 2261.1 code")
        return value
    if kind == "ethnicity":
        if value not in dict(codetables.code_choices("ethnicity")):
            raise _fail("new_value", f"民族代码“{value[:10]}”无效 / unknown ethnicity code")
        return value
    try:
        if kind == "name":
            return validators.normalize_name(value)
        if kind == "resident_id":
            return validators.normalize_resident_id(value)
    except ValidationError as error:
        raise ValidationError({"new_value": error.messages}) from error
    if len(value) > 100:
        raise _fail("new_value", "不超过 100 个字符 / at most 100 characters")
    return value


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def correction_needs_province(correction: Correction) -> bool:
    """第十九条: after publication only with provincial approval; identity always goes up."""
    if correction.field in IDENTITY_FIELDS:
        return True
    return correction.credential is not None and correction.credential.state != CredentialState.DRAFT


@transaction.atomic
def correction_file(
    *,
    user: Any,
    record: Enrollment | Credential,
    field: str,
    new_value: str,
    reason: str,
    evidence: bytes,
    evidence_name: str,
) -> Correction:
    """纠错 — the student flags one field of one of their records (the caller's door checked it is theirs)."""
    fields = CORRECTABLE[_record_kind(record)]
    if field not in fields:
        raise _fail("field", "该字段不能在此申请更正 / this field cannot be corrected here")
    value = _parse_value(fields[field][1], new_value)
    errors: dict[str, list[str]] = {}
    if _as_text(value) == _as_text(getattr(record, field)):
        errors["new_value"] = ["与现有值相同 / this is the value already registered"]
    if not reason.strip():
        errors["reason"] = ["请说明理由 / give the reason"]
    try:
        content_type = evidence_check(evidence, evidence_name)
    except ValidationError as error:
        errors["evidence"] = error.messages
    if errors:
        raise ValidationError(errors)
    kind = _record_kind(record)
    if Correction.objects.filter(
        **{kind: record}, field=field, state__in=[CorrectionState.SCHOOL, CorrectionState.PROVINCE]
    ).exists():
        raise _fail("field", "该字段已有一个处理中的更正申请 / a request for this field is already open", "duplicate")
    correction = Correction(
        user=user,
        institution_id=record.institution_id,
        field=field,
        old_value=_as_text(getattr(record, field)),
        new_value=_as_text(value),
        reason=reason.strip(),
        evidence=evidence,
        evidence_type=content_type,
        evidence_name=evidence_name[:200],
        evidence_sha256=hashlib.sha256(evidence).hexdigest(),
        **{kind: record},
    )
    correction.needs_province = correction_needs_province(correction)
    correction.save()
    _step(correction, actor=user, action="filed", note=reason.strip())
    notify(
        user=user,
        text=f"纠错申请 #{correction.pk} 已提交，等待学校审核 / correction filed, with the school",
        url=f"/archive/corrections/{correction.pk}/",
    )
    return correction


def _step(correction: Correction, *, actor: Any, action: str, note: str = "", approved_by: Any = None) -> None:
    label = "学生本人 / the student" if actor == correction.user else staff_label(actor)
    CorrectionStep.objects.create(correction=correction, action=action, actor=actor, actor_label=label, note=note)
    audit_log(
        actor=actor,
        action=f"archive.correction.{action}",
        target=correction,
        after={"state": correction.state, "field": correction.field},
        reason=note,
        approved_by=approved_by,
    )


def _locked(correction: Correction, expected: str) -> Correction:
    """The request row locked for this transaction, still in `expected` state: of two officers
    acting at once, the second waits for the first's commit, then finds the state moved on."""
    locked = Correction.objects.select_for_update().get(pk=correction.pk)
    if locked.state != expected:
        raise _fail(
            "__all__",
            f"该申请已被处理（当前状态：{locked.get_state_display()}）/ this request has already been handled",
            "decided",
        )
    return locked


SCHOOL_DECISIONS = ("accept", "reject", "forward")


@transaction.atomic
def correction_school_review(*, actor: Any, correction: Correction, decision: str, note: str = "") -> Correction:
    """The school: accept (applied at once when the province is not needed), reject with a reason,
    or forward to the province."""
    if decision not in SCHOOL_DECISIONS:
        raise _fail("decision", "请选择处理方式 / choose a decision")
    correction = _locked(correction, CorrectionState.SCHOOL)
    if decision == "reject" and not note.strip():
        raise _fail("note", "请填写不予更正的理由 / give the reason for rejecting")
    if decision == "accept" and correction_needs_province(correction):
        raise _fail(
            "decision",
            "该更正涉及身份信息或已发布的学历，须报省级教育行政部门审核 / this change touches "
            "identity or a published credential: forward it to the province (第十九条)",
            "province",
        )
    if decision == "accept":
        _apply(correction, actor=actor, approved_by=None, note=note)
    elif decision == "reject":
        _finish(
            correction,
            actor=actor,
            state=CorrectionState.REJECTED,
            action="school_rejected",
            note=note,
            text="学校未同意更正 / the school rejected the correction",
        )
    else:
        correction.needs_province = True  # the province's queue lists what was sent to it
        _finish(
            correction,
            actor=actor,
            state=CorrectionState.PROVINCE,
            action="forwarded",
            note=note,
            text="学校已报省级教育行政部门审核 / forwarded to the province",
        )
    return correction


@transaction.atomic
def correction_province_decide(*, actor: Any, correction: Correction, approve: bool, note: str = "") -> Correction:
    """The province approves (applied at once) or rejects a forwarded correction."""
    correction = _locked(correction, CorrectionState.PROVINCE)
    if not approve and not note.strip():
        raise _fail("note", "请填写不予批准的理由 / give the reason for rejecting")
    if approve:
        _apply(correction, actor=actor, approved_by=actor, note=note)
    else:
        _finish(
            correction,
            actor=actor,
            state=CorrectionState.REJECTED,
            action="province_rejected",
            note=note,
            text="省级教育行政部门未批准更正 / the province rejected the correction",
        )
    return correction


def _finish(
    correction: Correction, *, actor: Any, state: str, action: str, note: str, text: str, approved_by: Any = None
) -> None:
    correction.state = state
    correction.save(update_fields=["state", "needs_province", "updated_at"])
    _step(correction, actor=actor, action=action, note=note.strip(), approved_by=approved_by)
    notify(
        user=correction.user, text=f"纠错申请 #{correction.pk}：{text}", url=f"/archive/corrections/{correction.pk}/"
    )


def _apply(correction: Correction, *, actor: Any, approved_by: Any, note: str) -> None:
    """Write the new value on the record, keeping the old one in its audit history."""
    model = Credential if correction.credential_id else Enrollment
    pk = correction.credential_id or correction.enrollment_id
    assert pk is not None  # correction_one_record: exactly one of the two is set
    record = model.objects.select_for_update().get(pk=pk)
    value = _parse_value(CORRECTABLE[_record_kind(record)][correction.field][1], correction.new_value)
    _write_corrected(
        record,
        correction.field,
        value,
        actor=actor,
        approved_by=approved_by,
        reason=f"纠错申请 #{correction.pk}：{correction.reason}",
    )
    carried = _carry_identity(correction, record, value, actor=actor, approved_by=approved_by)
    text = "已更正 / the correction has been applied"
    if carried:
        text = "已更正，关联的学籍、学历一并更正 / applied, and to the linked enrollment or credential too"
    _finish(
        correction,
        actor=actor,
        state=CorrectionState.APPLIED,
        action="applied",
        note=note,
        text=text,
        approved_by=approved_by,
    )


def _carry_identity(
    correction: Correction, record: Enrollment | Credential, value: Any, *, actor: Any, approved_by: Any
) -> int:
    """A name or ID number is the person's, not one record's: once the province has approved it
    (identity corrections always go up), the enrollment's credential — or the credential's
    enrollment — takes the same value in the same transaction, each with its own audit entry.
    Otherwise a corrected 学籍 would graduate into a 学历 with the old name. Returns how many."""
    if correction.field not in IDENTITY_FIELDS:
        return 0
    if isinstance(record, Enrollment):
        linked: list[Enrollment | Credential] = list(Credential.objects.select_for_update().filter(enrollment=record))
    else:
        linked = list(Enrollment.objects.select_for_update().filter(pk=record.enrollment_id))
    carried = 0
    for other in linked:
        if _as_text(getattr(other, correction.field)) == _as_text(value):
            continue
        _write_corrected(
            other,
            correction.field,
            value,
            actor=actor,
            approved_by=approved_by,
            reason=f"随纠错申请 #{correction.pk} 一并更正 / carried over from correction #{correction.pk}",
        )
        carried += 1
    return carried


def _write_corrected(
    record: Enrollment | Credential, field: str, value: Any, *, actor: Any, approved_by: Any, reason: str
) -> None:
    """Write one corrected value (and the identity digest with an ID number), audited with the value before."""
    before = {field: getattr(record, field)}
    setattr(record, field, value)
    updated = [field, "updated_at"]
    if field == "document_number":
        record.identity_digest = crypto.identity_digest(record.document_type, value)
        updated.append("identity_digest")
    record.save(update_fields=updated)
    audit_log(
        actor=actor,
        action=f"registry.{_record_kind(record)}.corrected",
        target=record,
        before=before,
        after={field: value},
        reason=reason,
        approved_by=approved_by,
    )


# --- Access log ------------------------------------------------------------------------------


def access_event_record(
    *, record: Record | Report, viewer_kind: str, viewer_label: str, seen: str, origin: str = ""
) -> AccessEvent:
    """Log that someone other than the student saw `record` (shown on the access page)."""
    return AccessEvent.objects.create(
        identity_digest=record.identity_digest,
        record_type=cast(str, record._meta.model_name),  # set on every model
        record_id=record.pk,
        viewer_kind=viewer_kind,
        viewer_label=viewer_label[:200],
        seen=seen[:300],
        origin=origin[:60],
    )


def staff_label(actor: Any) -> str:
    """Who looked, as the student should read it: the organisation, not the person."""
    labels = []
    for membership in memberships(actor).select_related("institution"):
        if membership.scope == Scope.CENTRE:
            labels.append("全国学籍学历中心 / national centre")
        elif membership.scope == Scope.PROVINCE:
            province = codetables.code_label("province", membership.province_code)
            labels.append(f"{province}教育行政部门 / provincial education authority")
        else:
            assert membership.institution is not None  # the third scope: one institution
            labels.append(membership.institution.name)
    return "；".join(dict.fromkeys(labels)) or "工作人员 / staff"


def coarse_origin(request: HttpRequest) -> str:
    """The caller's network, not their address: IPv4 /24, IPv6 /48."""
    address = request.META.get("REMOTE_ADDR", "")
    if "." in address:
        return ".".join(address.split(".")[:3]) + ".0/24"
    if ":" in address:
        return ":".join(address.split(":")[:3]) + "::/48"
    return ""


def access_event_staff_view(*, request: HttpRequest, record: Record, seen: str) -> AccessEvent:
    """A staff member opened a student's record in the school portal."""
    return access_event_record(
        record=record,
        viewer_kind=ViewerKind.STAFF,
        viewer_label=staff_label(request.user),
        seen=seen,
        origin=coarse_origin(request),
    )


@transaction.atomic
def bindings_release(*, user: Any, reason: str) -> int:
    """Unbind every record of an account whose login goes (注销, or an appeal that moves the
    identity to another account), so the person's next account can bind them. The records
    stay; each release is audited."""
    released = 0
    for binding in Binding.objects.filter(user=user).select_related("admission", "enrollment", "credential"):
        record = binding.record
        audit_log(
            actor=None,
            action=f"archive.{record._meta.model_name}.unbound",
            target=record,
            before={"user": user.pk, "method": binding.method},
            reason=reason,
        )
        binding.delete()
        released += 1
    return released
