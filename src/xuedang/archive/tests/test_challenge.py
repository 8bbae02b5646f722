"""身份核验: the institution question before the archive opens."""

from __future__ import annotations

import pytest

from xuedang.accounts.models import User
from xuedang.archive import services as challenge
from xuedang.conftest import login, make_enrollment
from xuedang.institutions.models import Institution


@pytest.fixture
def unchecked(student):
    User.objects.filter(pk=student.pk).update(identity_checked_at=None)
    student.refresh_from_db()
    return student


@pytest.mark.django_db
def test_the_options_hold_the_right_institution_among_decoys_and_stay_fixed(unchecked, registrar) -> None:
    make_enrollment()
    first = challenge.challenge_get(user=unchecked)
    assert "10001" in first.options
    assert len(first.options) == 6
    assert challenge.challenge_get(user=unchecked).options == first.options  # reloading reveals nothing
    provinces = set(Institution.objects.filter(code__in=first.options).values_list("province_code", flat=True))
    assert provinces == {"11"}  # decoys from the same province, so the answer does not stand out


@pytest.mark.django_db
def test_the_right_answer_checks_the_identity(unchecked, registrar) -> None:
    make_enrollment()
    client = login(unchecked)
    client.get("/account/identity-challenge/")
    response = client.post("/account/identity-challenge/", {"institution": "10001"})
    assert response.status_code == 302
    assert User.objects.get(pk=unchecked.pk).identity_checked_at is not None


@pytest.mark.django_db
def test_five_wrong_answers_a_day_then_no_more(unchecked, registrar) -> None:
    make_enrollment()
    question = challenge.challenge_get(user=unchecked)
    wrong = next(code for code in question.options if code != "10001")
    client = login(unchecked)
    for _ in range(5):
        assert "回答不正确" in client.post("/account/identity-challenge/", {"institution": wrong}).content.decode()
    response = client.post("/account/identity-challenge/", {"institution": "10001"})
    assert "今天已回答 5 次" in response.content.decode()
    assert User.objects.get(pk=unchecked.pk).identity_checked_at is None


@pytest.mark.django_db
def test_an_account_without_records_is_told_there_is_nothing_to_check(unchecked) -> None:
    page = login(unchecked).get("/account/identity-challenge/").content.decode()
    assert "暂时没有学籍、学历或录取记录" in page
    assert User.objects.get(pk=unchecked.pk).identity_checked_at is None


@pytest.mark.django_db
def test_records_under_the_id_with_another_name_are_not_the_answer(unchecked, registrar) -> None:
    make_enrollment(name="王五")
    assert challenge.challenge_get(user=unchecked) is None
