"""Each kind of import file: its columns, row validator, staging table, set-based checks,
final INSERT … SELECT and audit entries. The pipeline in `services` is the same for all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from xuedang.imports import loaders
from xuedang.imports.parsing import RowError
from xuedang.imports.schemas import (
    ADMISSION_COLUMNS,
    ANNUAL_COLUMNS,
    CANCELLATION_COLUMNS,
    CHANGE_COLUMNS,
    CREDENTIAL_COLUMNS,
    CREDENTIAL_UPDATE_COLUMNS,
    CREDENTIAL_UPDATE_FIELDS,
    ENROLLMENT_COLUMNS,
    AnnualRegistrationRowValidator,
    CancellationRowValidator,
    ChangeRowValidator,
    Column,
    CredentialRowValidator,
    CredentialUpdateRowValidator,
    EnrollmentRowValidator,
    Lookups,
)
from xuedang.registry import services as registry_services


class Kind:
    key: str
    title: str
    columns: list[Column]
    staging: loaders.Columns
    audit_action: str
    audit_target = "registry.enrollment"
    # Kinds that change existing records keep one audit entry per row (its before/after values);
    # a kind that only creates records writes one entry for the job, and each record carries the
    # job's id (docs/decisions/0003-import-pipeline.md).
    audit_per_row = True

    def validator(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> Any:
        raise NotImplementedError

    def prepare(self, institution_id: int) -> None:
        """Work on the staging table before the checks (most kinds need none)."""

    def staging_values(self, clean: dict[str, Any], row_no: int) -> list[Any]:
        values = {**clean, "row_no": row_no}
        return [values[name] for name, _ in self.staging]

    def check(self, institution_id: int) -> list[RowError]:
        raise NotImplementedError

    def insert(self, institution_id: int, now: datetime, actor_id: int | None, job_id: int) -> int:
        raise NotImplementedError

    def inserted(self, institution_id: int, now: datetime) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        """(audit target id, after values) of the rows just inserted, a chunk at a time."""
        raise NotImplementedError

    def direct_line(self, institution_id: int, now: datetime, job_id: int) -> Callable[[str], str]:
        """How a staging line becomes a line of the registry table (kinds with `direct` only)."""
        raise NotImplementedError

    def copy_direct(self, chunks: Iterable[str | bytes]) -> int:
        """Load chunks of `direct_line` lines straight into the registry (kinds with `direct` only)."""
        raise NotImplementedError

    @property
    def direct(self) -> bool:
        """Whether this kind can skip the staging table on this database (see `copy_direct`)."""
        return False


class EnrollmentKind(Kind):
    key, title = "enrollments", "新生学籍注册"
    columns, staging = ENROLLMENT_COLUMNS, loaders.STAGING_COLUMNS
    audit_action = "registry.enrollment.registered"
    audit_per_row = False

    def validator(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> EnrollmentRowValidator:
        return EnrollmentRowValidator(headers, lookups)

    def staging_values(self, clean: dict[str, Any], row_no: int) -> list[Any]:
        return loaders.staging_values(clean, row_no)

    def check(self, institution_id: int) -> list[RowError]:
        return loaders.check_staging(institution_id)

    def insert(self, institution_id: int, now: datetime, actor_id: int | None, job_id: int) -> int:
        return loaders.insert_from_staging(institution_id, now, job_id)

    @property
    def direct(self) -> bool:
        return connection.vendor == "postgresql"

    def direct_line(self, institution_id: int, now: datetime, job_id: int) -> Callable[[str], str]:
        return loaders.registry_line(institution_id, now, job_id)

    def copy_direct(self, chunks: Iterable[str | bytes]) -> int:
        return loaders.copy_into_registry(chunks)


ACTIVE = ", ".join(f"'{state}'" for state in loaders.ACTIVE)


def unknown_students(institution_id: int) -> list[RowError]:
    return loaders.errors_from(
        "SELECT s.row_no, s.student_number FROM import_staging s WHERE NOT EXISTS (SELECT 1 FROM"
        " registry_enrollment e WHERE e.institution_id = %s AND e.student_number = s.student_number)",
        [institution_id],
        "学号",
        "本校没有该学号的学籍 / no enrollment with this student number here",
    )


def keyset_chunks(sql: str, params: list[Any]) -> Iterator[list[tuple]]:
    """Rows of `sql` (which ends `AND <id> > %s ORDER BY <id> LIMIT n`, id first) a chunk at a time."""
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, last])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


class AnnualRegistrationKind(Kind):
    key, title = "annual_registrations", "学年注册"
    columns = ANNUAL_COLUMNS
    staging = [
        ("row_no", "integer"),
        ("student_number", "text"),
        ("academic_year", "integer"),
        ("status", "text"),
        ("semester_start", "date"),
        ("deadline", "date"),
        ("registered_on", "date"),
        ("late", "boolean"),
    ]
    audit_action = "registry.annual_registration.recorded"

    def validator(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> AnnualRegistrationRowValidator:
        return AnnualRegistrationRowValidator(headers, lookups, today=today)

    def check(self, institution_id: int) -> list[RowError]:
        errors = loaders.repeated_in_file(
            ("student_number", "academic_year"),
            "学号",
            "同一学生同一学年在文件中出现多次 / the same student and year appear more than once",
        )
        errors += unknown_students(institution_id)
        errors += loaders.errors_from(
            "SELECT s.row_no, s.student_number FROM import_staging s JOIN registry_enrollment e"
            f" ON e.institution_id = %s AND e.student_number = s.student_number WHERE e.state NOT IN ({ACTIVE})",
            [institution_id],
            "学号",
            "该学籍已不在籍，不能学年注册 / this enrollment is no longer active",
        )
        errors += loaders.errors_from(
            "SELECT s.row_no, s.student_number FROM import_staging s JOIN registry_enrollment e"
            " ON e.institution_id = %s AND e.student_number = s.student_number"
            " JOIN registry_annualregistration a ON a.enrollment_id = e.id AND a.academic_year = s.academic_year"
            " WHERE a.status <> s.status",
            [institution_id],
            "注册状态",
            "该学年已按另一状态注册 / this year is already registered differently",
        )
        return sorted(errors, key=lambda e: (e.row, e.column))

    def insert(self, institution_id: int, now: datetime, actor_id: int | None, job_id: int) -> int:
        stamp = connection.ops.adapt_datetimefield_value(now)
        sql = (
            "INSERT INTO registry_annualregistration (enrollment_id, academic_year, status, semester_start,"
            " deadline, registered_on, late, recorded_at, recorded_by_id)"
            " SELECT e.id, s.academic_year, s.status, s.semester_start, s.deadline, s.registered_on, s.late, %s, %s"
            " FROM import_staging s JOIN registry_enrollment e"
            " ON e.institution_id = %s AND e.student_number = s.student_number"
            " WHERE NOT EXISTS (SELECT 1 FROM registry_annualregistration a"
            " WHERE a.enrollment_id = e.id AND a.academic_year = s.academic_year) ORDER BY s.row_no"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [stamp, actor_id, institution_id])
            inserted = cursor.rowcount
            # 暂缓注册 is the enrollment's state for the year it was recorded for (the latest year);
            # registering that year lifts it (registry.services.annual_registration_record).
            cursor.execute(
                "UPDATE registry_enrollment SET state = CASE registry_enrollment.state"
                " WHEN 'registered' THEN 'deferred' ELSE 'registered' END, state_date = a.registered_on,"
                " updated_at = %s FROM registry_annualregistration a WHERE a.enrollment_id = registry_enrollment.id"
                " AND a.recorded_at = %s AND registry_enrollment.institution_id = %s"
                " AND a.academic_year = (SELECT MAX(b.academic_year) FROM registry_annualregistration b"
                " WHERE b.enrollment_id = registry_enrollment.id)"
                " AND (a.status = 'deferred' AND registry_enrollment.state = 'registered'"
                " OR a.status = 'registered' AND registry_enrollment.state = 'deferred')",
                [stamp, stamp, institution_id],
            )
            return inserted

    def inserted(self, institution_id: int, now: datetime) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        stamp = connection.ops.adapt_datetimefield_value(now)
        sql = (
            "SELECT a.id, a.enrollment_id, a.academic_year, a.status, a.late FROM registry_annualregistration a"
            " JOIN registry_enrollment e ON e.id = a.enrollment_id"
            " WHERE e.institution_id = %s AND a.recorded_at = %s AND a.id > %s ORDER BY a.id LIMIT 20000"
        )
        for rows in keyset_chunks(sql, [institution_id, stamp]):
            yield [
                (str(enrollment), {"academic_year": year, "status": status, "late": bool(late)})
                for _, enrollment, year, status, late in rows
            ]


class AdmissionKind(Kind):
    """录取 data as the province sends it; the school then confirms each student's 学籍."""

    key, title = "admissions", "录取数据"
    columns = ADMISSION_COLUMNS
    staging = [
        ("row_no", "integer"),
        ("exam_number", "text"),
        ("year", "integer"),
        *loaders.IDENTITY_STAGING,
        ("province_code", "text"),
        ("major_code", "text"),
        ("major_name", "text"),
        ("level", "text"),
        ("study_form", "text"),
        ("education_type", "text"),
        ("admission_type", "text"),
        ("preparatory", "boolean"),
    ]
    audit_action, audit_target = "registry.admission.received", "registry.admission"

    def validator(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> EnrollmentRowValidator:
        return EnrollmentRowValidator(headers, lookups, ADMISSION_COLUMNS)

    def staging_values(self, clean: dict[str, Any], row_no: int) -> list[Any]:
        values = {**clean, "row_no": row_no, "document_number": clean["document_number_sealed"]}
        values.setdefault("preparatory", values.get("admission_type") == "06")
        return [values[name] for name, _ in self.staging]

    def check(self, institution_id: int) -> list[RowError]:
        errors = loaders.repeated_in_file(
            ("year", "exam_number"),
            "考生号",
            "文件中考生号重复 / the candidate number appears more than once in the file",
            shown="exam_number",
        )
        errors += loaders.errors_from(
            "SELECT s.row_no, s.exam_number FROM import_staging s JOIN registry_admission a"
            " ON a.year = s.year AND a.exam_number = s.exam_number"
            " WHERE a.identity_digest <> s.identity_digest OR a.institution_id <> %s",
            [institution_id],
            "考生号",
            "该考生号已录取为另一人或另一学校 / this candidate is already admitted as someone else or elsewhere",
        )
        return sorted(errors, key=lambda e: (e.row, e.column))

    def insert(self, institution_id: int, now: datetime, actor_id: int | None, job_id: int) -> int:
        names = [name for name, _ in self.staging if name != "row_no"]
        stamp = connection.ops.adapt_datetimefield_value(now)
        # Each file is one batch, reviewed by the province and then the centre before the school
        # sees it (registry.services.admission_batch_review).
        batch = registry_services.admission_batch_open(
            actor_id=actor_id, institution_id=institution_id, import_job_id=job_id
        )
        sql = (
            f"INSERT INTO registry_admission ({', '.join(names)}, institution_id, state, state_reason,"
            f" batch_id, review, review_note, created_at) SELECT {', '.join('s.' + n for n in names)}, %s,"
            " 'admitted', '', %s, 'submitted', '', %s"
            " FROM import_staging s WHERE NOT EXISTS (SELECT 1 FROM registry_admission a"
            " WHERE a.year = s.year AND a.exam_number = s.exam_number) ORDER BY s.row_no"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [institution_id, batch.pk, stamp])
            inserted = cursor.rowcount
        if not inserted:  # the same file again: nothing new to review
            batch.delete()
        return inserted

    def inserted(self, institution_id: int, now: datetime) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        stamp = connection.ops.adapt_datetimefield_value(now)
        sql = (
            "SELECT id, year, exam_number, major_code FROM registry_admission WHERE institution_id = %s"
            " AND created_at = %s AND id > %s ORDER BY id LIMIT 20000"
        )
        for rows in keyset_chunks(sql, [institution_id, stamp]):
            yield [
                (str(pk), {"year": year, "exam_number": exam, "major_code": major}) for pk, year, exam, major in rows
            ]


def _json_object(*pairs: str) -> str:
    function = "json_build_object" if connection.vendor == "postgresql" else "json_object"
    return f"{function}({', '.join(pairs)})"


class CancellationKind(Kind):
    """学籍注销 by file: each row late or not by its own 15-working-day deadline."""

    key, title = "cancellations", "学籍注销"
    columns = CANCELLATION_COLUMNS
    staging = [
        ("row_no", "integer"),
        ("student_number", "text"),
        ("state", "text"),
        ("change_code", "text"),
        ("decision_date", "date"),
        ("decision_number", "text"),
        ("reason", "text"),
        ("deadline", "date"),
        ("late", "boolean"),
        ("estimated", "boolean"),
    ]
    audit_action = "registry.enrollment.changed"

    def validator(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> CancellationRowValidator:
        return CancellationRowValidator(headers, lookups, today=today)

    def check(self, institution_id: int) -> list[RowError]:
        errors = loaders.repeated_in_file(
            ("student_number",),
            "学号",
            "文件中学号重复 / the student number appears more than once in the file",
        )
        errors += unknown_students(institution_id)
        errors += loaders.errors_from(
            "SELECT s.row_no, s.student_number FROM import_staging s JOIN registry_enrollment e"
            " ON e.institution_id = %s AND e.student_number = s.student_number"
            f" WHERE e.state NOT IN ({ACTIVE}) AND e.state <> s.state",
            [institution_id],
            "学号",
            "该学籍已不在籍，不能注销 / this enrollment is no longer active",
        )
        return sorted(errors, key=lambda e: (e.row, e.column))

    def insert(self, institution_id: int, now: datetime, actor_id: int | None, job_id: int) -> int:
        stamp = connection.ops.adapt_datetimefield_value(now)
        before, after = _json_object("'state'", "e.state"), _json_object("'state'", "s.state")
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO registry_enrollmentchange (enrollment_id, change_code, change_date, decision_date,"
                " decision_number, reason, before, after, late, recorded_by_id, recorded_at)"
                " SELECT e.id, s.change_code, s.decision_date, s.decision_date, s.decision_number, s.reason,"
                f" {before}, {after}, s.late, %s, %s FROM import_staging s JOIN registry_enrollment e"
                " ON e.institution_id = %s AND e.student_number = s.student_number"
                f" WHERE e.state IN ({ACTIVE}) ORDER BY s.row_no",
                [actor_id, stamp, institution_id],
            )
            inserted = cursor.rowcount
            cursor.execute(
                "UPDATE registry_enrollment SET state = s.state, state_date = s.decision_date, updated_at = %s"
                " FROM import_staging s WHERE registry_enrollment.institution_id = %s"
                f" AND registry_enrollment.student_number = s.student_number"
                f" AND registry_enrollment.state IN ({ACTIVE})",
                [stamp, institution_id],
            )
        return inserted

    def inserted(self, institution_id: int, now: datetime) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        return _changes_recorded(institution_id, now)


def _changes_recorded(institution_id: int, now: datetime) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """The change records a load wrote (注销 and 异动 alike), with the state each left."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    sql = (
        "SELECT c.id, c.enrollment_id, c.change_code, e.state, c.late FROM registry_enrollmentchange c"
        " JOIN registry_enrollment e ON e.id = c.enrollment_id WHERE e.institution_id = %s"
        " AND c.recorded_at = %s AND c.id > %s ORDER BY c.id LIMIT 20000"
    )
    for rows in keyset_chunks(sql, [institution_id, stamp]):
        yield [
            (str(enrollment), {"change_code": code, "state": state, "late": bool(late)})
            for _, enrollment, code, state, late in rows
        ]


CHANGED = ("major_code", "major_name", "department", "class_name", "state", "expected_graduation_date", "level")


def _change_rule_checks() -> list[tuple[str, str]]:
    """SQL conditions (on staging row `s` and enrollment `e`) under which a row's change does not
    apply to the enrollment as it stands, with the message; built from registry's CHANGE_RULES."""
    from xuedang.registry.services import CHANGE_RULES

    def codes(pick: Any) -> str:
        return ", ".join(f"'{code}'" for code, rule in CHANGE_RULES.items() if pick(rule))

    by_states: dict[tuple[str, ...], list[str]] = {}
    for code, rule in CHANGE_RULES.items():
        by_states.setdefault(tuple(rule.from_states), []).append(code)
    state_sql = " OR ".join(
        f"(s.change_code IN ({', '.join(repr(c) for c in group)})"
        f" AND e.state NOT IN ({', '.join(repr(str(st)) for st in states)}))"
        for states, group in by_states.items()
    )
    levels = " OR ".join(
        f"(s.change_code = '{code}' AND e.level <> '{rule.level_from}')"
        for code, rule in CHANGE_RULES.items()
        if rule.level_from
    )
    return [
        (state_sql, "学籍当前状态不适用该异动（如复学须先休学）/ the change does not apply to the enrollment's state"),
        (levels, "该异动不适用于该学生的层次 / the change does not apply to the student's level"),
        (
            f"s.change_code IN ({codes(lambda r: r.graduation == 'earlier')})"
            " AND s.expected_graduation_date >= e.expected_graduation_date",
            "新预计毕业日期须早于原日期 / the new expected graduation must be earlier",
        ),
        (
            f"s.change_code IN ({codes(lambda r: r.graduation == 'later')})"
            " AND s.expected_graduation_date <= e.expected_graduation_date",
            "新预计毕业日期须晚于原日期 / the new expected graduation must be later",
        ),
    ]


class ChangeKind(Kind):
    """学籍异动 by file: each row's values before and after are kept on its change record."""

    key, title = "changes", "学籍异动"
    columns = CHANGE_COLUMNS
    staging = [
        ("row_no", "integer"),
        ("student_number", "text"),
        ("change_code", "text"),
        ("change_date", "date"),
        ("decision_number", "text"),
        ("decision_date", "date"),
        ("reason", "text"),
        ("major_code", "text"),
        ("major_name", "text"),
        ("department", "text"),
        ("class_name", "text"),
        ("state", "text"),
        ("expected_graduation_date", "date"),
        ("level", "text"),
    ]
    audit_action = "registry.enrollment.changed"
    not_done = (
        "NOT EXISTS (SELECT 1 FROM registry_enrollmentchange c WHERE c.enrollment_id = e.id"
        " AND c.change_code = s.change_code AND c.change_date = s.change_date)"
    )

    def validator(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> ChangeRowValidator:
        return ChangeRowValidator(headers, lookups, today=today)

    def check(self, institution_id: int) -> list[RowError]:
        errors = loaders.repeated_in_file(
            ("student_number",),
            "学号",
            "同一学生在一个文件中只能有一条异动 / one change per student per file",
        )
        errors += unknown_students(institution_id)
        errors += loaders.errors_from(
            "SELECT s.row_no, s.student_number FROM import_staging s JOIN registry_enrollment e"
            " ON e.institution_id = %s AND e.student_number = s.student_number"
            f" WHERE e.state NOT IN ({ACTIVE}) AND {self.not_done}",
            [institution_id],
            "学号",
            "该学籍已不在籍 / this enrollment is no longer active",
        )
        errors += loaders.errors_from(
            "SELECT s.row_no, s.change_code FROM import_staging s JOIN institutions_institution i ON i.id = %s"
            " WHERE i.credit_system AND s.change_code IN ('02', '03', '04')",
            [institution_id],
            "异动类别",
            "学分制学校不办理留级、降级、跳级 / credit-system institutions do not record "
            "repeating, moving down or skipping a year",
        )
        for condition, message in _change_rule_checks():
            errors += loaders.errors_from(
                "SELECT s.row_no, s.change_code FROM import_staging s JOIN registry_enrollment e"
                " ON e.institution_id = %s AND e.student_number = s.student_number"
                f" WHERE ({condition}) AND e.state IN ({ACTIVE}) AND {self.not_done}",
                [institution_id],
                "异动类别",
                message,
            )
        return sorted(errors, key=lambda e: (e.row, e.column))

    def insert(self, institution_id: int, now: datetime, actor_id: int | None, job_id: int) -> int:
        stamp = connection.ops.adapt_datetimefield_value(now)
        before = _json_object(*(f"'{f}', e.{f}" for f in CHANGED))
        after = _json_object(*(f"'{f}', COALESCE(s.{f}, e.{f})" for f in CHANGED))
        join = (
            "FROM import_staging s JOIN registry_enrollment e"
            " ON e.institution_id = %s AND e.student_number = s.student_number"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO registry_enrollmentchange (enrollment_id, change_code, change_date, decision_date,"
                " decision_number, reason, before, after, late, recorded_by_id, recorded_at)"
                f" SELECT e.id, s.change_code, s.change_date, s.decision_date, s.decision_number, s.reason,"
                f" {before}, {after}, %s, %s, %s"
                f" {join} WHERE {self.not_done} ORDER BY s.row_no",
                [False, actor_id, stamp, institution_id],
            )
            inserted = cursor.rowcount
            assignments = ", ".join(f"{f} = COALESCE(s.{f}, registry_enrollment.{f})" for f in CHANGED)
            assignments += (
                ", state_date = CASE WHEN s.state IS NULL THEN registry_enrollment.state_date ELSE s.change_date END"
            )
            cursor.execute(
                f"UPDATE registry_enrollment SET {assignments}, updated_at = %s FROM import_staging s"
                " JOIN registry_enrollmentchange c ON c.change_code = s.change_code AND c.change_date = s.change_date"
                " WHERE registry_enrollment.institution_id = %s AND registry_enrollment.student_number ="
                " s.student_number AND c.enrollment_id = registry_enrollment.id AND c.recorded_at = %s",
                [stamp, institution_id, stamp],
            )
        return inserted

    def inserted(self, institution_id: int, now: datetime) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        return _changes_recorded(institution_id, now)


def _months(column: str) -> str:
    """A date column as a count of months (year × 12 + month), the same on SQLite and PostgreSQL."""
    text = f"CAST({column} AS TEXT)"
    return f"(CAST(SUBSTR({text}, 1, 4) AS INTEGER) * 12 + CAST(SUBSTR({text}, 6, 2) AS INTEGER))"


IDENTITY = ("name", "gender", "birth_date", "ethnicity", "document_type", "document_number", "identity_digest")
FROM_ENROLLMENT = ("major_code", "major_name", "level", "education_type", "study_form", "length_years")


class CredentialKind(Kind):
    """学历注册 by file: unpublished credentials, numbered in the official 18-digit layout."""

    key, title = "credentials", "学历注册"
    columns = CREDENTIAL_COLUMNS
    staging = [
        ("row_no", "integer"),
        ("student_number", "text"),
        ("kind", "text"),
        ("study_end", "date"),
        ("certificate_number", "text"),
        ("minor", "text"),
    ]
    audit_action, audit_target = "registry.credential.registered", "registry.credential"

    def validator(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> CredentialRowValidator:
        return CredentialRowValidator(headers, lookups, today=today, institution_code=lookups.institution_code)

    def prepare(self, institution_id: int) -> None:
        """Number the rows that came without one: the next serials for each school/type/year/level."""
        from xuedang.core.validators import build_certificate_number

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.row_no, i.code, e.education_type, s.study_end, e.level FROM import_staging s"
                " JOIN registry_enrollment e ON e.institution_id = %s AND e.student_number = s.student_number"
                " JOIN institutions_institution i ON i.id = e.institution_id"
                " WHERE s.certificate_number = '' AND NOT EXISTS (SELECT 1 FROM registry_credential c"
                " WHERE c.enrollment_id = e.id) ORDER BY s.row_no",
                [institution_id],
            )
            rows, numbers, last = cursor.fetchall(), [], {}
            for row_no, code, education_type, study_end, level in rows:
                year = int(str(study_end)[:4])
                prefix = f"{code}{education_type}{year}{level}"
                if prefix not in last:
                    cursor.execute(
                        "SELECT MAX(certificate_number) FROM registry_credential WHERE certificate_number LIKE %s",
                        [prefix + "%"],
                    )
                    found = cursor.fetchone()[0]
                    last[prefix] = int(found[len(prefix) :]) if found and len(found) == 18 else 0
                last[prefix] += 1
                numbers.append(
                    (
                        build_certificate_number(
                            school_code=code, education_type=education_type, year=year, level=level, serial=last[prefix]
                        ),
                        row_no,
                    )
                )
            cursor.executemany("UPDATE import_staging SET certificate_number = %s WHERE row_no = %s", numbers)

    def check(self, institution_id: int) -> list[RowError]:
        join = (
            "FROM import_staging s JOIN registry_enrollment e"
            " ON e.institution_id = %s AND e.student_number = s.student_number"
        )
        errors = loaders.errors_from(
            "SELECT s.row_no, s.student_number FROM import_staging s WHERE NOT EXISTS (SELECT 1 FROM"
            " registry_enrollment e WHERE e.institution_id = %s AND e.student_number = s.student_number)",
            [institution_id],
            "学号",
            "本校没有该学号的学籍 / no enrollment with this student number here",
        )
        errors += loaders.repeated_in_file(
            ("student_number",),
            "学号",
            "每个学籍只能有一个学历（第十六条）/ one credential per enrollment",
        )
        errors += loaders.errors_from(
            f"SELECT s.row_no, s.student_number {join} JOIN registry_credential c ON c.enrollment_id = e.id"
            " WHERE c.certificate_number <> s.certificate_number AND s.certificate_number <> ''"
            " OR c.enrollment_id = e.id AND c.kind <> s.kind",
            [institution_id],
            "学号",
            "该学籍已注册学历（第十六条）/ this enrollment already has a credential",
        )
        errors += loaders.errors_from(
            "SELECT s.row_no, s.certificate_number FROM import_staging s JOIN registry_credential c"
            " ON c.certificate_number = s.certificate_number JOIN registry_enrollment e ON e.id = c.enrollment_id"
            " WHERE s.certificate_number <> '' AND NOT (e.institution_id = %s AND e.student_number = s.student_number)",
            [institution_id],
            "证书编号",
            "证书编号已被使用 / the certificate number is already in use",
        )
        errors += loaders.errors_from(
            f"SELECT s.row_no, s.study_end {join} WHERE s.study_end <= e.entry_date",
            [institution_id],
            "毕结业日期",
            "毕（结）业日期须晚于入学日期 / the end of study must be after entry",
        )
        errors += loaders.errors_from(
            f"SELECT s.row_no, s.student_number {join} WHERE e.state NOT IN ('registered', 'deferred')"
            " AND NOT EXISTS (SELECT 1 FROM registry_credential c WHERE c.enrollment_id = e.id)",
            [institution_id],
            "学号",
            "该学籍不在读（休学、保留学籍、已注销或已结束），不能注册学历 / no credential for an enrollment "
            "that is suspended, reserved, cancelled or finished",
        )
        errors += loaders.errors_from(
            f"SELECT s.row_no, s.study_end {join} WHERE {_months('s.study_end')}"
            f" < {_months('e.expected_graduation_date')} - 1",
            [institution_id],
            "毕结业日期",
            "毕（结）业日期早于预计毕业日期，须先办理“提前毕业”学籍异动 / before the expected graduation: "
            "record 提前毕业 (61) first",
        )
        return sorted(errors, key=lambda e: (e.row, e.column))

    def insert(self, institution_id: int, now: datetime, actor_id: int | None, job_id: int) -> int:
        stamp = connection.ops.adapt_datetimefield_value(now)
        president = (
            "COALESCE((SELECT p.name FROM institutions_president p WHERE p.institution_id = i.id"
            " AND p.start_date <= s.study_end AND (p.end_date IS NULL OR p.end_date >= s.study_end)"
            " ORDER BY p.start_date DESC LIMIT 1), '')"
        )
        name_then = (  # the name in force on the graduation date (更名、合并)
            "COALESCE((SELECT f.name FROM institutions_formername f WHERE f.institution_id = i.id"
            " AND f.until >= s.study_end ORDER BY f.until LIMIT 1), i.name)"
        )
        copied = IDENTITY + FROM_ENROLLMENT
        columns = [
            "enrollment_id",
            "institution_id",
            "kind",
            "certificate_number",
            "certificate_key",
            "institution_name",
            "president_name",
            "study_start",
            "study_end",
            "issue_date",
            "minor",
            "lost_certificate_note",
            "state",
            "source",
            "province_code",
            "created_at",
            "updated_at",
            *copied,
        ]
        values = [
            "e.id",
            "i.id",
            "s.kind",
            "s.certificate_number",
            "s.certificate_number",
            name_then,
            president,
            "e.entry_date",
            "s.study_end",
            "s.study_end",
            "s.minor",
            "''",
            "'draft'",
            "'enrollment'",  # a credential of a 学籍 (decision 0029)
            "''",
            "%s",
            "%s",
            *(f"e.{f}" for f in copied),
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO registry_credential ({', '.join(columns)}) SELECT {', '.join(values)}"
                " FROM import_staging s JOIN registry_enrollment e"
                " ON e.institution_id = %s AND e.student_number = s.student_number"
                " JOIN institutions_institution i ON i.id = e.institution_id"
                " WHERE NOT EXISTS (SELECT 1 FROM registry_credential c WHERE c.enrollment_id = e.id)"
                " ORDER BY s.row_no",
                [stamp, stamp, institution_id],
            )
            return cursor.rowcount

    def inserted(self, institution_id: int, now: datetime) -> Iterator[list[tuple[str, dict[str, Any]]]]:
        stamp = connection.ops.adapt_datetimefield_value(now)
        sql = (
            "SELECT id, certificate_number, kind, study_end FROM registry_credential WHERE institution_id = %s"
            " AND created_at = %s AND id > %s ORDER BY id LIMIT 20000"
        )
        for rows in keyset_chunks(sql, [institution_id, stamp]):
            yield [
                (str(pk), {"certificate_number": number, "kind": kind, "study_end": str(end)})
                for pk, number, kind, end in rows
            ]


UPDATE_DATES = ("birth_date", "study_start", "study_end")


class CredentialUpdateKind(Kind):
    """学历注册信息更新 by file: corrections of draft credentials before publication (第十九条),
    one row a credential named by 学号. Each row goes through the registry's own
    `credential_update` (the form's rules and its audit entry, with the values before); the
    checks run it once in a savepoint that is rolled back, so a file with one bad row writes
    nothing. A row that changes nothing (the same file again) is skipped."""

    key, title = "credential_updates", "学历注册信息更新"
    columns = CREDENTIAL_UPDATE_COLUMNS
    staging = [
        ("row_no", "integer"),
        ("student_number", "text"),
        ("reason", "text"),
        *((key, "date" if key in UPDATE_DATES else "text") for key in CREDENTIAL_UPDATE_FIELDS),
    ]
    audit_action, audit_target = "registry.credential.updated", "registry.credential"
    audit_per_row = False  # each row's entry is written by `credential_update` itself

    def validator(self, headers: dict[str, str], lookups: Lookups, *, today: date) -> CredentialUpdateRowValidator:
        return CredentialUpdateRowValidator(headers, lookups, today=today)

    def check(self, institution_id: int) -> list[RowError]:
        join = (
            "FROM import_staging s JOIN registry_enrollment e"
            " ON e.institution_id = %s AND e.student_number = s.student_number"
            " JOIN registry_credential c ON c.enrollment_id = e.id"
        )
        errors = loaders.errors_from(
            "SELECT s.row_no, s.student_number FROM import_staging s WHERE NOT EXISTS (SELECT 1 FROM"
            " registry_enrollment e JOIN registry_credential c ON c.enrollment_id = e.id"
            " WHERE e.institution_id = %s AND e.student_number = s.student_number)",
            [institution_id],
            "学号",
            "本校该学号没有已注册的学历 / no credential registered for this student number here",
        )
        errors += loaders.repeated_in_file(
            ("student_number",), "学号", "同一学历在文件中出现多次 / the same credential twice"
        )
        errors += loaders.errors_from(
            f"SELECT s.row_no, s.student_number {join} WHERE c.state <> 'draft'",
            [institution_id],
            "学号",
            "学历已发布，学校不能直接修改，请经省级教育行政部门审核（第十九条）/ published: corrections need "
            "provincial approval",
        )
        if errors:
            return sorted(errors, key=lambda e: (e.row, e.column))
        for row_no, credential, changes, reason in _staged_updates(institution_id):
            errors += _dry_run(row_no, credential, changes, reason)
        return sorted(errors, key=lambda e: (e.row, e.column))

    def insert(self, institution_id: int, now: datetime, actor_id: int | None, job_id: int) -> int:
        from django.contrib.auth import get_user_model

        from xuedang.registry.services import credential_update

        actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
        updated = 0
        for _row_no, credential, changes, reason in _staged_updates(institution_id):
            try:
                credential_update(
                    actor=actor, credential=credential, changes=changes, reason=f"{reason}（批量导入 #{job_id}）"
                )
            except ValidationError as error:
                if not _unchanged(error):
                    raise
            else:
                updated += 1
        return updated


UPDATE_COLUMN_NAMES = {c.key: c.zh for c in CREDENTIAL_UPDATE_COLUMNS}


def _staged_updates(institution_id: int) -> Iterator[tuple[int, Any, dict[str, Any], str]]:
    """(row, draft credential, the row's filled cells, reason) for every staged row, in file order."""
    from xuedang.registry.models import Credential

    fields = ", ".join(f"s.{key}" for key in CREDENTIAL_UPDATE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.row_no, c.id, s.reason, {fields} FROM import_staging s JOIN registry_enrollment e"
            " ON e.institution_id = %s AND e.student_number = s.student_number"
            " JOIN registry_credential c ON c.enrollment_id = e.id ORDER BY s.row_no",
            [institution_id],
        )
        rows = cursor.fetchall()
    credentials = Credential.objects.in_bulk([row[1] for row in rows])
    for row_no, pk, reason, *values in rows:
        changes = {key: _typed(key, value) for key, value in zip(CREDENTIAL_UPDATE_FIELDS, values, strict=True)}
        yield row_no, credentials[pk], {k: v for k, v in changes.items() if v is not None}, reason


def _typed(key: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if key in UPDATE_DATES:
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if key == "length_years":
        return Decimal(str(value))
    return value


class _DryRun(Exception):
    """Rolls back a row's trial update."""


def _dry_run(row_no: int, credential: Any, changes: dict[str, Any], reason: str) -> list[RowError]:
    from xuedang.registry.services import credential_update

    try:
        with transaction.atomic():
            credential_update(actor=None, credential=credential, changes=changes, reason=reason)
            raise _DryRun
    except _DryRun:
        return []
    except ValidationError as error:
        if _unchanged(error):
            return []
        return [
            RowError(row_no, UPDATE_COLUMN_NAMES.get(field, "学号"), str(changes.get(field, ""))[:100], message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]


def _unchanged(error: ValidationError) -> bool:
    return (
        any(e.code == "unchanged" for e in error.error_dict.get("changes", []))
        if hasattr(error, "error_dict")
        else False
    )


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        AdmissionKind(),
        EnrollmentKind(),
        AnnualRegistrationKind(),
        ChangeKind(),
        CancellationKind(),
        CredentialKind(),
        CredentialUpdateKind(),
    )
}
