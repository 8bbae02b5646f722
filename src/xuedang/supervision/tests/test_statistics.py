"""教育统计 (issue 14 item 6): headcounts by dimension and year equal direct counts; cells under 5
read "<5" everywhere outside the institution's own scope, exactly inside it."""

from __future__ import annotations

from collections import Counter

import pytest

from xuedang.conftest import login
from xuedang.institutions.models import Institution
from xuedang.registry.models import ACTIVE_ENROLLMENT_STATES, Credential, Enrollment
from xuedang.supervision.selectors import HeadcountScope, headcount_table
from xuedang.supervision.services import figures_refresh
from xuedang.supervision.tests.generated import generate

pytestmark = pytest.mark.django_db


def _direct(school: str | None, province: str | None, field: str, year: int) -> Counter:
    active = [
        e
        for e in Enrollment.objects.select_related("institution")
        if e.state in ACTIVE_ENROLLMENT_STATES
        and e.entry_date.year == year
        and (school is None or e.institution.code == school)
        and (province is None or e.institution.province_code == province)
    ]
    return Counter(getattr(e, field) if field != "major_code" else e.major_code[:2] for e in active)


@pytest.mark.parametrize(
    ("dimension", "field"), [("level", "level"), ("gender", "gender"), ("discipline", "major_code")]
)
def test_headcounts_equal_direct_counts_in_every_scope(dimension: str, field: str) -> None:
    generate(students=200)
    figures_refresh()
    for year in (2024, 2025, 2026):
        for kind, code, school, province in (
            ("institution", "10001", "10001", None),
            ("province", "11", None, "11"),
            ("national", "", None, None),
        ):
            rows = headcount_table(
                scope=HeadcountScope(kind=kind, code=code, exact=True),
                dataset="enrollments",
                dimension=dimension,
                year=year,
            )
            assert {r.value: r.count for r in rows} == dict(_direct(school, province, field, year))


def test_credentials_are_counted_by_year_of_graduation() -> None:
    generate(students=200)
    figures_refresh()
    rows = headcount_table(
        scope=HeadcountScope(kind="national", code="", exact=False), dataset="credentials", dimension="level", year=2026
    )
    assert (
        sum(r.count for r in rows) == Credential.objects.filter(study_end__year=2026).exclude(state="revoked").count()
    )


def test_small_cells_are_suppressed_outside_the_institution_and_exact_inside(registrar, province_officer) -> None:
    generate(students=40)
    figures_refresh()
    own = login(registrar).get("/supervision/statistics/?dimension=gender&year=2026").content.decode()
    rows = headcount_table(
        scope=HeadcountScope(kind="institution", code="10001", exact=True),
        dataset="enrollments",
        dimension="gender",
        year=2026,
    )
    assert any(r.count < 5 for r in rows)  # the generated school has a small cell to hide
    assert all(r.shown == str(r.count) for r in rows)
    assert "&lt;5" not in own.split('<table id="headcounts">')[1]
    province_rows = headcount_table(
        scope=HeadcountScope(kind="province", code="11", exact=False),
        dataset="enrollments",
        dimension="gender",
        year=2026,
    )
    small = [r for r in province_rows if r.count < 5]
    assert all(r.shown == "<5" for r in small)
    assert all(r.shown == str(r.count) for r in province_rows if r.count >= 5)
    # the province reading one institution sees the suppressed table too
    page = (
        login(province_officer)
        .get("/supervision/statistics/?scope=institution:10001&dimension=gender&year=2026")
        .content.decode()
    )
    table = page.split('<table id="headcounts">')[1]
    for r in rows:
        assert (f"<td>{r.count}</td>" in table) == (r.count >= 5)
        if r.count < 5:
            assert "<td>&lt;5</td>" in table


def test_scope_who_may_read_which_statistics(registrar, other_school_registrar, province_officer, centre_admin) -> None:
    figures_refresh()
    assert login(registrar).get("/supervision/statistics/?scope=institution:10246").status_code == 404
    assert login(registrar).get("/supervision/statistics/?scope=province:11").status_code == 404
    assert login(registrar).get("/supervision/statistics/?scope=national").status_code == 404
    assert login(province_officer).get("/supervision/statistics/?scope=province:31").status_code == 404
    assert login(province_officer).get("/supervision/statistics/?scope=national").status_code == 404
    assert login(centre_admin).get("/supervision/statistics/?scope=national").status_code == 200
    assert login(other_school_registrar).get("/supervision/statistics/").status_code == 200  # its own school
    assert Institution.objects.exists()
