"""身份核验: the questions before the archive opens (decision 0017)."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from xuedang.accounts.models import IdentityChallenge, Notification, User
from xuedang.archive import selectors
from xuedang.archive import services as challenge
from xuedang.archive.models import Binding, BindingMethod
from xuedang.conftest import login, make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.institutions.models import Institution

RIGHT = {"institution": "10001", "major": "计算机科学与技术", "year": 2021, "number": "2001001"}


@pytest.fixture
def unchecked(student):
    User.objects.filter(pk=student.pk).update(identity_checked_at=None)
    student.refresh_from_db()
    return student


def _options(user: User) -> dict:
    return challenge.challenge_get(user=user).options


def _wrong_everywhere(options: dict) -> dict:
    return {
        "institution": next(c for c in options["schools"] if c != RIGHT["institution"]),
        "major": next(m for m in options["majors"] if m != RIGHT["major"]),
        "year": next(y for y in options["years"] if y != RIGHT["year"]),
        "number": "2001002",
    }


@pytest.mark.django_db
def test_the_questions_hold_the_right_answers_among_decoys_from_the_same_province(unchecked, registrar) -> None:
    make_enrollment()
    options = _options(unchecked)
    assert RIGHT["institution"] in options["schools"]
    assert len(options["schools"]) == 10
    assert RIGHT["major"] in options["majors"]
    assert len(set(options["majors"])) == 10
    assert RIGHT["year"] in options["years"]
    assert len(options["years"]) == 6
    assert options["years"] == list(range(options["years"][0], options["years"][0] + 6))
    provinces = set(Institution.objects.filter(code__in=options["schools"]).values_list("province_code", flat=True))
    assert provinces == {"11"}  # decoys from the same province, so the answer does not stand out
    kinds = set(Institution.objects.filter(code__in=options["schools"]).values_list("level", flat=True))
    assert kinds == {Institution.objects.get(code="10001").level}  # and of the same kind (本科/专科)
    assert _options(unchecked) == options  # reloading reveals nothing


@pytest.mark.django_db
def test_all_four_right_answers_check_the_identity(unchecked, registrar) -> None:
    make_enrollment()
    client = login(unchecked)
    client.get("/account/identity-challenge/")
    response = client.post("/account/identity-challenge/", RIGHT | {"number": " ２００１００１ "})  # full-width, spaces
    assert response.status_code == 302
    assert User.objects.get(pk=unchecked.pk).identity_checked_at is not None


@pytest.mark.django_db
def test_a_graduate_may_give_the_certificate_number_instead(unchecked, registrar) -> None:
    enrollment = make_enrollment()
    from xuedang.registry.models import Credential

    Credential.objects.create(
        enrollment=enrollment,
        institution=enrollment.institution,
        name=enrollment.name,
        gender=enrollment.gender,
        birth_date=enrollment.birth_date,
        identity_digest=enrollment.identity_digest,
        kind="graduation",
        certificate_number="100011202505000123",
        institution_name="北京大学",
        major_code=enrollment.major_code,
        major_name=enrollment.major_name,
        level=enrollment.level,
        study_form=enrollment.study_form,
        length_years=enrollment.length_years,
        study_start=enrollment.entry_date,
        study_end=enrollment.expected_graduation_date,
    )
    assert challenge.challenge_answer(
        user=unchecked,
        institution_code="10001",
        major=RIGHT["major"],
        year=2021,
        number="100011202505000123",
    )


@pytest.mark.django_db
def test_one_wrong_part_fails_the_whole_answer_without_saying_which(unchecked, registrar) -> None:
    make_enrollment()
    client = login(unchecked)
    client.get("/account/identity-challenge/")
    response = client.post("/account/identity-challenge/", RIGHT | {"number": "2001002"}, follow=True)
    page = response.content.decode()
    assert "回答有误（不提示是哪一项）" in page
    assert User.objects.get(pk=unchecked.pk).identity_checked_at is None
    assert selectors.challenge_failures(unchecked) == 1


@pytest.mark.django_db
def test_the_elimination_attack_of_issue_20_fails(unchecked, registrar) -> None:
    """The attacker knows the name and ID number, answers with every school in turn (as the
    issue's attack did), and compares the options between tries: the budget closes the
    questions long before, the options never change, and the account stays unchecked."""
    make_enrollment()
    client = login(unchecked)
    seen = []
    first = _options(unchecked)
    guesses = itertools.product(first["schools"], first["majors"], first["years"])
    for school, major, year in itertools.islice(guesses, 20):
        seen.append({k: sorted(v) for k, v in _options(unchecked).items() if k != "record"})
        client.post(
            "/account/identity-challenge/", {"institution": school, "major": major, "year": year, "number": "1"}
        )
    assert all(options == seen[0] for options in seen)  # nothing to intersect across tries
    assert selectors.challenge_failures(unchecked) == 5
    page = client.get("/account/identity-challenge/").content.decode()
    assert "challenge-exhausted" in page
    right = client.post("/account/identity-challenge/", RIGHT)  # even the right answer is now refused
    assert "challenge-exhausted" in right.content.decode()
    with pytest.raises(Exception, match="回答次数已用完"):
        challenge.challenge_answer(
            user=unchecked, **{"institution_code": "10001", **{k: RIGHT[k] for k in ("major", "year", "number")}}
        )
    assert User.objects.get(pk=unchecked.pk).identity_checked_at is None
    assert AuditEntry.objects.filter(action="accounts.identity_challenge.exhausted").count() == 1


@pytest.mark.django_db
def test_a_new_account_with_the_same_id_gets_no_new_budget_and_no_new_draw(unchecked, registrar) -> None:
    make_enrollment()
    options = _options(unchecked)
    for _ in range(5):
        challenge.challenge_answer(
            user=unchecked, institution_code="10001", major=RIGHT["major"], year=2021, number="x"
        )
    # The attacker cancels the account; the ID is released and registered again.
    User.objects.filter(pk=unchecked.pk).update(identity_digest="", document_number="", is_active=False)
    from xuedang.accounts.services import user_create

    again = user_create(
        actor=None,
        username="again",
        password="correct horse battery staple",
        real_name=unchecked.real_name,
        document_type="resident_id",
        document_number="11010519491231002X",
    )
    assert selectors.challenge_failures_left(again) == 0
    assert sorted(_options(again)["schools"]) == sorted(options["schools"])


@pytest.mark.django_db
def test_the_owner_is_told_when_the_answers_run_out(unchecked, other_student, registrar) -> None:
    enrollment = make_enrollment()
    Binding.objects.create(user=other_student, enrollment=enrollment, method=BindingMethod.MANUAL)
    for _ in range(5):
        challenge.challenge_answer(
            user=unchecked, institution_code="10001", major=RIGHT["major"], year=2021, number="x"
        )
    notices = Notification.objects.filter(user=other_student)
    assert notices.count() == 1
    assert "身份核验多次回答错误" in notices.get().text
    assert not Notification.objects.filter(user=unchecked).exists()


@pytest.mark.django_db
def test_after_the_budget_the_identity_appeal_is_open_for_the_accounts_own_id(unchecked, registrar) -> None:
    make_enrollment()
    IdentityChallenge.objects.filter(user=unchecked).delete()
    challenge.challenge_get(user=unchecked)
    IdentityChallenge.objects.filter(user=unchecked).update(failures=5, exhausted_at=timezone.now())
    client = login(unchecked)
    assert "证件号申诉" in client.get("/account/identity-challenge/").content.decode()
    other = client.post("/account/appeal/", {"document_type": "resident_id", "document_number": "650102200001010020"})
    assert "请填写您账号中的证件号码" in other.content.decode()
    own = client.post("/account/appeal/", {"document_type": "resident_id", "document_number": "11010519491231002X"})
    assert own.status_code == 302
    assert unchecked.appeals.get().state == "draft"


@pytest.mark.django_db
def test_a_choice_that_was_not_offered_is_refused_and_not_counted(unchecked, registrar) -> None:
    make_enrollment()
    client = login(unchecked)
    client.get("/account/identity-challenge/")
    response = client.post("/account/identity-challenge/", RIGHT | {"institution": "99999"})
    assert response.status_code == 400
    assert "请从列表中选择" in response.content.decode()
    assert selectors.challenge_failures(unchecked) == 0


@pytest.mark.django_db
def test_an_account_without_records_is_told_there_is_nothing_to_check(unchecked) -> None:
    page = login(unchecked).get("/account/identity-challenge/").content.decode()
    assert "还没有学籍、学历或录取记录" in page
    assert User.objects.get(pk=unchecked.pk).identity_checked_at is None


@pytest.mark.django_db
def test_records_under_the_id_with_another_name_are_not_the_answer(unchecked, registrar) -> None:
    make_enrollment(name="王五")
    assert challenge.challenge_get(user=unchecked) is None
