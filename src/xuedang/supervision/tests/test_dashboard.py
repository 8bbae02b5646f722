"""The supervision dashboards (issue 14 items 5 and 7): every number equals a direct count over the
records, on generated data, on both databases; sorting, filtering, drill-down, export and scope."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from xuedang.archive.models import Correction
from xuedang.conftest import login
from xuedang.institutions.models import Institution
from xuedang.registry.models import (
    Admission,
    AdmissionCorrection,
    AnnualRegistration,
    Credential,
    Enrollment,
    EnrollmentChange,
    RevocationRequest,
    SemesterStart,
    TransferRequest,
)
from xuedang.supervision import selectors
from xuedang.supervision.models import InstitutionFigures
from xuedang.supervision.services import figures_refresh
from xuedang.supervision.tests.generated import ACADEMIC_YEAR, NOW, SCHOOLS, TODAY, generate

pytestmark = pytest.mark.django_db
PERIODS = selectors.Periods.on(TODAY, NOW)


def _direct_counts(institution: Institution) -> dict[str, int]:
    """Every figure counted the slow, obvious way: Python over every row."""
    pk = institution.pk
    admissions = [a for a in Admission.objects.all() if a.institution_id == pk and a.year == 2026]
    start = SemesterStart.objects.filter(institution=institution, academic_year=ACADEMIC_YEAR).first()
    registered_years = {(r.enrollment_id, r.academic_year) for r in AnnualRegistration.objects.all()}
    enrollments = [e for e in Enrollment.objects.all() if e.institution_id == pk]
    this_year = [r for r in AnnualRegistration.objects.select_related("enrollment") if r.academic_year == ACADEMIC_YEAR]
    missing = [
        e
        for e in enrollments
        if start is not None
        and e.state in ("registered", "deferred")
        and e.entry_date <= start.deadline
        and e.expected_graduation_date > start.starts_on
        and (e.pk, ACADEMIC_YEAR) not in registered_years
    ]
    graduating = [
        e
        for e in enrollments
        if e.expected_graduation_date.year == 2026
        and e.state in ("registered", "deferred", "suspended", "reserved", "graduated", "completed")
    ]
    with_credential = set(Credential.objects.values_list("enrollment_id", flat=True))
    late_changes = [
        c
        for c in EnrollmentChange.objects.select_related("enrollment")
        if c.enrollment.institution_id == pk
        and c.late
        and c.change_code in ("31", "18", "42", "51")
        and c.recorded_at >= NOW - timedelta(days=365)
    ]
    return {
        "admitted": len(admissions),
        "admitted_registered": sum(a.state == "registered" for a in admissions),
        "admitted_refused": sum(a.state in ("declined", "cancelled") for a in admissions),
        "admitted_waiting": sum(a.state == "admitted" for a in admissions),
        "annual_registered": sum(r.enrollment.institution_id == pk for r in this_year),
        "annual_late": sum(r.enrollment.institution_id == pk and r.late for r in this_year),
        "annual_missing": len(missing),
        "late_cancellations": len(late_changes),
        "graduates_expected": len(graduating),
        "graduates_registered": sum(e.pk in with_credential for e in graduating),
        "corrections_open": sum(
            c.institution_id == pk and c.state in ("school", "province") for c in Correction.objects.all()
        ),
        "transfers_open": sum(
            t.to_institution_id == pk and t.state in ("pending_sending", "pending_province")
            for t in TransferRequest.objects.all()
        ),
        "revocations_open": sum(
            r.institution_id == pk and r.state == "pending" for r in RevocationRequest.objects.all()
        ),
        "admission_corrections_open": sum(
            c.institution_id == pk and c.state in ("pending_province", "pending_centre")
            for c in AdmissionCorrection.objects.all()
        ),
    }


def _check_every_figure() -> None:
    generate_counted = 0
    for institution in Institution.objects.filter(code__in=SCHOOLS):
        figures = InstitutionFigures.objects.get(institution=institution)
        expected = _direct_counts(institution)
        assert {key: getattr(figures, key) for key in expected} == expected, institution.code
        for key in selectors.FIGURES:  # and each number is the length of the list it links to
            assert selectors.drill(institution, key, PERIODS).count() == expected[key], key
        generate_counted += sum(expected.values())
    assert generate_counted > 100  # the generated data exercise the figures


def test_every_figure_equals_a_direct_count_over_the_records(registrar) -> None:
    generate(filer=registrar)
    _admission_corrections(registrar)
    result = figures_refresh(periods=PERIODS)
    assert result.institutions == Institution.objects.count()
    _check_every_figure()
    revocations = InstitutionFigures.objects.filter(revocations_open__gt=0).first()
    oldest = RevocationRequest.objects.filter(institution=revocations.institution).order_by("filed_at").first()
    assert revocations.revocations_oldest == oldest.filed_at


@pytest.mark.usefixtures("postgres")
def test_every_figure_equals_a_direct_count_on_postgresql(registrar) -> None:
    generate(filer=registrar, seed=15)
    figures_refresh(periods=PERIODS)
    _check_every_figure()


def test_a_second_refresh_replaces_the_first() -> None:
    generate(students=30)
    figures_refresh(periods=PERIODS)
    Admission.objects.filter(year=2026).delete()
    figures_refresh(periods=PERIODS)
    assert InstitutionFigures.objects.count() == Institution.objects.count()
    assert sum(InstitutionFigures.objects.values_list("admitted", flat=True)) == 0


def test_the_province_sees_its_institutions_sorted_filtered_and_exported(province_officer) -> None:
    generate()
    figures_refresh(periods=PERIODS)
    client = login(province_officer)
    page = client.get("/supervision/province/11/?sort=-annual_missing").content.decode()
    assert "北京大学" in page
    assert "复旦大学" not in page  # Shanghai is another province
    assert 'data-chart="annual-chart-data"' in page
    assert '<table id="dashboard">' in page  # the accessible table beside the chart
    rows = list(
        selectors.province_rows(
            province_code="11", filters=selectors.DashboardFilters(sort="annual_missing", descending=True)
        )
    )
    assert [r.annual_missing for r in rows] == sorted((r.annual_missing for r in rows), reverse=True)
    only = client.get("/supervision/province/11/?q=10002").content.decode()
    assert "北京大学" not in only
    response = client.get("/supervision/province/11/export.xlsx?q=北京")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    assert values[0][0] == "院校代码 / code"
    codes = {row[0] for row in values[1:]}
    assert "10001" in codes
    assert all(Institution.objects.get(code=c).province_code == "11" for c in codes)


def test_late_only_keeps_institutions_past_their_deadline_or_without_a_start(province_officer) -> None:
    generate()
    figures_refresh(periods=PERIODS)
    rows = selectors.province_rows(province_code="11", filters=selectors.DashboardFilters(only_late=True))
    assert rows.exists()
    for row in rows:
        assert (
            row.semester_deadline is None
            or (row.annual_missing and row.semester_deadline < TODAY)
            or row.late_cancellations
            or row.annual_late
        )


def test_drilling_down_lists_the_unregistered_students_and_exports_them(province_officer) -> None:
    generate()
    figures_refresh(periods=PERIODS)
    institution = Institution.objects.get(code="10001")
    missing = list(selectors.annual_missing(PERIODS).filter(institution=institution))
    assert missing
    client = login(province_officer)
    detail = client.get("/supervision/institutions/10001/").content.decode()
    assert "/supervision/institutions/10001/annual_missing/" in detail
    # the drill-down lists records as of now, for the current academic year
    response = client.get("/supervision/institutions/10001/graduates_expected/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert next(iter(sheet.values))[0] == "学号 / No."


def test_scope_a_province_cannot_open_another_provinces_dashboard_and_schools_see_none(
    province_officer, registrar, centre_admin
) -> None:
    figures_refresh(periods=PERIODS)
    assert login(province_officer).get("/supervision/province/31/").status_code == 404
    assert login(province_officer).get("/supervision/institutions/10246/").status_code == 404
    assert login(province_officer).get("/supervision/centre/").status_code == 404
    assert login(registrar).get("/supervision/province/11/").status_code == 404
    assert login(registrar).get("/supervision/institutions/10001/").status_code == 200  # its own figures
    centre = login(centre_admin).get("/supervision/centre/").content.decode()
    assert "/supervision/province/31/" in centre
    assert login(centre_admin).get("/supervision/province/99/").status_code == 404


def test_the_beat_schedule_refreshes_the_figures(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-supervision-figures"]
    assert entry["task"] == "xuedang.supervision.tasks.refresh_figures"
    from xuedang.supervision.tasks import refresh_figures

    assert refresh_figures() == Institution.objects.count()
    assert InstitutionFigures.objects.count() == Institution.objects.count()


def _admission_corrections(registrar) -> None:
    """Two open 录取 corrections at 10001 and one decided (closed) one."""
    from xuedang.conftest import make_reviewed_admission
    from xuedang.registry import services

    for n in range(3):
        correction = services.admission_correction_file(
            actor=registrar,
            admission=make_reviewed_admission(exam_number=f"299901010001{n:02d}"),
            field="major_name",
            new_value="数学",
            reason="录入有误",
            evidence=b"%PDF-1.4\n",
            evidence_name="a.pdf",
        )
    AdmissionCorrection.objects.filter(pk=correction.pk).update(state="rejected")
