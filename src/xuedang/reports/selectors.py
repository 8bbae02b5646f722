"""Reads for reports: verification by code (the hot path), 零散查询, and the student's list.

Verification is computed when it is asked for: the report as issued (its snapshot), compared
with the record as it is now, so a change or a revocation shows at once without touching the
report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from xuedang.archive.models import AccessEvent, ViewerKind
from xuedang.core import validators
from xuedang.registry.models import Credential, CredentialState, Enrollment, EnrollmentState
from xuedang.reports.codes import normalize_code
from xuedang.reports.content import changed_facts, credential_facts, field_label, record_facts, report_fields
from xuedang.reports.models import Report, ReportState

# 学籍注销 (withdrawn, revoked, expelled, deceased): the record no longer stands as reported.
CANCELLED_ENROLLMENT_STATES = frozenset({EnrollmentState.WITHDRAWN, EnrollmentState.REVOKED,
                                         EnrollmentState.EXPELLED, EnrollmentState.DECEASED})


class Status:
    VALID = "valid"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    EXPIRED = "expired"
    CLOSED = "closed"
    UNKNOWN = "unknown"
    MALFORMED = "malformed"


# Each answer has its own words (REFERENCE.md: CHSI's own wording for the first two).
MESSAGES = {
    Status.MALFORMED: ("不合要求的在线验证码", "This is not a well-formed verification code (16 letters and digits)."),
    Status.UNKNOWN: ("此在线验证码无效", "No report has this verification code."),
    Status.EXPIRED: ("此报告已过有效期", "This report has expired."),
    Status.CLOSED: ("此报告已被学生本人关闭", "The student has closed this report."),
    Status.REVOKED: ("报告所载记录已被撤销或注销，报告内容不再有效",
                     "The record in this report has been revoked or cancelled; the report is no longer valid."),
    Status.SUPERSEDED: ("报告生成后记录已变更，请以当前信息为准",
                        "The record has changed since this report was issued; the current values are shown."),
    Status.VALID: ("报告有效，内容与当前记录一致", "The report is valid and matches the record as it is now."),
}
REPLACED_MESSAGE = ("此报告已被学生本人更换为新的验证码", "The student has replaced this report with a new code.")
SHOWS_CONTENT = frozenset({Status.VALID, Status.SUPERSEDED, Status.REVOKED})


@dataclass
class Verification:
    status: str
    report: Report | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)  # the report as issued, in its language
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # label, as issued, now
    current_state: str = ""

    @property
    def message(self) -> tuple[str, str]:
        if self.status == Status.CLOSED and self.report and self.report.state == ReportState.REPLACED:
            return REPLACED_MESSAGE
        return MESSAGES[self.status]

    @property
    def shows_content(self) -> bool:
        """Whether the report's content is shown (and the verification logged for the student)."""
        return self.status in SHOWS_CONTENT

    @property
    def is_miss(self) -> bool:
        """A code that names no report: what someone guessing codes produces."""
        return self.status in (Status.UNKNOWN, Status.MALFORMED)


def _is_revoked(record: Credential | Enrollment) -> bool:
    if isinstance(record, Credential):
        return record.state == CredentialState.REVOKED
    return record.state in CANCELLED_ENROLLMENT_STATES


def report_by_code(code: str) -> Report | None:
    """One indexed lookup by code, with the record (and an enrollment's institution) in the same query."""
    rows = (Report.objects.select_related("credential", "enrollment__institution")
            .filter(code=code).order_by()[:1])  # unique: no ORDER BY from Meta.ordering
    return next(iter(rows), None)


def _compare(report: Report) -> Verification:
    record = report.record
    now = record_facts(record, for_comparison=True)
    changed = changed_facts(report.snapshot, now)
    if changed and _is_revoked(record):
        status = Status.REVOKED
    elif changed:
        status = Status.SUPERSEDED
    else:
        status = Status.VALID
    lang = report.lang
    issued, current = report_fields(report.kind, report.snapshot, lang), dict(report_fields(report.kind, now, lang))
    issued_rows = dict(issued)
    changes = [(label, issued_rows.get(label, ""), current.get(label, ""))
               for label in (field_label(report.kind, key, lang) for key in changed)]
    return Verification(status=status, report=report, fields=issued, changes=changes,
                        current_state=current[field_label(report.kind, "state", lang)])


def report_verify(*, typed: str, today: date | None = None) -> Verification:
    """What anyone holding `typed` may see: one of the seven answers of Status."""
    code = normalize_code(typed)
    if code is None:
        return Verification(Status.MALFORMED)
    report = report_by_code(code)
    if report is None:
        return Verification(Status.UNKNOWN)
    return verification_of(report, today=today)


def verification_of(report: Report, *, today: date | None = None) -> Verification:
    """What verifying this report answers now (also the state the student sees in their list)."""
    if report.state != ReportState.ACTIVE:
        return Verification(Status.CLOSED, report=report)
    if report.is_expired(today or timezone.localdate()):
        return Verification(Status.EXPIRED, report=report)
    return _compare(report)


# --- 零散查询 -----------------------------------------------------------------------------------------
def credential_lookup(*, certificate_number: str, name: str) -> Credential | None:
    """A published (or revoked) credential by certificate number and name, both exact after
    normalisation ("NO.00298959", "00298959" and "298959" are the same number)."""
    key = validators.certificate_key(certificate_number)
    if not key or not name.strip():
        return None
    return (Credential.objects.select_related("institution")
            .filter(certificate_key=key, name=name.strip(),
                    state__in=[CredentialState.PUBLISHED, CredentialState.REVOKED]).first())


LOOKUP_FIELDS = ("name", "gender", "institution", "level", "major", "study_start", "study_end",
                 "credential_kind", "certificate_number", "state")


def lookup_fields(credential: Credential) -> list[tuple[str, str, str]]:
    """The basic fields of 零散查询: (中文 label, English label, value); no ID number, no photo."""
    facts = credential_facts(credential)
    zh = dict(report_fields("credential", facts, "zh"))
    keys = [(field_label("credential", k, "zh"), field_label("credential", k, "en")) for k in LOOKUP_FIELDS]
    return [(label_zh, label_en, zh[label_zh]) for label_zh, label_en in keys]


# --- The student's own reports ---------------------------------------------------------------------
def student_reports(*, student: Any) -> QuerySet[Report]:
    """Every report the student made, newest first, with how often each was verified."""
    views = (AccessEvent.objects.filter(identity_digest=OuterRef("identity_digest"), record_type="report",
                                        record_id=OuterRef("pk"),
                                        viewer_kind__in=[ViewerKind.VERIFICATION, ViewerKind.API])
             .order_by().values("record_id").annotate(n=Count("id")).values("n"))
    return (Report.objects.filter(user=student).select_related("credential", "enrollment__institution")
            .annotate(views=Coalesce(Subquery(views, output_field=IntegerField()), 0)))
