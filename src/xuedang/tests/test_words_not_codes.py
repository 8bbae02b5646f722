"""Words, not codes (issue 19 item 6): no page of the ones people use most shows a national code or
a state's identifier where a person reads a value — 「休学」, not 「学籍异动 11」; 「汉族」, not 「01」."""

from __future__ import annotations

import re

import pytest

from xuedang.conftest import login, make_enrollment

pytestmark = pytest.mark.django_db

# a value cell of a field list or a table (where a person reads a value), holding only a code
CELL = r"<(?:dd|td)(?: [^>]*)?>\s*{code}\s*</(?:dd|td)>"


def _raw(page: str, codes: set[str]) -> list[str]:
    found = [code for code in sorted(codes) if re.search(CELL.format(code=re.escape(code)), page)]
    found += re.findall(r"学籍异动\s*[:：]?\s*\d+", page)
    found += re.findall(r"(?:state|状态)\s*[:：]\s*[a-z_]+\b", page)
    return found


@pytest.fixture
def shown(student, registrar) -> dict[str, tuple[object, list[str], set[str]]]:
    """The pages and the codes of the records they show."""
    from xuedang.registry.models import Enrollment
    from xuedang.reports.tests.factories import credential_report
    from xuedang.tests.test_access_matrix import _admission

    report = credential_report(student)
    enrollment = Enrollment.objects.get(name=student.real_name)
    other = make_enrollment(student_number="2001003", name="王小明", document_number="110101200001010010")
    admission = _admission()
    codes = {"01", "05", "1", "2", "registered", "graduated", "published", "admitted", "valid", "active"}
    return {
        "student": (
            login(student),
            [
                "/archive/",
                f"/archive/enrollments/{enrollment.pk}/",
                f"/archive/credentials/{report.credential_id}/",
                "/archive/reports/",
            ],
            codes,
        ),
        "visitor": (None, [f"/verify/{report.code}"], codes),
        "registrar": (
            login(registrar),
            [
                "/school/enrollments/",
                f"/school/enrollments/{enrollment.pk}/",
                f"/school/enrollments/{other.pk}/",
                "/school/admissions/",
                f"/school/admissions/{admission}/",
            ],
            codes,
        ),
    }


def test_no_page_shows_a_raw_code(shown) -> None:
    from django.test import Client

    problems = {}
    for who, (client, urls, codes) in shown.items():
        client = client or Client()
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url, response.status_code)
            raw = _raw(response.content.decode(), codes)
            if raw:
                problems[f"{who} {url}"] = raw
    assert not problems, problems


def test_the_check_finds_a_raw_code() -> None:
    assert _raw("<dl><dt>民族</dt><dd>01</dd></dl>", {"01"}) == ["01"]
    assert _raw('<td data-label="类型">01</td>', {"01"}) == ["01"]
    assert _raw("<p>学籍异动 11</p>", set()) == ["学籍异动 11"]
    assert _raw("<dd>汉族 <span class=en>Han</span></dd>", {"01"}) == []
