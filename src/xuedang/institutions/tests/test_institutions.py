from datetime import date

import pytest
from django.core.exceptions import ValidationError

from xuedang.core.models import AuditEntry
from xuedang.institutions.models import Institution
from xuedang.institutions.selectors import president_on
from xuedang.institutions.services import president_appoint

pytestmark = pytest.mark.django_db


def test_the_ministry_list_is_loaded_in_full() -> None:
    assert Institution.objects.count() == 2631
    pku = Institution.objects.get(code="10001")
    assert (pku.school_id, pku.name, pku.province_code, pku.level) == ("4111010001", "北京大学", "11", "本科")
    assert Institution.objects.filter(remarks="民办").count() == 735
    assert sum(i.is_private for i in Institution.objects.filter(province_code="11")) > 0
    assert all(i.school_id.endswith(i.code) for i in Institution.objects.all())


def test_presidents_keep_their_history() -> None:
    pku = Institution.objects.get(code="10001")
    president_appoint(institution=pku, name="林建华", start_date=date(2015, 2, 1))
    president_appoint(institution=pku, name="郝平", start_date=date(2018, 10, 22))
    president_appoint(institution=pku, name="龚旗煌", start_date=date(2022, 6, 1))
    assert president_on(institution=pku, on=date(2016, 7, 1)) == "林建华"
    assert president_on(institution=pku, on=date(2018, 10, 21)) == "林建华"
    assert president_on(institution=pku, on=date(2020, 7, 1)) == "郝平"
    assert president_on(institution=pku, on=date(2025, 7, 1)) == "龚旗煌"
    assert president_on(institution=pku, on=date(2010, 7, 1)) == ""
    assert AuditEntry.objects.filter(action="institutions.president.appointed").count() == 3


def test_a_term_cannot_start_before_the_current_one() -> None:
    pku = Institution.objects.get(code="10001")
    president_appoint(institution=pku, name="郝平", start_date=date(2018, 10, 22))
    with pytest.raises(ValidationError) as error:
        president_appoint(institution=pku, name="某某", start_date=date(2017, 1, 1))
    assert "start_date" in error.value.message_dict
