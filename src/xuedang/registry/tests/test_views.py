import io

import pytest
from openpyxl import load_workbook

from xuedang.conftest import login, make_enrollment

pytestmark = pytest.mark.django_db



def test_exports_are_scoped_masked_and_formula_safe(registrar) -> None:
    make_enrollment(department='=HYPERLINK("http://evil","点我")')
    make_enrollment(school="10246", student_number="F1", name="王五", document_number="310104199909094569")
    client = login(registrar)
    sheet = load_workbook(io.BytesIO(b"".join(client.get("/school/enrollments/export.xlsx").streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 1
    assert rows[0][2] == "吉𠮷" and rows[0][5] == "110105********002X"
    assert rows[0][6].startswith("'=HYPERLINK") and sheet.cell(row=2, column=7).data_type == "s"
    csv = b"".join(client.get("/school/enrollments/export.csv").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "王五" not in csv and "11010519491231002X" not in csv


def test_the_list_filters_and_paginates(registrar) -> None:
    for n in range(3):
        make_enrollment(student_number=f"S{n}", document_number=["11010519491231002X", "440304200306151232",
                                                                 "310104199909094569"][n], name="张三",
                        level="06" if n == 2 else "05")
    client = login(registrar)
    page = client.get("/school/enrollments/?level=06").content.decode()
    assert "S2" in page and "S0" not in page
    assert "共 3 条" in client.get("/school/enrollments/").content.decode()


def test_the_province_sees_late_entries_of_its_own_schools_only(province_officer, other_school_registrar) -> None:
    from datetime import date

    from xuedang.registry import services

    ours = make_enrollment(student_number="PKU1")
    theirs = make_enrollment(school="10246", student_number="FDU1", name="王五", document_number="310104199909094569")
    for enrollment in (ours, theirs):
        services.enrollment_cancel(actor=None, enrollment=enrollment, state="withdrawn",
                                   decision_date=date(2024, 9, 27), reason="退学", recorded_on=date(2024, 11, 1))
    page = login(province_officer).get("/school/late/").content.decode()
    assert "PKU1" in page and "FDU1" not in page
    assert "FDU1" in login(other_school_registrar).get("/school/late/").content.decode()
