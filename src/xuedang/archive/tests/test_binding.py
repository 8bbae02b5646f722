from xuedang.archive import selectors, services
from xuedang.archive.models import Binding
from xuedang.conftest import make_enrollment


def test_records_under_the_accounts_id_and_name_bind_automatically(student) -> None:
    enrollment = make_enrollment()
    assert services.bindings_refresh(user=student) == 1
    assert list(selectors.student_enrollments(student=student)) == [enrollment]
    assert services.bindings_refresh(user=student) == 0


def test_an_id_match_under_another_name_does_not_bind(student) -> None:
    make_enrollment(name="吉吉")
    assert services.bindings_refresh(user=student) == 0
    assert not Binding.objects.exists()


def test_another_students_records_stay_out_of_reach(student, other_student) -> None:
    import pytest
    from django.http import Http404

    from xuedang.archive.access import access_student_enrollment

    enrollment = make_enrollment()
    services.bindings_refresh(user=student)
    services.bindings_refresh(user=other_student)
    assert access_student_enrollment(student, enrollment.pk) == enrollment
    with pytest.raises(Http404):
        access_student_enrollment(other_student, enrollment.pk)
