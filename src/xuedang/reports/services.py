"""Writes for verification reports: create, extend, close, replace; verifier organisations and keys.

Every write names its actor and leaves an audit entry in the same transaction. The code itself
never enters the audit log (it is the key to the report); its first four symbols identify it.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]  # psycopg 3 only
from django.utils import timezone

from xuedang.archive import selectors as archive
from xuedang.core import apikeys
from xuedang.core.audit import audit_log
from xuedang.core.calendar import add_months
from xuedang.registry.models import AccessEvent, Credential, CredentialState, Enrollment, ViewerKind
from xuedang.reports import selectors
from xuedang.reports.codes import new_code, normalize_code
from xuedang.reports.content import record_facts
from xuedang.reports.models import (
    MAX_MONTHS,
    MIN_MONTHS,
    Organisation,
    Report,
    ReportKind,
    ReportLanguage,
    ReportState,
    VerifierKey,
)
from xuedang.reports.selectors import Verification


def _fail(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _check_months(months: int) -> None:
    if not isinstance(months, int) or not MIN_MONTHS <= months <= MAX_MONTHS:
        raise _fail(
            "months",
            f"有效期应为 {MIN_MONTHS} 至 {MAX_MONTHS} 个月 / the validity must be {MIN_MONTHS} to {MAX_MONTHS} months",
        )


def _check_reportable(record: Credential | Enrollment) -> None:
    if isinstance(record, Credential) and record.state != CredentialState.PUBLISHED:
        raise _fail(
            "record",
            "该学历已撤销或尚未发布，不能生成验证报告 / this credential is revoked or not "
            "yet published, so no report can be made of it",
            code="not_reportable",
        )


def _owns(student: Any, record: Credential | Enrollment) -> bool:
    if isinstance(record, Credential):
        return archive.student_credentials(student=student).filter(pk=record.pk).exists()
    return archive.student_enrollments(student=student).filter(pk=record.pk).exists()


def _unique_code() -> str:
    # 2^80 codes make a collision practically impossible; the unique index is the final guard.
    while True:
        code = new_code()
        if not Report.objects.filter(code=code).exists():
            return code


def _issue(*, student: Any, record: Credential | Enrollment, lang: str, months: int, today: date) -> Report:
    kind = ReportKind.CREDENTIAL if isinstance(record, Credential) else ReportKind.ENROLLMENT
    return Report.objects.create(
        code=_unique_code(),
        kind=kind,
        lang=lang,
        user=student,
        credential=record if isinstance(record, Credential) else None,
        enrollment=record if isinstance(record, Enrollment) else None,
        identity_digest=record.identity_digest,
        snapshot=record_facts(record),
        months=months,
        valid_until=add_months(today, months),
    )


def _audit(actor: Any, action: str, report: Report, before: dict | None = None, reason: str = "") -> None:
    audit_log(
        actor=actor,
        action=f"reports.report.{action}",
        target=report,
        before=before,
        reason=reason,
        after={
            "code": report.code[:4] + "…",
            "kind": report.kind,
            "lang": report.lang,
            "state": report.state,
            "valid_until": report.valid_until,
        },
    )


@transaction.atomic
def report_create(
    *, student: Any, record: Credential | Enrollment, lang: str, months: int, today: date | None = None
) -> Report:
    """A new report of one of the student's own records, valid `months` (1–6) from today."""
    if lang not in ReportLanguage.values:
        raise _fail("lang", "请选择中文或英文 / choose Chinese or English")
    _check_months(months)
    if not _owns(student, record):
        raise _fail("record", "该记录不在您的学信档案中 / this record is not in your archive", code="not_owner")
    _check_reportable(record)
    report = _issue(student=student, record=record, lang=lang, months=months, today=today or timezone.localdate())
    _audit(student, "created", report)
    return report


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update(of=("self",)).select_related("credential", "enrollment").get(pk=report.pk)


def extension_opens(report: Report) -> date:
    """The first day the student may extend: one month before the report expires."""
    return add_months(report.valid_until, -1)


