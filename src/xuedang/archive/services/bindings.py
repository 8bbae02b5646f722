"""Binding registry records to student accounts: automatically by ID and name (自动绑定), by the
student's claim (我还有学历/学籍没显示出来), and releasing them when an account goes.
Reads (which identities an account claims, how many attempts are left) are in `selectors`."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse

from xuedang.accounts.notify import notify
from xuedang.archive.models import Binding, BindingMethod
from xuedang.archive.selectors import (
    BIND_ATTEMPTS_PER_DAY,
    QUERYABLE,
    RECORD_FIELDS,
    Record,
    bind_attempts_key,
    bind_attempts_left,
    claimed_identities,
    identity_condition,
    identity_matches,
)
from xuedang.archive.services.common import _fail
from xuedang.core import validators
from xuedang.core.audit import audit_log
from xuedang.registry.models import Credential, CredentialState, Enrollment, RecordNotice
from xuedang.registry.services import record_notice_claim

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
        candidates = model.objects.filter(identity_condition(pairs)).filter(~Exists(bound))
        if model is Credential:  # a 补录 batch binds once its province approves it (decision 0029)
            candidates = candidates.exclude(**{"back_registration__isnull": False, "state": CredentialState.DRAFT})
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
    for notice in RecordNotice.objects.filter(record_type=field, record_id=record.pk).order_by("id"):
        _tell(user=user, notice=notice)  # 第十一条 notices kept before the person had an account
    return binding


# --- Manual binding (我还有学历/学籍没显示出来) ------------------------------------------------


def _take_attempt(user: Any) -> None:
    """Count one attempt atomically (Redis INCR); refuse beyond the day's limit. A successful
    binding gives its attempt back, so only failures use up the day's tries."""
    key = bind_attempts_key(user)
    cache.add(key, 0, timeout=2 * 24 * 3600)
    if cache.incr(key) > BIND_ATTEMPTS_PER_DAY:
        raise _fail(
            "__all__",
            f"今天的 {BIND_ATTEMPTS_PER_DAY} 次查找机会已用完，请明天再试 / you have used "
            f"today's {BIND_ATTEMPTS_PER_DAY} attempts; try again tomorrow",
            code="limit",
        )


def _give_back_attempt(user: Any) -> None:
    with contextlib.suppress(ValueError):  # the key expired at midnight meanwhile
        cache.decr(bind_attempts_key(user))


# One answer for "no such record" and "a record, but someone else's": telling them apart would
# confirm to a stranger that a certificate or student number exists (issue 20, decision 0018).
NOT_FOUND = (
    "没有找到与您的身份相符的{what}，请核对后再试（今天还可尝试 {left} 次）。如果您改过姓名或证件号码，"
    "请先申请曾用身份；如果登记信息有误，请联系学校更正 / no {what_en} under your identity matches these "
    "details; check them and try again ({left} attempts left today). If your name or ID changed, apply for "
    "your former identity first; if the record is wrong, ask the school to correct it"
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
    if record is None or not identity_matches(user, record):
        left = bind_attempts_left(user=user)
        raise _fail("__all__", NOT_FOUND.format(what=zh, what_en=en, left=left), "not_found")
    field = RECORD_FIELDS[type(record)]
    existing = Binding.objects.filter(**{field: record}).first()
    if existing is not None and existing.user_id == user.pk:
        _give_back_attempt(user)
        return existing
    if existing is not None:
        raise _fail("__all__", TAKEN.format(what=zh, what_en=en), "taken")
    binding = _bind(user=user, record=record, method=BindingMethod.MANUAL)
    if binding is None:  # bound a moment ago by a concurrent request
        binding = Binding.objects.get(**{field: record})
        if binding.user_id != user.pk:
            raise _fail("__all__", TAKEN.format(what=zh, what_en=en), "taken")
    _give_back_attempt(user)
    return binding


# --- Release, and notices to a record's holder ------------------------------------------------


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


def bindings_notify(*, record: Record, text: str) -> int:
    """Tell the account holding `record` (if any) about a step taken on it, with a link to the
    record in their archive. Returns how many were told (0 or 1)."""
    field = RECORD_FIELDS[type(record)]
    told = 0
    for binding in Binding.objects.filter(**{field: record}).select_related("user"):
        notify(user=binding.user, text=text, url=reverse(f"archive:{field}_detail", args=[record.pk]))
        told += 1
    return told


def _tell(*, user: Any, notice: RecordNotice) -> bool:
    """One 第十一条 notice to one account, at most once (registry.record_notice_claim)."""
    if not record_notice_claim(notice=notice, user=user):
        return False
    notify(user=user, text=notice.text, url=reverse(f"archive:{notice.record_type}_detail", args=[notice.record_id]))
    return True


def bindings_tell(*, notice: RecordNotice) -> int:
    """第十一条: the account bound to the notice's record hears of it once (in-app, SMS/email
    after commit). A record not yet bound tells its person when it binds (`_bind`)."""
    bindings = Binding.objects.filter(**{f"{notice.record_type}_id": notice.record_id}).select_related("user")
    return sum(_tell(user=binding.user, notice=notice) for binding in bindings)
