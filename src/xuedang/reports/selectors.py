"""Reads for reports: verification by code (the hot path), 零散查询, and the student's list.

Verification is computed when it is asked for: the report as issued (its snapshot), compared
with the record as it is now, so a change or a revocation shows at once without touching the
report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.base import ModelState
from django.db.models.functions import Coalesce
from django.utils import timezone

from xuedang.core import validators
from xuedang.institutions.models import Institution
from xuedang.registry.models import AccessEvent, Credential, CredentialState, Enrollment, EnrollmentState, ViewerKind
from xuedang.reports.codes import normalize_code
from xuedang.reports.content import (
    changed_facts,
    credential_facts,
    enrollment_facts,
    field_label,
    record_facts,
    report_fields,
)
from xuedang.reports.models import Report, ReportState

# 学籍注销 (withdrawn, revoked, expelled, deceased): the record no longer stands as reported.
CANCELLED_ENROLLMENT_STATES = frozenset(
    {EnrollmentState.WITHDRAWN, EnrollmentState.REVOKED, EnrollmentState.EXPELLED, EnrollmentState.DECEASED}
)


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
    Status.REVOKED: (
        "报告所载记录已被撤销或注销，报告内容不再有效",
        "The record in this report has been revoked or cancelled; the report is no longer valid.",
    ),
    Status.SUPERSEDED: (
        "报告生成后记录已变更，请以当前信息为准",
        "The record has changed since this report was issued; the current values are shown.",
    ),
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


def _is_revoked(kind: str, state: str) -> bool:
    if kind == "credential":
        return state == CredentialState.REVOKED
    return state in CANCELLED_ENROLLMENT_STATES


# --- The hot path: verification by code ----------------------------------------------------------
# One fixed SQL statement reads exactly what verification needs — the report, and the facts of
# its record that the comparison reads — instead of compiling a three-join ORM query and building
# three models (and decrypting the ID number) on every request. The ID number is not read: the
# record's identity digest tells whether it changed since issue, and only then is the record
# read again in full (docs/BENCHMARKS.md, "Public verification").
REPORT_COLUMNS = (
    "id",
    "code",
    "kind",
    "lang",
    "identity_digest",
    "snapshot",
    "valid_until",
    "state",
    "credential_id",
    "enrollment_id",
)
CREDENTIAL_COLUMNS = (
    "name",
    "gender",
    "identity_digest",
    "birth_date",
    "study_start",
    "study_end",
    "institution_name",
    "major_name",
    "length_years",
    "level",
    "education_type",
    "study_form",
    "kind",
    "certificate_number",
    "president_name",
    "minor",
    "lost_certificate_note",
    "state",
    "updated_at",
    "photo_id",
    "source",
)
ENROLLMENT_COLUMNS = (
    "name",
    "gender",
    "identity_digest",
    "ethnicity",
    "birth_date",
    "level",
    "department",
    "class_name",
    "major_name",
    "student_number",
    "study_form",
    "entry_date",
    "length_years",
    "education_type",
    "state",
    "updated_at",
)
_DATES = frozenset({"valid_until", "birth_date", "study_start", "study_end", "entry_date"})


VERIFY_COLUMNS = (
    [f"r.{c}" for c in REPORT_COLUMNS]
    + [f"c.{c}" for c in CREDENTIAL_COLUMNS]
    + [f"e.{c}" for c in ENROLLMENT_COLUMNS]
    + ["i.name", "i.name_en"]
)


def verify_from(code_param: str = "%s") -> str:
    """The FROM and WHERE of the lookup (also used by services.report_verify_logged)."""
    report, credential = Report._meta.db_table, Credential._meta.db_table
    enrollment, institution = Enrollment._meta.db_table, Institution._meta.db_table
    return (
        f"FROM {report} r "
        f"LEFT JOIN {credential} c ON c.id = r.credential_id "
        f"LEFT JOIN {enrollment} e ON e.id = r.enrollment_id "
        f"LEFT JOIN {institution} i ON i.id = e.institution_id WHERE r.code = {code_param}"
    )


VERIFY_SQL = f"SELECT {', '.join(VERIFY_COLUMNS)} {verify_from()}"


def _value(column: str, value: Any) -> Any:
    """The raw column as the ORM would give it, on PostgreSQL and SQLite alike."""
    if value is None or column not in _DATES | {"updated_at", "length_years", "snapshot"}:
        return value
    if column == "snapshot":
        return json.loads(value) if isinstance(value, str | bytes) else value
    if column == "length_years":
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if column == "updated_at":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _row(columns: tuple[str, ...], values: Any) -> SimpleNamespace:
    return SimpleNamespace(**{c: _value(c, v) for c, v in zip(columns, values, strict=True)})


def verification_row_parse(row: Any) -> tuple[Report, SimpleNamespace | None]:
    """The report (an unsaved-looking Report holding only what verification reads) and its record's
    facts, from a row of VERIFY_COLUMNS (extra columns after them are ignored)."""
    n_report, n_credential, n_enrollment = len(REPORT_COLUMNS), len(CREDENTIAL_COLUMNS), len(ENROLLMENT_COLUMNS)
    report = _report_from(_row(REPORT_COLUMNS, row[:n_report]))
    if report.kind == "credential":
        record = _row(CREDENTIAL_COLUMNS, row[n_report : n_report + n_credential])
    else:
        start = n_report + n_credential
        record = _row(ENROLLMENT_COLUMNS, row[start : start + n_enrollment])
        institution = row[start + n_enrollment : start + n_enrollment + 2]
        record.institution = SimpleNamespace(name=institution[0], name_en=institution[1])
    return report, (record if record.name is not None else None)


def _report_from(fields: SimpleNamespace) -> Report:
    """A Report as loaded from the database with only these fields (the others deferred: read on
    first access, as after .only()), without Model.__init__'s per-field work."""
    report = Report.__new__(Report)
    report.__dict__.update(vars(fields))
    report._state = ModelState()
    report._state.adding, report._state.db = False, connection.alias
    return report


