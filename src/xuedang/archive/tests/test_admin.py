from xuedang.archive.tests.helpers import PDF
from xuedang.conftest import login, make_enrollment


def test_the_centre_reads_the_archive_tables_without_evidence_or_values(centre_admin, student) -> None:
    from xuedang.archive import services

    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    correction = services.correction_file(
        user=student,
        record=enrollment,
        field="major_name",
        new_value="软件工程",
        reason="转专业",
        evidence=PDF,
        evidence_name="a.pdf",
    )
    client = login(centre_admin)
    for model in ("archive/binding", "archive/correction", "archive/photocheck", "archive/formeridentity"):
        assert client.get(f"/admin/{model}/").status_code == 200, model
    assert client.get("/admin/registry/accessevent/").status_code == 200  # the registry's log (decision 0011)
    page = client.get(f"/admin/archive/correction/{correction.pk}/change/").content.decode()
    assert "软件工程" not in page
