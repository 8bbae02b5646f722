import pytest
from django.core.management import call_command

from xuedang.core import validators
from xuedang.core.audit import verify_chain
from xuedang.registry.models import Credential, Enrollment

pytestmark = pytest.mark.django_db


def test_seed_makes_valid_realistic_students_with_rare_and_minority_names(capsys) -> None:
    call_command("seed", students=60)
    enrollments = list(Enrollment.objects.all())
    assert len(enrollments) == 60
    for enrollment in enrollments:
        number = enrollment.document_number
        assert validators.normalize_resident_id(number) == number
        assert validators.birth_date_from_resident_id(number) == enrollment.birth_date
    names = [e.name for e in enrollments]
    assert any(any(ord(ch) > 0xFFFF for ch in name) for name in names)
    assert any("·" in name for name in names)
    assert Credential.objects.filter(state="published").exists()
    assert verify_chain().ok


def test_seed_if_empty_adds_nothing_the_second_time() -> None:
    call_command("seed", students=5)
    call_command("seed", students=5, if_empty=True)
    assert Enrollment.objects.count() == 5


def test_demo_logins_prints_one_login_per_role(capsys) -> None:
    call_command("seed", students=3)
    call_command("demo_logins")
    out = capsys.readouterr().out
    for username in ("centre", "province11", "registrar10001", "student"):
        assert f" {username} " in out


def test_the_demo_student_opens_an_archive_with_a_published_credential() -> None:
    from django.test import Client

    from xuedang.demo.builder import DEMO_PASSWORD

    call_command("seed", students=40)
    client = Client()
    assert client.login(username="student", password=DEMO_PASSWORD)
    page = client.get("/archive/")
    assert page.status_code == 200  # no identity challenge first: the demo identity counts as checked
    assert "已发布" in page.content.decode() or "published" in page.content.decode()