@transaction.atomic
def report_extend(*, student: Any, report: Report, months: int, today: date | None = None) -> Report:
    """延长有效期 — from today by `months`; only in the month before expiry or after it."""
    report = _locked(report)
    today = today or timezone.localdate()
    _check_months(months)
    if report.state != ReportState.ACTIVE:
        raise _fail(
            "state",
            "报告已关闭或已更换验证码，不能延期 / a closed or replaced report cannot be extended",
            code="not_active",
        )
    if today < extension_opens(report):
        raise _fail(
            "months",
            f"报告到期前一个月内（{extension_opens(report)} 起）或过期后才能延期 / a report can "
            f"be extended from one month before it expires ({extension_opens(report)}) or after",
            code="too_early",
        )
    _check_reportable(report.record)
    before = {"valid_until": report.valid_until}
    report.valid_until, report.months, report.extended_at = add_months(today, months), months, timezone.now()
    report.save(update_fields=["valid_until", "months", "extended_at"])
    _audit(student, "extended", report, before=before)
    return report


@transaction.atomic
def report_close(*, student: Any, report: Report) -> Report:
    """关闭 — the code stops working at once."""
    report = _locked(report)
    if report.state != ReportState.ACTIVE:
        raise _fail("state", "报告已关闭 / the report is already closed", code="not_active")
    report.state, report.closed_at = ReportState.CLOSED, timezone.now()
    report.save(update_fields=["state", "closed_at"])
    _audit(student, "closed", report, before={"state": ReportState.ACTIVE})
    return report


@transaction.atomic
def reports_stop_revoked(*, actor: Any, record: Credential | Enrollment) -> int:
    """The student's open reports of a revoked record stop (撤销, 第二十六条); their codes go on
    answering 「已撤销」. Called by the registry's `record_revoked`, inside its transaction."""
    field = "credential" if isinstance(record, Credential) else "enrollment"
    reports = Report.objects.select_for_update().filter(**{field: record}, state=ReportState.ACTIVE)
    stopped = 0
    for report in reports:
        report.state, report.closed_at = ReportState.REVOKED, timezone.now()
        report.save(update_fields=["state", "closed_at"])
        _audit(actor, "revoked", report, before={"state": ReportState.ACTIVE})
        stopped += 1
    return stopped


@transaction.atomic
def report_replace(*, student: Any, report: Report, months: int | None = None, today: date | None = None) -> Report:
    """重新生成 — a new report with a new code and the record as it is now; the old code stops."""
    report = _locked(report)
    if report.state != ReportState.ACTIVE:
        raise _fail("state", "报告已关闭或已更换验证码 / the report is already closed or replaced", code="not_active")
    months = report.months if months is None else months
    _check_months(months)
    _check_reportable(report.record)
    new = _issue(
        student=student, record=report.record, lang=report.lang, months=months, today=today or timezone.localdate()
    )
    report.state, report.closed_at, report.replaced_by = ReportState.REPLACED, timezone.now(), new
    report.save(update_fields=["state", "closed_at", "replaced_by"])
    _audit(student, "replaced", report, before={"state": ReportState.ACTIVE})
    _audit(student, "created", new, reason=f"更换验证码 / replaces report #{report.pk}")
    return new


# --- Organisations and their API keys ---------------------------------------------------------------
KEY_PREFIX = "xdv"


# --- The verification log (the hot path of the public page) ----------------------------------------
_LOG_COLUMNS = "identity_digest, record_type, record_id, viewer_kind, viewer_label, seen, origin, at"
# One statement, so no transaction of its own. On PostgreSQL it turns off synchronous commit for
# its own transaction only (set_config(..., true) is SET LOCAL): the row does not wait for its WAL
# flush. A database crash could lose the last fraction of a second of log rows, never corrupt
# them (docs/decisions/0007-verification-reports.md).
_LOG_SQL = {
    "postgresql": f"INSERT INTO {AccessEvent._meta.db_table} ({_LOG_COLUMNS}) "  # noqa: S608 — no input in the text
    "SELECT %s, %s, %s, %s, %s, %s, %s, %s FROM set_config('synchronous_commit', 'off', true)",
}
_LOG_SQL_DEFAULT = f"INSERT INTO {AccessEvent._meta.db_table} ({_LOG_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"  # noqa: S608


