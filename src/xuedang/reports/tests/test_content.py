"""What the PDF shows: CHSI's fields in order, in Chinese or English, from the report as issued."""

from __future__ import annotations

from datetime import date

import pytest

from xuedang.registry.services import credential_annotate
from xuedang.reports.content import format_date, name_pinyin, report_content
from xuedang.reports.services import report_create
from xuedang.reports.tests.factories import credential_report, enrollment_of

pytestmark = pytest.mark.django_db


def test_the_credential_report_has_the_fields_of_the_filing_form_in_order(student) -> None:
    report = credential_report(student, months=2, today=date(2026, 3, 1))
    content = report_content(report)
    assert content.kind == "credential"
    assert content.title == "学历证书电子注册备案表"
    assert [label for label, _ in content.fields] == [
        "姓名",
        "性别",
        "证件号码",
        "出生日期",
        "入学日期",
        "毕（结）业日期",
        "学校名称",
        "专业",
        "学制",
        "层次",
        "学历类别",
        "学习形式",
        "毕（结）业",
        "证书编号",
        "校（院）长姓名",
        "学历状态",
    ]
    values = dict(content.fields)
    assert values["姓名"] == "吉𠮷"
    assert values["证件号码"] == "110105********002X"
    assert values["出生日期"] == "1949年12月31日"
    assert values["学制"] == "4年"
    assert values["层次"] == "本科"
    assert values["毕（结）业"] == "毕业"
    assert values["校（院）长姓名"] == "龚旗煌"
    assert content.code == report.code
    assert content.verify_url.endswith(f"/verify/{report.code}")
    assert content.valid_until == date(2026, 5, 1)
    assert content.photo
    assert content.photo.startswith(b"\xff\xd8")


def test_the_english_version_translates_labels_codes_and_dates_and_adds_pinyin(student) -> None:
    content = report_content(credential_report(student, lang="en"))
    values = dict(content.fields)
    assert content.title.startswith("Online Verification Report")
    assert values["Name"] == "吉𠮷 (JI 𠮷)"  # 𠮷 has no reading in the dictionary: kept as registered
    assert values["Date of birth"] == "31 December 1949"
    assert values["Length of schooling"] == "4 years"
    assert values["Level"] == "Bachelor (undergraduate)"
    assert values["Gender"] == "Female"
    assert values["Graduation or completion"] == "Graduation"


def test_the_enrollment_report_has_the_fields_of_the_student_record_report(student) -> None:
    enrollment = enrollment_of(student, class_name="计科2101")
    content = report_content(report_create(student=student, record=enrollment, lang="zh", months=1))
    assert [label for label, _ in content.fields] == [
        "姓名",
        "性别",
        "证件号码",
        "民族",
        "出生日期",
        "院校",
        "层次",
        "院系",
        "班级",
        "专业",
        "学号",
        "学习形式",
        "入学日期",
        "学制",
        "学历类别",
        "学籍状态",
    ]
    assert dict(content.fields)["学籍状态"] == "注册学籍"
    assert dict(content.fields)["班级"] == "计科2101"


def test_the_pdf_shows_the_report_as_issued_even_after_the_record_changes(student) -> None:
    report = credential_report(student)
    credential_annotate(actor=None, credential=report.credential, reason="辅修", minor="经济学")
    assert "辅修" not in dict(report_content(report).fields)


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("张三丰", "ZHANG Sanfeng"),
        ("欧阳修", "OUYANG Xiu"),
        ("阿依古丽·买买提", "Ayiguli Maimaiti"),
        ("John Smith", "John Smith"),
    ],
)
def test_names_get_passport_style_pinyin(name: str, pinyin: str) -> None:
    assert name_pinyin(name) == pinyin


def test_dates_read_naturally_in_each_language() -> None:
    assert format_date("2021-09-01", "zh") == "2021年09月01日"
    assert format_date(date(2021, 9, 1), "en") == "1 September 2021"
