"""Generated registry data for the dashboard tests: random but seeded, written straight to the tables
(the rules of the services are not what these tests check; the counting is)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from xuedang.institutions.models import Institution
from xuedang.registry.models import (
    Admission,
    AdmissionState,
    AnnualRegistration,
    Credential,
    Enrollment,
    EnrollmentChange,
    EnrollmentState,
    RevocationRequest,
    SemesterStart,
)

SCHOOLS = ("10001", "10002", "10003", "10246")  # three in Beijing (11), one in Shanghai (31)
ACADEMIC_YEAR = 2026
TODAY = date(2026, 10, 20)


def generate(*, students: int = 120, seed: int = 14, filer=None) -> None:
    rng = random.Random(seed)
    institutions = list(Institution.objects.filter(code__in=SCHOOLS).order_by("code"))
    for institution in institutions[:-1]:  # the last one has not recorded its start: nothing is missing there
        starts_on = date(ACADEMIC_YEAR, 9, rng.randint(1, 10))
        SemesterStart.objects.create(
            institution=institution,
            academic_year=ACADEMIC_YEAR,
            starts_on=starts_on,
            deadline=starts_on + timedelta(days=30),
        )
    admissions = [
        Admission(
            name=f"考生{i}",
            gender="1",
            birth_date=date(2008, 1, 1),
            exam_number=f"26110101{i:06d}",
            year=rng.choice((2025, 2026, 2026)),
            institution=rng.choice(institutions),
            province_code="11",
            major_code="080901",
            major_name="计算机科学与技术",
            level="05",
            study_form="1",
            admission_type="01",
            state=rng.choice(AdmissionState.values),
        )
        for i in range(students)
    ]
    Admission.objects.bulk_create(admissions)
    enrollments = []
    for i in range(students):
        entry = date(rng.choice((2022, 2023, 2024, 2025, 2026, 2027)), 9, 1)
        enrollments.append(
            Enrollment(
                name=f"学生{i}",
                gender="2",
                birth_date=date(2005, 1, 1),
                institution=rng.choice(institutions),
                student_number=f"G{i:05d}",
                major_code="080901",
                major_name="计算机科学与技术",
                level="05",
                study_form="1",
                length_years=Decimal(4),
                entry_date=entry,
                expected_graduation_date=date(entry.year + rng.choice((3, 4)), 7, 1),
                state=rng.choice(
                    [EnrollmentState.REGISTERED] * 4
                    + [EnrollmentState.DEFERRED, EnrollmentState.SUSPENDED, EnrollmentState.GRADUATED]
                    + [EnrollmentState.WITHDRAWN]
                ),
            )
        )
    Enrollment.objects.bulk_create(enrollments)
    enrollments = list(Enrollment.objects.filter(student_number__startswith="G").select_related("institution"))
    registrations, changes, credentials = [], [], []
    for e in enrollments:
        if rng.random() < 0.5:
            registered_on = date(ACADEMIC_YEAR, 9, 1) + timedelta(days=rng.randint(0, 45))
            registrations.append(
                AnnualRegistration(
                    enrollment=e,
                    academic_year=rng.choice((ACADEMIC_YEAR, ACADEMIC_YEAR, ACADEMIC_YEAR - 1)),
                    status="registered",
                    semester_start=date(ACADEMIC_YEAR, 9, 1),
                    deadline=date(ACADEMIC_YEAR, 10, 1),
                    registered_on=registered_on,
                    late=registered_on > date(ACADEMIC_YEAR, 10, 1),
                )
            )
        if e.state == EnrollmentState.WITHDRAWN:
            changes.append(
                EnrollmentChange(
                    enrollment=e,
                    change_code="31",
                    change_date=date(2026, 3, 1),
                    decision_date=date(2026, 3, 1),
                    late=rng.random() < 0.6,
                )
            )
        if e.expected_graduation_date.year == ACADEMIC_YEAR and rng.random() < 0.6:
            credentials.append(_credential(e))
    AnnualRegistration.objects.bulk_create(registrations, ignore_conflicts=True)
    EnrollmentChange.objects.bulk_create(changes)
    Credential.objects.bulk_create(credentials)
    # an old late change falls outside the year the dashboard looks back over
    old = EnrollmentChange.objects.filter(late=True).values_list("pk", flat=True)[:1]
    EnrollmentChange.objects.filter(pk__in=list(old)).update(recorded_at=datetime(2024, 1, 1, tzinfo=UTC))
    if filer is not None:
        for credential in Credential.objects.all()[:5]:
            RevocationRequest.objects.create(
                kind="credential",
                credential=credential,
                institution=credential.institution,
                reason="测试",
                decision_number="校〔2026〕1号",
                filed_by=filer,
            )


def _credential(e: Enrollment) -> Credential:
    return Credential(
        name=e.name,
        gender=e.gender,
        birth_date=e.birth_date,
        enrollment=e,
        institution=e.institution,
        kind="graduation",
        institution_name=e.institution.name,
        major_code=e.major_code,
        major_name=e.major_name,
        level=e.level,
        study_form=e.study_form,
        length_years=e.length_years,
        study_start=e.entry_date,
        study_end=e.expected_graduation_date,
    )


NOW = datetime(2026, 10, 20, 4, 0, tzinfo=UTC)