def _seen(kind: str, code: str, message: str) -> str:
    """What the access page says was seen: the kind of report, the code's first four symbols, the answer."""
    return f"{_kind_words(kind)} {code[:4]}…（{message}）"


@functools.cache
def _kind_words(kind: str) -> str:
    return str(ReportKind(kind).label).split(" / ")[0]


def verification_log(*, report: Report, viewer_label: str, seen: str, origin: str) -> None:
    """Log one verification of `report` on its student's access page (what
    registry.services.access_event_record writes, as one INSERT without a transaction of its own)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _LOG_SQL.get(connection.vendor, _LOG_SQL_DEFAULT),
            [
                report.identity_digest,
                Report._meta.model_name,
                report.pk,
                ViewerKind.VERIFICATION.value,
                viewer_label[:200],
                seen[:300],
                origin[:60],
                now,
            ],
        )


# On PostgreSQL the public page reads the report and writes its log row in ONE prepared statement:
# a data-modifying CTE inserts the row when the report may be shown (active, not expired: exactly
# the answers that show content), with synchronous commit off for that statement only, as above.
# The row says "valid"; the rare answer that is not (the record changed or was revoked since
# issue) corrects it with one UPDATE. Prepared (server-side binding, psycopg's prepare=True) the
# four-table statement costs PostgreSQL a third of the CPU it costs planned afresh on every call
# (docs/BENCHMARKS.md). Behind a pooler in transaction mode (PgBouncer < 1.21) prepared
# statements need its prepared-statement support turned on.
def _verify_and_log_sql() -> str:
    lookup = ", ".join(f"{column} AS v{n}" for n, column in enumerate(selectors.VERIFY_COLUMNS))
    return (
        f"WITH r AS (SELECT {lookup} {selectors.verify_from('%(code)s')}), "  # noqa: S608 — no input in the text
        f"logged AS (INSERT INTO {AccessEvent._meta.db_table} ({_LOG_COLUMNS}) "
        "SELECT r.v4, 'report', r.v0, %(viewer_kind)s, %(viewer)s, "
        "CASE r.v2 WHEN 'credential' THEN %(seen_credential)s ELSE %(seen_enrollment)s END, %(origin)s, %(at)s "
        "FROM r, set_config('synchronous_commit', 'off', true) "
        "WHERE r.v7 = %(active)s AND r.v6 >= %(today)s RETURNING id) "
        "SELECT r.*, (SELECT id FROM logged) FROM r"
    )


_VERIFY_AND_LOG_SQL = _verify_and_log_sql()
assert selectors.REPORT_COLUMNS[:8] == (
    "id",
    "code",
    "kind",
    "lang",
    "identity_digest",
    "snapshot",
    "valid_until",
    "state",
)  # the v-numbers above


class _PreparedCursor(ServerBindingCursor):
    """Server-side binding, every statement prepared on first use (Django turns psycopg's automatic
    preparing off, and its own cursors bind on the client, which cannot prepare)."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)


def _verify_and_log(code: str, *, viewer_label: str, origin: str, today: date) -> tuple[Any, int | None] | None:
    """(the lookup row, the id of the log row written or None), or None for an unknown code."""
    valid = selectors.MESSAGES[selectors.Status.VALID][0]
    params = {
        "code": code,
        "viewer_kind": ViewerKind.VERIFICATION.value,
        "viewer": viewer_label[:200],
        "seen_credential": _seen(ReportKind.CREDENTIAL, code, valid)[:300],
        "seen_enrollment": _seen(ReportKind.ENROLLMENT, code, valid)[:300],
        "origin": origin[:60],
        "at": timezone.now(),
        "active": ReportState.ACTIVE.value,
        "today": today,
    }
    connection.ensure_connection()  # then Django's own cursor wrapper: error translation, query logging
    with connection._prepare_cursor(_PreparedCursor(connection.connection)) as cursor:  # type: ignore[attr-defined]
        cursor.execute(_VERIFY_AND_LOG_SQL, params)
        row = cursor.fetchone()
    return None if row is None else (row[:-1], row[-1])


