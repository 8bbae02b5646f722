"""Reads of the registry, always narrowed to what the actor may see (registry.access)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Case, F, Q, QuerySet, When

from xuedang.core import validators
from xuedang.core.models import AuditEntry
from xuedang.institutions.access import APPROVING, REGISTERING, institution_scope
from xuedang.institutions.models import Institution
from xuedang.registry.access import (
    admissions_for,
    credentials_for,
    enrollments_for,
    revocation_requests_for,
    transfer_requests_for,
)
from xuedang.registry.models import (
    Admission,
    AdmissionState,
    AnnualRegistration,
    Credential,
    CredentialState,
    Enrollment,
    EnrollmentChange,
    EnrollmentState,
    Photo,
    RevocationRequest,
    RevocationState,
    SemesterStart,
    TransferRequest,
    TransferState,
)
from xuedang.registry.services.change_rules import change_label, state_label
from xuedang.registry.services.credentials import MAY_FINISH, credential_missing_fields


@dataclass(frozen=True)
class EnrollmentFilters:
    q: str = ""
    major_code: str = ""
    entry_year: int | None = None
    state: str = ""
    level: str = ""
    institution_code: str = ""


def enrollment_list(*, actor: Any, filters: EnrollmentFilters) -> QuerySet[Enrollment]:
    """Enrollments the actor may read, filtered; newest entry first."""
    qs = enrollments_for(actor).select_related("institution")
    if filters.q:
        typed = validators.name_key(filters.q)  # 扎西•巴 finds 扎西·巴特尔
        qs = qs.filter(Q(student_number=typed) | Q(name__startswith=typed))
    if filters.major_code:
        qs = qs.filter(major_code=filters.major_code)
    if filters.entry_year:
        qs = qs.filter(entry_date__year=filters.entry_year)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.institution_code:
        qs = qs.filter(institution__code=filters.institution_code)
    return qs.order_by("-entry_date", "institution__code", "student_number")


@dataclass(frozen=True)
class TimelineEvent:
    on: date | datetime
    title: str
    detail: str


def enrollment_timeline(*, enrollment: Enrollment) -> list[TimelineEvent]:
    """Registration, annual registrations, changes and credential events, oldest first."""
    events = [TimelineEvent(enrollment.entry_date, "注册学籍 / registered", enrollment.major_name)]
    for registration in enrollment.annual_registrations.all():
        late = "（逾期 / late）" if registration.late else ""
        events.append(
            TimelineEvent(
                registration.registered_on,
                f"{registration.academic_year}-{registration.academic_year + 1} 学年注册 / annual registration",
                f"{registration.get_status_display()}{late}",
            )
        )
    for change in enrollment.changes.all():
        events.append(
            TimelineEvent(change.change_date, f"学籍异动：{change_label(change.change_code)}", _change_detail(change))
        )
    for note in enrollment.notes.all():
        events.append(TimelineEvent(note.decided_on, note.get_kind_display(), note.title))
    credential = getattr(enrollment, "credential", None)
    if credential is not None and credential.issue_date:
        events.append(
            TimelineEvent(
                credential.issue_date,
                "学历注册 / credential",
                f"{credential.get_kind_display()} {credential.get_state_display()}",
            )
        )
    return sorted(events, key=lambda e: e.on if isinstance(e.on, date) else e.on.date())


def _change_detail(change: EnrollmentChange) -> str:
    """What a change did, in words: the new state and major, the 文号, the reason."""
    after = change.after or {}
    parts = []
    if after.get("state"):
        parts.append(f"学籍状态 → {state_label(after['state']).split(' / ')[0]}")
    if after.get("major_name"):
        parts.append(f"专业 → {after['major_name']}")
    if after.get("department"):
        parts.append(f"院系 → {after['department']}")
    if after.get("expected_graduation_date"):
        parts.append(f"预计毕业 → {after['expected_graduation_date']}")
    if change.decision_number:
        parts.append(f"文号 {change.decision_number}")
    parts.append(change.reason)
    return "；".join(p for p in parts if p)


def record_history(*, target_type: str, target_id: int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(target_type=target_type, target_id=str(target_id)).order_by("id")


def late_records(*, actor: Any, limit: int = 500) -> dict[str, list]:
    """Late 学年注册 and late 学籍注销 in the actor's scope, newest first (for the province's watch)."""
    from xuedang.institutions.access import READING, institution_scope
    from xuedang.registry.models import AnnualRegistration, EnrollmentChange

    scope = institution_scope(actor, READING, prefix="enrollment__institution")
    registrations = (
        AnnualRegistration.objects.filter(scope, late=True)
        .select_related("enrollment__institution")
        .order_by("-registered_on")[:limit]
    )
    changes = (
        EnrollmentChange.objects.filter(scope, late=True)
        .select_related("enrollment__institution")
        .order_by("-recorded_at")[:limit]
    )
    return {"registrations": list(registrations), "changes": list(changes)}


def transfer_request_list(*, actor: Any, state: str = "") -> QuerySet[TransferRequest]:
    """转学申请 the actor may read (registry.access), newest first, optionally in one state."""
    qs = transfer_requests_for(actor)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("source", "from_institution", "to_institution").order_by("-filed_at", "-id")


def transfers_waiting(*, actor: Any) -> QuerySet[TransferRequest]:
    """The requests waiting for this officer: the sending school's answer, or the province's decision."""
    from xuedang.institutions.access import APPROVING, REGISTERING, institution_scope

    sending = Q(state=TransferState.PENDING_SENDING) & institution_scope(actor, REGISTERING, prefix="from_institution")
    province = Q(state=TransferState.PENDING_PROVINCE) & institution_scope(actor, APPROVING, prefix="to_institution")
    return (
        TransferRequest.objects.filter(sending | province)
        .select_related("source", "from_institution", "to_institution")
        .order_by("filed_at", "id")
    )


def revocation_request_list(*, actor: Any) -> QuerySet[RevocationRequest]:
    """撤销申请 the actor may read, those waiting for the province first."""
    waiting_first = Case(When(state=RevocationState.PENDING, then=0), default=1)
    return (
        revocation_requests_for(actor)
        .select_related("credential", "institution")
        .order_by(waiting_first, "-filed_at", "-id")
    )


def revocations_waiting(*, actor: Any) -> QuerySet[RevocationRequest]:
    """撤销申请 waiting for this officer: pending at an institution the officer approves for."""
    return RevocationRequest.objects.filter(
        institution_scope(actor, APPROVING, prefix="institution"), state=RevocationState.PENDING
    )


def admissions_waiting(*, actor: Any) -> QuerySet[Admission]:
    """录取 data waiting for the school's answer (the registrar's admissions page, default filter)."""
    return admissions_for(actor, REGISTERING).filter(state=AdmissionState.ADMITTED)


def credentials_unpublished(*, actor: Any) -> QuerySet[Credential]:
    """Draft credentials of the schools the actor registers for, oldest issue date first, each
    with what `credential_lacks` needs (one query a page, never one a row)."""
    return _with_lacks(
        credentials_for(actor, REGISTERING)
        .filter(state=CredentialState.DRAFT)
        .exclude(enrollment=None)  # 自考 drafts are the 自考办's (decision 0029)
        .order_by("issue_date", "institution__code", "certificate_number")
    )


def credentials_due(*, institution: Any, due_by: date) -> QuerySet[Credential]:
    """Draft credentials of `institution` whose issue date is on or before `due_by` (发布到期学历's preview)."""
    return _with_lacks(
        Credential.objects.filter(institution=institution, state=CredentialState.DRAFT, issue_date__lte=due_by)
        .exclude(enrollment=None)  # 自考 drafts are the 自考办's to publish, not the 主考学校's (decision 0029)
        .order_by("issue_date", "certificate_number")
    )


def _with_lacks(qs: QuerySet[Credential]) -> QuerySet[Credential]:
    return qs.select_related("enrollment", "institution").annotate(photo_is_disputed=F("photo__disputed"))


def credential_lacks(credential: Credential) -> list[str]:
    """Everything that keeps a draft from publication, in words: the 第十七条 fields still empty
    (photo and president among them), an open photo dispute, an enrollment no longer studying.
    Rows from `credentials_unpublished` / `credentials_due` carry the dispute already."""
    lacks = credential_missing_fields(credential)
    disputed = getattr(credential, "photo_is_disputed", None)
    if disputed is None and credential.photo_id is not None:
        disputed = Photo.objects.filter(pk=credential.photo_id, disputed=True).exists()
    if disputed:
        lacks.append("照片异议未处理 / the photo is disputed")
    enrollment = credential.enrollment
    if enrollment is not None and enrollment.state not in MAY_FINISH:  # 自考 stands alone (decision 0029)
        state = enrollment.get_state_display().split(" / ")[0]
        lacks.append(f"学籍状态为{state} / the enrollment is {enrollment.state}")
    return lacks


# --- 学年注册 deadlines (issue 14 item 4) ------------------------------------------------------------


def semester_starts(institution: Institution) -> dict[int, date]:
    """The institution's recorded first-semester starts by academic year (read before an import)."""
    return dict(SemesterStart.objects.filter(institution=institution).values_list("academic_year", "starts_on"))


def semester_start_history(institution: Institution) -> QuerySet[AuditEntry]:
    """Every recording and change of the institution's start dates, newest first (for its province)."""
    return AuditEntry.objects.filter(
        action="registry.semester_start.recorded", target_type="institutions.institution", target_id=str(institution.pk)
    ).order_by("-id")


ANNUAL_DUE_STATES = (EnrollmentState.REGISTERED, EnrollmentState.DEFERRED)


def annual_registration_missing(*, institution: Institution, recorded: SemesterStart) -> QuerySet[Enrollment]:
    """Students of `institution` who owe 学年注册 for the recorded year and have none: in 学籍
    (registered or deferred, not 休学/保留学籍), entered by the deadline, not due to graduate before
    the semester starts. The institution has been checked by the caller's door."""
    done = AnnualRegistration.objects.filter(academic_year=recorded.academic_year).values("enrollment_id")
    return (
        Enrollment.objects.filter(
            institution=institution,
            state__in=ANNUAL_DUE_STATES,
            entry_date__lte=recorded.deadline,
            expected_graduation_date__gt=recorded.starts_on,
        )
        .exclude(pk__in=done)
        .order_by("student_number")
    )


@dataclass(frozen=True)
class Countdown:
    """Days left until a deadline (negative: overdue), as a registrar reads it."""

    deadline: date
    days: int

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def label(self) -> str:
        if self.days > 0:
            return f"还剩 {self.days} 天 / {self.days} days left"
        if self.days == 0:
            return "今天截止 / due today"
        return f"已逾期 {-self.days} 天 / {-self.days} days overdue"


def countdown(deadline: date, today: date) -> Countdown:
    return Countdown(deadline=deadline, days=(deadline - today).days)
