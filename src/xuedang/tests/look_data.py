"""The records and signed-in sessions the page-look test shows (tests/test_pages_look.py), made in
the scratch database of the service it runs in its own process. Prints them as JSON."""

from __future__ import annotations

import json


def prepare() -> None:
    from xuedang.conftest import _person, _staff, login, make_enrollment
    from xuedang.registry.models import Enrollment
    from xuedang.reports.services import report_close, report_create
    from xuedang.reports.tests.factories import credential_report

    student = _person("student", "吉𠮷", "11010519491231002X")
    registrar = _staff("registrar", "institution", "registrar", school="10001")
    province_officer = _staff("province_officer", "province", "approver", province="11")
    report = credential_report(student)
    enrollment = Enrollment.objects.get(name=student.real_name)
    closed = report_close(
        student=student, report=report_create(student=student, record=enrollment, lang="en", months=1)
    )
    make_enrollment(student_number="2001002", name="王小明", document_number="110101200001010010")
    print(
        json.dumps(
            {
                "sessions": {
                    name: login(user).cookies["sessionid"].value
                    for name, user in (
                        ("student", student),
                        ("registrar", registrar),
                        ("province_officer", province_officer),
                    )
                },
                "report": report.code,
                "closed": closed.code,
                "enrollment": enrollment.pk,
            }
        )
    )