def _verification_row(code: str) -> tuple[Report, SimpleNamespace | None] | None:
    with connection.cursor() as cursor:
        cursor.execute(VERIFY_SQL, [code])
        row = cursor.fetchone()
    return None if row is None else verification_row_parse(row)


def _facts_now(report: Report, record: Any) -> dict[str, Any]:
    """The record's facts now, for comparison; the masked ID from the snapshot while the ID is unchanged."""
    if record is None or record.identity_digest != report.identity_digest:
        return record_facts(report.record, for_comparison=True)  # the ID changed: read it in full
    document = report.snapshot.get("document", "")
    if report.kind == "credential":
        return credential_facts(record, for_comparison=True, document=document)
    return enrollment_facts(record, for_comparison=True, document=document)


def _compare(report: Report, now: dict[str, Any]) -> Verification:
    changed = changed_facts(report.snapshot, now)
    if changed and _is_revoked(report.kind, now["state"]):
        status = Status.REVOKED
    elif changed:
        status = Status.SUPERSEDED
    else:
        status = Status.VALID
    lang = report.lang
    issued = report_fields(report.kind, report.snapshot, lang)
    issued_rows = dict(issued)
    state_label = field_label(report.kind, "state", lang)
    if not changed:  # every compared fact, the state among them, reads as issued
        return Verification(status=status, report=report, fields=issued, current_state=issued_rows[state_label])
    current = dict(report_fields(report.kind, now, lang))
    changes = [
        (label, issued_rows.get(label, ""), current.get(label, ""))
        for label in (field_label(report.kind, key, lang) for key in changed)
    ]
    return Verification(
        status=status, report=report, fields=issued, changes=changes, current_state=current[state_label]
    )


def _answer(report: Report, today: date | None) -> Verification | None:
    """The answers that do not need the record: closed, expired."""
    if report.state not in (ReportState.ACTIVE, ReportState.REVOKED):
        return Verification(Status.CLOSED, report=report)
    if report.is_expired(today or timezone.localdate()):
        return Verification(Status.EXPIRED, report=report)
    return None


def report_verify(*, typed: str, today: date | None = None) -> Verification:
    """What anyone holding `typed` may see: one of the seven answers of Status."""
    code = normalize_code(typed)
    if code is None:
        return Verification(Status.MALFORMED)
    found = _verification_row(code)
    if found is None:
        return Verification(Status.UNKNOWN)
    return verification_found(*found, today=today)


def verification_found(report: Report, record: SimpleNamespace | None, *, today: date | None = None) -> Verification:
    """The answer for a report found by its code (verification_row_parse) and its record's facts."""
    return _answer(report, today) or _compare(report, _facts_now(report, record))


def verification_of(report: Report, *, today: date | None = None) -> Verification:
    """What verifying this report answers now (also the state the student sees in their list)."""
    return _answer(report, today) or _compare(report, record_facts(report.record, for_comparison=True))


# --- 零散查询 -----------------------------------------------------------------------------------------
def credential_lookup(*, certificate_number: str, name: str) -> Credential | None:
    """A published (or revoked) credential by certificate number and name, both exact after
    normalisation ("NO.00298959", "00298959" and "298959" are the same number; 买买提艾力,
    买买提.艾力 and 买买提•艾力 are 买买提·艾力, validators.name_match_key)."""
    key = validators.certificate_key(certificate_number)
    typed = validators.name_match_key(name)
    if not key or not typed:
        return None
    candidates = (
        Credential.objects.select_related("institution")
        .filter(certificate_key=key, state__in=[CredentialState.PUBLISHED, CredentialState.REVOKED])
        .order_by("pk")
    )
    # A certificate number names one credential (a few at most across schools before 2001).
    return next((c for c in candidates if validators.name_match_key(c.name) == typed), None)


LOOKUP_FIELDS = (
    "name",
    "gender",
    "institution",
    "level",
    "major",
    "study_start",
    "study_end",
    "credential_kind",
    "certificate_number",
    "state",
)


def lookup_fields(credential: Credential) -> list[tuple[str, str, str]]:
    """The basic fields of 零散查询: (中文 label, English label, value); no ID number, no photo."""
    facts = credential_facts(credential)
    zh = dict(report_fields("credential", facts, "zh"))
    keys = [(field_label("credential", k, "zh"), field_label("credential", k, "en")) for k in LOOKUP_FIELDS]
    return [(label_zh, label_en, zh[label_zh]) for label_zh, label_en in keys]


# --- The student's own reports ---------------------------------------------------------------------
def student_reports(*, student: Any) -> QuerySet[Report]:
    """Every report the student made, newest first, with how often each was verified."""
    views = (
        AccessEvent.objects.filter(
            identity_digest=OuterRef("identity_digest"),
            record_type="report",
            record_id=OuterRef("pk"),
            viewer_kind__in=[ViewerKind.VERIFICATION, ViewerKind.API],
        )
        .order_by()
        .values("record_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Report.objects.filter(user=student)
        .select_related("credential", "enrollment__institution")
        .annotate(views=Coalesce(Subquery(views, output_field=IntegerField()), 0))
    )