def report_verify_logged(*, typed: str, viewer_label: str, origin: str, today: date | None = None) -> Verification:
    """selectors.report_verify, and the verification logged on the student's access page whenever
    it shows the report (the public page: every successful verification is logged)."""
    code = normalize_code(typed)
    if code is None:
        return Verification(selectors.Status.MALFORMED)
    today = today or timezone.localdate()
    if connection.vendor != "postgresql":  # SQLite has no data-modifying CTE: read, then write
        verification = selectors.report_verify(typed=code, today=today)
        if verification.shows_content:
            assert verification.report is not None
            verification_log(
                report=verification.report,
                viewer_label=viewer_label,
                origin=origin,
                seen=_seen(verification.report.kind, code, verification.message[0]),
            )
        return verification
    found = _verify_and_log(code, viewer_label=viewer_label, origin=origin, today=today)
    if found is None:
        return Verification(selectors.Status.UNKNOWN)
    row, logged = found
    verification = selectors.verification_found(*selectors.verification_row_parse(row), today=today)
    if logged is None and verification.shows_content:  # a report stopped by revocation: rare, log it here
        assert verification.report is not None
        verification_log(
            report=verification.report,
            viewer_label=viewer_label,
            origin=origin,
            seen=_seen(verification.report.kind, code, verification.message[0]),
        )
    elif logged is not None and verification.status != selectors.Status.VALID:
        AccessEvent.objects.filter(pk=logged).update(
            seen=_seen(
                verification.report.kind,  # type: ignore[union-attr]
                code,
                verification.message[0],
            )[:300]
        )
    return verification


@transaction.atomic
def organisation_register(
    *, actor: Any, name: str, credit_code: str = "", contact_name: str = "", contact_email: str = ""
) -> Organisation:
    name = name.strip()
    if not name or len(name) > 200:
        raise _fail("name", "请填写单位名称（不超过 200 字）/ give the organisation's name (at most 200 characters)")
    if Organisation.objects.filter(name=name).exists():
        raise _fail("name", "该单位已登记 / this organisation is already registered", code="duplicate")
    organisation = Organisation.objects.create(
        name=name,
        credit_code=credit_code.strip(),
        contact_name=contact_name.strip(),
        contact_email=contact_email.strip(),
    )
    audit_log(actor=actor, action="reports.organisation.registered", target=organisation, after={"name": name})
    return organisation


@transaction.atomic
def verifier_key_issue(*, actor: Any, organisation: Organisation, name: str) -> tuple[VerifierKey, str]:
    """A new API key; returns the key record and the key itself, which is shown only now."""
    name = apikeys.key_name_clean(name)
    if not organisation.active:
        raise _fail("organisation", "该单位已停用 / this organisation is deactivated")
    return apikeys.key_issue(
        VerifierKey,
        actor=actor,
        kind=KEY_PREFIX,
        action="reports.verifier_key.issued",
        after=lambda key: {"organisation": organisation.name, "name": key.name},
        organisation=organisation,
        name=name,
    )


def verifier_key_revoke(*, actor: Any, key: VerifierKey, reason: str) -> VerifierKey:
    return apikeys.key_revoke(actor=actor, key=key, action="reports.verifier_key.revoked", reason=reason)


def verifier_key_check(presented: str) -> VerifierKey | None:
    """The active key of an active organisation matching `presented` (constant-time), else None."""
    keys = VerifierKey.objects.select_related("organisation").filter(organisation__active=True)
    return apikeys.key_find(keys, presented, KEY_PREFIX)
