"""Validators for the national data standards: known examples and properties (hypothesis)."""

from __future__ import annotations

import contextlib
import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from xuedang.core import validators as v

TODAY = date(2026, 11, 24)
GOOD_ID = "11010519491231002X"


def code_of(func, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as error:
        func(*args, **kwargs)
    assert re.search(r"[\u4e00-\u9fff].*/ [A-Za-z]", error.value.messages[0]), "Chinese / English"
    return error.value.code


# --- resident IDs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [GOOD_ID, "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ", " 11010519491231002X ", "110105491231002"],
)
def test_good_resident_ids_normalise_to_the_standard_example(raw) -> None:
    assert v.normalize_resident_id(raw, today=TODAY) == GOOD_ID


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "check_digit"),
        ("1101051949123100", "length"),
        ("11010519491331002X", "birth_date"),
        ("110105202712310026", "birth_future"),
        ("990105194912310023", "province"),
        ("11010518891231002X", "birth_past"),
        ("11010519491231002Y", "format"),
        ("", "required"),
    ],
)
def test_bad_resident_ids_are_refused_with_a_specific_reason(raw, code) -> None:
    if code in ("birth_future", "birth_past", "province", "birth_date"):
        raw = raw[:17] + v.resident_id_check_digit(raw[:17])
    assert code_of(v.normalize_resident_id, raw, today=TODAY) == code


def test_retired_area_codes_are_still_accepted() -> None:
    retired = v.compose_resident_id("110102", date(1980, 5, 4), 123)  # 宣武区, merged in 2010
    assert v.normalize_resident_id(retired, today=TODAY) == retired


def test_gender_and_birth_date_come_from_the_number() -> None:
    assert v.gender_from_resident_id(GOOD_ID) == "2"
    assert v.gender_from_resident_id(v.compose_resident_id("440304", date(2003, 6, 15), 123)) == "1"
    assert v.birth_date_from_resident_id(GOOD_ID) == date(1949, 12, 31)


provinces = st.sampled_from(sorted(p for p in v.PROVINCE_CODES if p != "71"))
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
valid_ids = st.builds(lambda p, b, s: v.compose_resident_id(f"{p}0101", b, s), provinces, births, st.integers(0, 999))


@given(valid_ids)
def test_every_composed_id_round_trips_and_keeps_its_facts(number: str) -> None:
    assert v.normalize_resident_id(number, today=TODAY) == number
    assert v.normalize_resident_id(number.lower(), today=TODAY) == number
    assert v.gender_from_resident_id(number) == ("1" if int(number[16]) % 2 else "2")


@given(valid_ids, st.integers(0, 17), st.integers(1, 9))
def test_any_single_digit_change_is_caught(number: str, position: int, delta: int) -> None:
    original = number[position]
    changed = "0" if original == "X" else str((int(original) + delta) % 10)
    assume(changed != original)
    with pytest.raises(ValidationError):
        v.normalize_resident_id(number[:position] + changed + number[position + 1 :], today=TODAY)


@given(provinces, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), st.integers(0, 999))
def test_15_digit_ids_convert_to_the_18_digit_form(province, birth, seq) -> None:
    legacy = f"{province}0101{birth:%y%m%d}{seq:03d}"
    assert v.normalize_resident_id(legacy, today=TODAY) == v.compose_resident_id(f"{province}0101", birth, seq)


@given(st.text(max_size=30))
def test_resident_id_never_crashes_on_any_text(text: str) -> None:
    with contextlib.suppress(ValidationError):
        v.normalize_resident_id(text, today=TODAY)


# --- other documents -----------------------------------------------------------------------


def test_foreign_permanent_ids_use_the_2023_layout() -> None:
    first17 = "931156" + "19900101" + "012"
    number = first17 + v.resident_id_check_digit(first17)
    assert v.normalize_foreign_permanent_id(number, today=TODAY) == number
    assert code_of(v.normalize_foreign_permanent_id, "1" + number[1:], today=TODAY) == "format"
    assert (
        code_of(
            v.normalize_foreign_permanent_id, number[:17] + "0" if number[17] != "0" else number[:17] + "1", today=TODAY
        )
        == "check_digit"
    )


def test_hmt_residence_permits_and_passports() -> None:
    permit = v.compose_resident_id("810000", date(1998, 2, 3), 45)
    assert v.normalize_document("hmt_permit", permit, today=TODAY) == permit
    assert code_of(v.normalize_hmt_permit, v.compose_resident_id("110105", date(1998, 2, 3), 45)) == "format"
    assert v.normalize_document("passport", " e1234 5678 ") == "E12345678"
    assert code_of(v.normalize_passport, "E12-345") == "format"
    assert code_of(v.normalize_document, "driver_licence", "123") == "document_type"


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("吉𠮷", "吉𠮷"),
        ("𡒄", "𡒄"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽‧买买提", "阿依古丽·买买提"),
        ("Zhang San", "Zhang San"),
        ("José María", "José María"),
        ("O'Brien-Smith", "O'Brien-Smith"),
        (" 张三 ", "张三"),
        ("\u3000张三", "张三"),
        ("Ｚｈａｎｇ Ｓａｎ", "Zhang San"),
        ("Jose\u0301 Mari\u0301a", "José María"),
        ("扎西・巴特尔", "扎西·巴特尔"),
    ],
)
def test_good_names_are_kept_and_dots_normalised(raw, clean) -> None:
    assert v.normalize_name(raw) == clean


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("张\x00三", "character"),
        ("张\u200b三", "character"),
        ("张三3", "character"),
        ("张😀", "character"),
        ("·买买提", "dot"),
        ("阿依··买买提", "dot"),
        ("张" * 51, "too_long"),
        ("Zhang  San", "spaces"),
        ("<script>", "character"),
    ],
)
def test_bad_names_are_refused_with_a_specific_reason(raw, code) -> None:
    assert code_of(v.normalize_name, raw) == code


