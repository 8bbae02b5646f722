import pytest

from xuedang.core import codetables
from xuedang.core.models import Code
from xuedang.registry.models import EducationType, EnrollmentState, Gender, Level, StudyForm

pytestmark = pytest.mark.django_db


def _codes(table: str) -> set[str]:
    return set(Code.objects.filter(table=table).values_list("code", flat=True))


def test_every_table_is_loaded_with_chinese_and_english_labels() -> None:
    for table in codetables.TABLES:
        rows = Code.objects.filter(table=table)
        assert rows.exists(), table
        assert not rows.filter(name_zh="").exists(), table
        assert not rows.filter(name_en="").exists(), table


def test_ethnicity_has_the_56_groups_and_97_98() -> None:
    codes = _codes("ethnicity")
    assert len(codes) == 58
    assert {"01", "56", "97", "98"} <= codes
    assert codetables.code_label("ethnicity", "46") == "德昂族"
    assert codetables.code_label("ethnicity", "05", lang="en") == "Uygur"


def test_the_major_catalogue_hangs_together() -> None:
    classes, categories = _codes("major_class"), _codes("major_category")
    for major in Code.objects.filter(table="major"):
        assert major.parent in classes, major.code
    for major_class in Code.objects.filter(table="major_class"):
        assert major_class.parent in categories, major_class.code
    assert {"080901", "080717T", "030101K", "100201K"} <= _codes("major")
    assert len(classes) >= 90


def test_tables_agree_with_the_registry_choices() -> None:
    assert _codes("enrollment_state") == set(EnrollmentState.values)
    assert _codes("level") == set(Level.values)
    assert _codes("gender") == set(Gender.values)
    assert _codes("study_form") == set(StudyForm.values)
    assert _codes("education_type") == set(EducationType.values)


def test_change_codes_include_the_official_ones() -> None:
    assert {"02", "11", "12", "19", "21", "22", "23", "31", "18", "42", "51", "62", "63"} <= _codes("change_type")
    assert dict(codetables.code_choices("change_type"))["11"] == "休学 / Suspension of study"
    assert codetables.code_label("change_type", "XX") == "XX"
