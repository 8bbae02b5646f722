"""校（院）长任期 (issue 13 item 4): terms never overlap; a credential dated in a gap lists the
president as missing and is not published with an empty name."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from xuedang.conftest import login, make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.institutions.models import Institution, President
from xuedang.institutions.services import president_record
from xuedang.registry import services
from xuedang.registry.models import CredentialState

pytestmark = pytest.mark.django_db


def test_a_user_administrator_records_terms_and_overlaps_are_refused(centre_admin) -> None:
    pku = Institution.objects.get(code="10001")
    client = login(centre_admin)
    response = client.post(
        "/school/presidents/",
        {"institution": pku.pk, "name": "林建华", "start_date": "2015-02-01", "end_date": "2018-10-31"},
    )
    assert response.status_code == 302
    response = client.post(
        "/school/presidents/", {"institution": pku.pk, "name": "郝平", "start_date": "2018-06-01", "end_date": ""}
    )
    assert response.status_code == 400
    assert "与林建华的任期（2015-02-01—2018-10-31）重叠" in response.content.decode()
    assert President.objects.count() == 1
    assert AuditEntry.objects.filter(action="institutions.president.recorded").count() == 1


def test_a_graduation_in_a_gap_between_terms_cannot_be_published() -> None:
    pku = Institution.objects.get(code="10001")
    president_record(actor=None, institution=pku, name="林建华", start_date=date(2015, 2, 1), end_date=date(2025, 6, 1))
    president_record(actor=None, institution=pku, name="龚旗煌", start_date=date(2025, 9, 1))
    enrollment = make_enrollment()
    credential = services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1)
    )
    assert credential.president_name == ""
    assert "校（院）长姓名 / president" in services.credential_missing_fields(credential)
    with pytest.raises(ValidationError) as error:
        services.credential_publish(actor=None, credential=credential, today=date(2025, 7, 2))
    assert "校（院）长姓名" in error.value.message_dict["state"][0]
    credential.refresh_from_db()
    assert credential.state == CredentialState.DRAFT


def test_the_term_in_force_on_the_graduation_date_is_printed() -> None:
    pku = Institution.objects.get(code="10001")
    president_record(actor=None, institution=pku, name="龚旗煌", start_date=date(2022, 10, 1))
    president_record(actor=None, institution=pku, name="郝平", start_date=date(2018, 11, 1), end_date=date(2022, 9, 30))
    enrollment = make_enrollment()
    credential = services.credential_register(
        actor=None, enrollment=enrollment, kind="graduation", study_end=date(2025, 7, 1)
    )
    assert credential.president_name == "龚旗煌"