cjk = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF) | st.characters(
    min_codepoint=0x4E00, max_codepoint=0x9FFF
)


@given(st.lists(st.text(cjk, min_size=1, max_size=5), min_size=1, max_size=3), st.sampled_from(list(v.DOT_LOOKALIKES)))
def test_cjk_names_with_any_dot_normalise_idempotently_and_keep_their_length(parts, dot) -> None:
    raw = dot.join(parts)
    clean = v.normalize_name(raw)
    assert len(clean) == len(raw)
    assert v.normalize_name(clean) == clean
    assert dot == "·" or dot not in clean


@given(st.text(max_size=60))
def test_the_name_key_is_what_the_validator_stores(text: str) -> None:
    key = v.name_key(text)
    assert v.name_key(key) == key
    with contextlib.suppress(ValidationError):
        assert v.normalize_name(text) == key


@given(st.text(max_size=60))
def test_names_never_crash_on_any_text(text: str) -> None:
    with contextlib.suppress(ValidationError):
        v.normalize_name(text)


# --- certificate numbers -------------------------------------------------------------------


def test_the_18_digit_layout_is_parsed_and_checked_against_school_and_year() -> None:
    cert = v.parse_certificate_number("106141201505001223")
    assert (cert.layout, cert.school_code, cert.education_type, cert.year, cert.level, cert.serial) == (
        "2002",
        "10614",
        "1",
        2015,
        "05",
        "001223",
    )
    ok = v.validate_certificate_number("106141201505001223", institution_code="10614", graduation_year=2015, level="05")
    assert ok == "106141201505001223"
    check = v.validate_certificate_number
    assert code_of(check, "106141201505001223", institution_code="10001", graduation_year=2015) == "school"
    assert code_of(check, "106141201505001223", institution_code="10614", graduation_year=2016) == "year"
    assert code_of(check, "106141201505001223", institution_code="10614", graduation_year=2015, level="06") == "level"
    assert code_of(check, "106143201505001223", institution_code="10614", graduation_year=2015) == "education_type"
    assert code_of(check, "NO.00298959", institution_code="10614", graduation_year=2015) == "layout"


def test_2001_self_study_and_legacy_layouts() -> None:
    assert v.parse_certificate_number("10614120010500123").layout == "2001"
    assert v.parse_certificate_number("65136100123456789").layout == "self_study"
    assert v.parse_certificate_number("NO.00298959").layout == "legacy"
    assert v.validate_certificate_number("NO.00298959", institution_code="10614", graduation_year=1998) == "NO.00298959"
    assert code_of(v.parse_certificate_number, "<b>号</b>") == "format"


@pytest.mark.parametrize(
    "variant", ["NO.00298959", "00298959", "298959", "No. 298959", "no.298959", "№00298959", "ＮＯ．００２９８９５９"]
)
def test_pre_2001_numbers_match_with_or_without_no_and_zeros(variant) -> None:
    assert v.certificate_key(variant) == "298959"


@given(
    st.sampled_from(["10001", "10614", "90001"]),
    st.sampled_from("1567"),
    st.integers(2002, 2026),
    st.sampled_from(["01", "02", "04", "05", "06"]),
    st.integers(1, 999_999),
)
def test_built_numbers_parse_back(school, kind, year, level, serial) -> None:
    number = v.build_certificate_number(school_code=school, education_type=kind, year=year, level=level, serial=serial)
    cert = v.parse_certificate_number(number)
    assert (cert.school_code, cert.education_type, cert.year, cert.level, int(cert.serial)) == (
        school,
        kind,
        year,
        level,
        serial,
    )
    assert v.certificate_key(number) == number


@given(st.integers(1, 99_999_999), st.integers(0, 4), st.sampled_from(["", "NO.", "No.", "NO "]))
def test_padding_and_prefix_never_change_the_key(serial, zeros, prefix) -> None:
    assert v.certificate_key(f"{prefix}{'0' * zeros}{serial}") == str(serial)


# --- exam numbers, phones, email -----------------------------------------------------------


def test_exam_numbers_have_14_digits() -> None:
    assert v.normalize_exam_number("２６１１０１０１１２３４５６") == "26110101123456"
    assert code_of(v.normalize_exam_number, "2611010112345") == "format"


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "86-13800138000", "１３８００１３８０００"])
def test_mainland_mobiles_are_normalised(raw) -> None:
    assert v.normalize_mobile(raw) == "13800138000"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("010-62751234", "landline"), ("+1 650 253 0000", "invalid"), ("12345", "invalid"), ("abc", "format")],
)
def test_other_numbers_are_refused(raw, code) -> None:
    assert code_of(v.normalize_mobile, raw) == code


@given(
    st.sampled_from(["130", "135", "138", "139", "150", "158", "177", "186", "189", "199"]), st.integers(0, 99_999_999)
)
def test_numbers_on_mobile_prefixes_are_accepted(prefix, rest) -> None:
    number = f"{prefix}{rest:08d}"
    assert v.normalize_mobile(number) == number


def test_email_domains_are_lower_cased_and_bad_addresses_refused() -> None:
    assert v.normalize_email(" Zhang.San@Example.COM ") == "Zhang.San@example.com"
    with pytest.raises(ValidationError):
        v.normalize_email("not-an-email")
