"""Binding records to accounts: automatically by ID and name, by hand by certificate or
student number, with a daily attempt limit; former names keep their records."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from xuedang.archive import selectors, services
from xuedang.archive.access import access_student_enrollment
from xuedang.archive.models import Binding, BindingMethod, FormerIdentity
from xuedang.archive.services.bindings import _bind
from xuedang.archive.tests.helpers import PDF, graduate, legacy_graduate
from xuedang.conftest import login, make_enrollment
from xuedang.core.models import AuditEntry
from xuedang.registry.models import Credential

STUDENT_ID = "11010519491231002X"  # the `student` fixture, 吉𠮷
OTHER_ID = "650102200001010020"  # `other_student`, 阿依古丽·买买提


def test_records_under_the_accounts_id_and_name_bind_automatically(student) -> None:
    enrollment = make_enrollment()
    assert services.bindings_refresh(user=student) == 1
    assert list(selectors.student_enrollments(student=student)) == [enrollment]
    assert services.bindings_refresh(user=student) == 0


def test_a_rare_character_name_binds_enrollment_and_credential_when_the_archive_opens(student) -> None:
    credential = graduate(make_enrollment(name="吉𠮷"))
    page = login(student).get("/archive/").content.decode()
    assert f"/archive/enrollments/{credential.enrollment_id}/" in page
    assert f"/archive/credentials/{credential.pk}/" in page
    assert set(Binding.objects.values_list("method", flat=True)) == {BindingMethod.AUTOMATIC}


def test_a_minority_name_with_a_look_alike_dot_binds_to_the_account_with_the_middle_dot(other_student) -> None:
    # The school typed a katakana middle dot (・); names are normalised to U+00B7 on the way in.
    enrollment = make_enrollment(name="阿依古丽・买买提", document_number=OTHER_ID, student_number="2001002")
    assert enrollment.name == "阿依古丽·买买提"
    assert services.bindings_refresh(user=other_student) == 1


def test_an_id_match_under_another_name_does_not_bind(student) -> None:
    make_enrollment(name="吉吉")
    assert services.bindings_refresh(user=student) == 0
    assert not Binding.objects.exists()


def test_the_student_sees_why_a_record_under_their_id_but_another_name_is_missing(student) -> None:
    make_enrollment(name="吉吉")
    page = login(student).get("/archive/").content.decode()
    assert "姓名不同" in page
    assert "*吉" in page
    assert "/archive/identity/" in page  # what to do: confirm a former name


def test_a_record_under_another_persons_id_never_binds(student) -> None:
    make_enrollment(name="吉𠮷", document_number=OTHER_ID)
    assert services.bindings_refresh(user=student) == 0


def test_another_students_records_stay_out_of_reach(student, other_student) -> None:
    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    services.bindings_refresh(user=other_student)
    assert access_student_enrollment(student, enrollment.pk) == enrollment
    with pytest.raises(Http404):
        access_student_enrollment(other_student, enrollment.pk)


# --- Manual binding ------------------------------------------------------------------------


def _claim(client, number: str, year: int, school: str = "10001"):
    return client.post(
        "/archive/bind/credential/", {"certificate_number": number, "graduation_year": year, "institution_code": school}
    )


@pytest.mark.parametrize("typed", ["NO.00298959", "No. 00298959", "00298959", "298959", "ＮＯ.００２９８９５９"])
def test_a_pre_2001_number_binds_with_or_without_no_and_leading_zeros(student, typed) -> None:
    credential = legacy_graduate(number="NO.00298959", name="吉吉")  # under the account's ID, another name
    response = _claim(login(student), typed, 2000)
    assert response.status_code == 302
    binding = Binding.objects.get(credential=credential)
    assert binding.user == student
    assert binding.method == BindingMethod.MANUAL
    assert Binding.objects.filter(enrollment=credential.enrollment, user=student).exists()


def test_a_pre_2001_record_without_an_id_binds_on_name_and_birth_date(student) -> None:
    credential = legacy_graduate(number="00298959", without_id=True)
    _claim(login(student), "NO.298959", 2000)
    assert Binding.objects.filter(credential=credential, user=student).exists()


@pytest.mark.parametrize("stored", ["吉𠮷\u3000", " 吉𠮷"])
def test_a_legacy_record_whose_name_was_stored_unnormalised_still_binds_by_hand(student, stored) -> None:
    # Old records predate the name validator; the comparison normalises both sides (name_key).
    credential = legacy_graduate(number="00298959", without_id=True)
    Credential.objects.filter(pk=credential.pk).update(name=stored)
    _claim(login(student), "298959", 2000)
    assert Binding.objects.filter(credential=credential, user=student).exists()


@pytest.mark.parametrize("account_name", ["买买提艾力", "买买提.艾力", "买买提·艾力"])
@pytest.mark.parametrize("stored", ["买买提·艾力", "买买提・艾力", "买买提艾力"])
def test_a_minority_name_with_or_without_its_dot_binds_by_hand(student, account_name, stored) -> None:
    # The account's name as typed at sign-up and the record's name differ only in the middle dot.
    type(student).objects.filter(pk=student.pk).update(real_name=account_name)
    student.refresh_from_db()
    credential = legacy_graduate(number="00298959", without_id=True)
    Credential.objects.filter(pk=credential.pk).update(name=stored)
    assert _claim(login(student), "298959", 2000).status_code == 302
    assert Binding.objects.filter(credential=credential, user=student).exists()


@pytest.mark.parametrize("stored", ["买买提·艾尔", "买买提·艾力江", "买提·艾力"])
def test_a_different_minority_name_does_not_bind_by_hand(student, stored) -> None:
    type(student).objects.filter(pk=student.pk).update(real_name="买买提艾力")
    student.refresh_from_db()
    credential = legacy_graduate(number="00298959", without_id=True)
    Credential.objects.filter(pk=credential.pk).update(name=stored)
    response = _claim(login(student), "298959", 2000)
    assert "没有找到与您的身份相符的学历" in response.content.decode()
    assert not Binding.objects.filter(credential=credential).exists()


def test_a_record_without_an_id_and_another_birth_date_is_refused(student) -> None:
    credential = legacy_graduate(number="00298959", without_id=True, document_number="110105195001010012")
    response = _claim(login(student), "298959", 2000)
    assert "没有找到与您的身份相符的学历" in response.content.decode()
    assert not Binding.objects.filter(credential=credential).exists()


def test_an_18_digit_number_binds_by_hand(student) -> None:
    credential = graduate(make_enrollment(name="吉吉"))
    assert len(credential.certificate_number) == 18
    _claim(login(student), credential.certificate_number, 2025)
    assert Binding.objects.filter(credential=credential, user=student).exists()


def test_a_17_digit_2001_number_binds_typed_with_spaces(student) -> None:
    enrollment = make_enrollment(name="吉吉", entry_date=date(1997, 9, 1), expected_graduation_date=date(2001, 7, 1))
    credential = graduate(enrollment, study_end=date(2001, 7, 1), number="10001120010500123")
    _claim(login(student), "10001 1 2001 05 00123", 2001)
    assert Binding.objects.filter(credential=credential, user=student).exists()


def test_another_persons_credential_gets_the_same_answer_as_no_credential(student) -> None:
    """Manual binding is no oracle: "found, but not yours" reads exactly like "not found"."""
    credential = graduate(make_enrollment(name="阿依古丽·买买提", document_number=OTHER_ID))
    client = login(student)
    theirs = _claim(client, credential.certificate_number, 2025)
    nothing = _claim(client, "100011202599999999", 2025)
    assert theirs.status_code == nothing.status_code == 200
    assert "没有找到与您的身份相符的学历" in theirs.content.decode()
    assert "没有找到" in _errors(nothing)
    assert _errors(theirs) == _errors(nothing)
    assert not Binding.objects.filter(user=student).exists()


def _errors(response) -> str:
    import re

    errors = " ".join(re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', response.content.decode(), re.S))
    return re.sub(r"\d+ (次|attempts)", r"N \1", errors)  # the count of attempts left differs, rightly


def test_the_wrong_year_or_school_finds_nothing_and_changes_nothing(student) -> None:
    credential = graduate(make_enrollment(name="吉吉"))
    client = login(student)
    assert "没有找到" in _claim(client, credential.certificate_number, 2024).content.decode()
    assert "没有找到" in _claim(client, credential.certificate_number, 2025, school="10246").content.decode()
    assert "没有找到该学校" in _claim(client, credential.certificate_number, 2025, school="99999").content.decode()
    assert not Binding.objects.exists()


def test_an_unpublished_credential_cannot_be_claimed(student) -> None:
    credential = graduate(make_enrollment(name="吉吉"), publish=False)
    assert "没有找到" in _claim(login(student), credential.certificate_number, 2025).content.decode()


def test_a_credential_bound_to_another_account_stays_there(student, other_student) -> None:
    credential = graduate(make_enrollment(name="吉吉"))
    Binding.objects.create(user=other_student, credential=credential, method=BindingMethod.MANUAL)
    response = _claim(login(student), credential.certificate_number, 2025)
    assert "已绑定到其他账号" in response.content.decode()
    assert Binding.objects.get(credential=credential).user == other_student


def test_failed_attempts_stop_at_five_a_day_and_successes_do_not_count(student) -> None:
    credential = graduate(make_enrollment(name="吉吉"))
    client = login(student)
    _claim(client, credential.certificate_number, 2025)  # a success gives its attempt back
    for _ in range(selectors.BIND_ATTEMPTS_PER_DAY):
        assert "没有找到" in _claim(client, "99999", 1999).content.decode()
    page = _claim(client, "99999", 1999).content.decode()
    assert "次查找机会已用完" in page
    assert selectors.bind_attempts_left(user=student) == 0


def test_the_limit_holds_in_redis_and_is_per_account(settings, redis_url, student, other_student) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    for _ in range(selectors.BIND_ATTEMPTS_PER_DAY):
        with pytest.raises(ValidationError):
            services.binding_claim_credential(
                user=student, certificate_number="1", graduation_year=1999, institution_code="10001"
            )
    with pytest.raises(ValidationError) as error:
        services.binding_claim_credential(
            user=student, certificate_number="1", graduation_year=1999, institution_code="10001"
        )
    assert error.value.messages[0].startswith("今天的 5 次")
    assert selectors.bind_attempts_left(user=other_student) == selectors.BIND_ATTEMPTS_PER_DAY


def test_an_enrollment_binds_by_student_number_school_and_entry_year(student) -> None:
    enrollment = make_enrollment(name="吉吉", student_number="PKU2021007")
    client = login(student)
    response = client.post(
        "/archive/bind/enrollment/",
        {"student_number": "PKU2021007", "entry_year": 2020, "institution_code": "北京大学"},
    )
    assert "没有找到" in response.content.decode()
    client.post(
        "/archive/bind/enrollment/",
        {"student_number": "PKU2021007", "entry_year": 2021, "institution_code": "北京大学"},
    )
    assert Binding.objects.filter(enrollment=enrollment, user=student, method=BindingMethod.MANUAL).exists()


# --- Name and ID changes -------------------------------------------------------------------


def test_records_stay_bound_after_a_name_change_and_show_the_name_they_were_registered_under(student) -> None:
    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    student.real_name = "吉祥"
    student.save(update_fields=["real_name"])
    services.bindings_refresh(user=student)
    page = login(student).get(f"/archive/enrollments/{enrollment.pk}/").content.decode()
    assert "以姓名“吉𠮷”登记" in page


def test_an_approved_former_name_and_id_bind_the_records_registered_under_them(student, centre_admin) -> None:
    from xuedang.accounts.services import membership_grant  # an approver at the centre

    membership_grant(actor=None, user=centre_admin, scope="centre", role="approver")
    old = make_enrollment(name="吉小𠮷", document_number="110105200001010016", student_number="2001009")
    client = login(student)
    client.post(
        "/archive/identity/",
        {
            "name": "吉小𠮷",
            "document_number": "110105200001010016",
            "reason": "更名",
            "evidence": _upload(PDF, "hukou.pdf"),
        },
    )
    former = FormerIdentity.objects.get(user=student)
    assert former.document_hint == "110105********0016"
    assert services.bindings_refresh(user=student) == 0  # not before approval
    login(centre_admin).post(f"/school/archive/identities/{former.pk}/", {"decision": "approve", "note": ""})
    assert Binding.objects.get(enrollment=old).user == student
    assert "以姓名“吉小𠮷”登记" in client.get(f"/archive/enrollments/{old.pk}/").content.decode()


def _upload(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_students_imported_after_the_account_exists_bind_at_the_next_visit(tmp_path, student) -> None:
    """The pull decision (docs/decisions/0004): an import binds nothing itself; the archive does."""
    from xuedang.imports.tests.helpers import run_import, student_row, write_file

    client = login(student)
    assert "暂无学籍" in client.get("/archive/").content.decode()
    row = student_row(0, 证件号码=STUDENT_ID, 出生日期="1949-12-31", 性别="女")
    job = run_import(write_file(tmp_path, [row, student_row(1)]))
    assert job.inserted_rows == 2, job.errors or job.message
    assert not Binding.objects.exists()
    page = client.get("/archive/").content.decode()
    assert "北京大学 · 计算机科学与技术" in page
    assert Binding.objects.get().enrollment.student_number == "2026000000"


def test_a_claimed_enrollment_brings_its_published_credential(student) -> None:
    credential = graduate(make_enrollment(name="吉吉", student_number="PKU2021008"))
    login(student).post(
        "/archive/bind/enrollment/", {"student_number": "PKU2021008", "entry_year": 2021, "institution_code": "10001"}
    )
    assert Binding.objects.filter(user=student, credential=credential).exists()
    assert Binding.objects.filter(user=student, enrollment=credential.enrollment).exists()


def test_a_record_bound_by_a_concurrent_request_is_left_to_it(student, other_student) -> None:
    enrollment = make_enrollment()
    Binding.objects.create(user=other_student, enrollment=enrollment, method=BindingMethod.MANUAL)
    assert _bind(user=student, record=enrollment, method=BindingMethod.AUTOMATIC) is None
    assert Binding.objects.get(enrollment=enrollment).user == other_student


def test_an_account_that_goes_lets_go_of_its_records_for_the_next_one(student, other_student) -> None:
    """accounts announces the deactivation (`account_deactivating`); the archive releases the bindings."""
    from xuedang.accounts.services.cancellation import account_deactivate

    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    assert Binding.objects.filter(user=student, enrollment=enrollment).exists()
    account_deactivate(user=student, reason="cancelled", actor=None)
    assert not Binding.objects.filter(enrollment=enrollment).exists()
    assert AuditEntry.objects.filter(action="archive.enrollment.unbound", target_id=str(enrollment.pk)).exists()
