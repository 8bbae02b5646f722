"""Validators for the national data standards (DESIGN.md §3). Pure functions, no database.

Each `normalize_*` returns the canonical form or raises `ValidationError` whose message is
"中文 / English" and names exactly what is wrong, so that forms, import reports and the API
can show it as it is.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

PROVINCE_CODES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}
MAINLAND_PROVINCES = frozenset(code for code in PROVINCE_CODES if code < "70")
HMT_PERMIT_PREFIXES = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)
# Full-width digits and letters as typed on Chinese input methods.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def to_half_width(value: str) -> str:
    return value.translate(_FULL_WIDTH)


# --- Resident ID (GB 11643-1999) -------------------------------------------------------------


def resident_id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits."""
    if len(first17) != len(WEIGHTS):
        raise ValueError("the check digit is computed over exactly 17 digits")
    return CHECK_CHARS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def _birth_date(text: str, *, today: date | None) -> date:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as error:
        raise _error(
            f"出生日期“{text}”不是有效日期 / the birth date {text} is not a valid date", "birth_date"
        ) from error
    if born > (today or date.today()):  # noqa: DTZ011 — a calendar date, not an instant
        raise _error(f"出生日期“{text}”晚于今天 / the birth date {text} is in the future", "birth_future")
    if born < EARLIEST_BIRTH:
        raise _error(f"出生日期“{text}”早于 1900 年 / the birth date {text} is before 1900", "birth_past")
    return born


_EIGHTEEN = re.compile(r"\d{17}[\dX]")


def _check_18(number: str, *, what: str, what_en: str) -> None:
    if not _EIGHTEEN.fullmatch(number):
        raise _error(f"{what}应为 17 位数字加 1 位数字或 X / {what_en} must be 17 digits and a digit or X", "format")
    expected = resident_id_check_digit(number[:17])
    if number[17] != expected:
        raise _error(
            f"{what}校验位错误，应为 {expected} / the check digit is wrong; expected {expected}", "check_digit"
        )


def convert_15_to_18(number: str) -> str:
    """Legacy 15-digit IDs: births in the 1900s, no check digit."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + resident_id_check_digit(first17)


def _clean(value: str) -> str:
    if value != value.strip():
        value = value.strip()
    return to_half_width(value).upper()


def normalize_resident_id(value: str, *, today: date | None = None) -> str:
    """A resident ID as 18 upper-case characters; 15-digit IDs converted.

    The 6-digit area code is not looked up: codes are retired every year and old IDs stay valid.
    """
    number = _clean(value)
    if not number:
        raise _error("请填写身份证号码 / the resident ID number is required", "required")
    if re.fullmatch(r"\d{15}", number):
        number = convert_15_to_18(number)
    elif len(number) != 18:
        raise _error(
            f"身份证号码应为 18 位（或旧式 15 位），实际 {len(number)} 位 / a resident ID has "
            f"18 characters (or 15 for old cards), not {len(number)}",
            "length",
        )
    _check_18(number, what="身份证号码", what_en="a resident ID")
    if number[:2] not in PROVINCE_CODES or number[:2] == "71":
        raise _error(
            f"身份证号码前两位“{number[:2]}”不是有效的省级代码 / the first two digits "
            f"{number[:2]} are not a province code",
            "province",
        )
    _birth_date(number[6:14], today=today)
    return number


def gender_from_resident_id(number: str) -> str:
    """GB/T 2261.1 gender code from the sequence digit: odd 1 (male), even 2 (female)."""
    return "1" if int(number[16]) % 2 else "2"


def birth_date_from_resident_id(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def compose_resident_id(area_code: str, birth: date, sequence: int) -> str:
    """A checksummed 18-character ID (for demo data and tests)."""
    first17 = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_digit(first17)


# --- Other identity documents ----------------------------------------------------------------


def normalize_foreign_permanent_id(value: str, *, today: date | None = None) -> str:
    """外国人永久居留身份证 (2023): 9 + province (2) + nationality (3) + birth (8) + seq (3) + check."""
    number = _clean(value)
    if len(number) != 18 or not number.startswith("9"):
        raise _error(
            "外国人永久居留身份证号码应为以 9 开头的 18 位 / a foreign permanent residence ID "
            "has 18 characters starting with 9",
            "format",
        )
    _check_18(number, what="永久居留身份证号码", what_en="a permanent residence ID")
    if number[1:3] not in MAINLAND_PROVINCES:
        raise _error(f"受理地代码“{number[1:3]}”无效 / the issuing province {number[1:3]} is not valid", "province")
    _birth_date(number[6:14], today=today)
    return number


def normalize_hmt_permit(value: str, *, today: date | None = None) -> str:
    """港澳台居民居住证: the resident-ID layout with 810000, 820000 or 830000 first."""
    number = _clean(value)
    if len(number) != 18 or number[:6] not in HMT_PERMIT_PREFIXES:
        raise _error(
            "港澳台居民居住证号码应为以 810000、820000 或 830000 开头的 18 位 / a residence "
            "permit number has 18 characters starting 810000, 820000 or 830000",
            "format",
        )
    _check_18(number, what="居住证号码", what_en="a residence permit number")
    _birth_date(number[6:14], today=today)
    return number


def normalize_hk_macao_permit(value: str) -> str:
    """港澳居民来往内地通行证: H (Hong Kong) or M (Macao) and 8 digits (10 on cards before 2013)."""
    number = _clean(value).replace(" ", "")
    if not re.fullmatch(r"[HM]\d{8}(\d{2})?", number):
        raise _error(
            "港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字 / a Mainland travel permit for Hong Kong and "
            "Macao residents is H or M and 8 digits",
            "format",
        )
    return number


def normalize_taiwan_permit(value: str) -> str:
    """台湾居民来往大陆通行证: 8 digits (10 on booklets before 2015)."""
    number = _clean(value).replace(" ", "")
    if not re.fullmatch(r"\d{8}(\d{2})?", number):
        raise _error(
            "台湾居民来往大陆通行证号码应为 8 位数字 / a Mainland travel permit for Taiwan residents has 8 digits",
            "format",
        )
    return number


def identify_document(document_type: str, number: str, *, today: date | None = None) -> tuple[str, str]:
    """(type, number) as normalised; an 18-character number beginning with 9 typed as a resident
    ID is the 2023 外国人永久居留身份证 (resident IDs never begin with 9), so it is read as one
    instead of refused."""
    if document_type == "resident_id" and _clean(number).startswith("9") and len(_clean(number)) == 18:
        return "foreign_permanent", normalize_foreign_permanent_id(number, today=today)
    return document_type, normalize_document(document_type, number, today=today)


def normalize_passport(value: str) -> str:
    number = _clean(value).replace(" ", "")
    if not re.fullmatch(r"[A-Z0-9]{5,20}", number):
        raise _error("护照号码应为 5–20 位字母或数字 / a passport number has 5 to 20 letters or digits", "format")
    return number


def normalize_document(document_type: str, number: str, *, today: date | None = None) -> str:
    if document_type == "resident_id":
        return normalize_resident_id(number, today=today)
    if document_type == "foreign_permanent":
        return normalize_foreign_permanent_id(number, today=today)
    if document_type == "hmt_permit":
        return normalize_hmt_permit(number, today=today)
    if document_type == "passport":
        return normalize_passport(number)
    if document_type == "hk_macao_permit":
        return normalize_hk_macao_permit(number)
    if document_type == "taiwan_permit":
        return normalize_taiwan_permit(number)
    raise _error(f"证件类型“{document_type}”无效 / unknown document type {document_type!r}", "document_type")


# --- Names (GB 18030-2022) -------------------------------------------------------------------

MIDDLE_DOT = "·"
DOT_LOOKALIKES = "・･•‧∙⋅·ᐧ⸱ꞏ•∘●"
_DOT_TABLE = {ord(c): MIDDLE_DOT for c in DOT_LOOKALIKES}
_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EE5F),
    (0x2F800, 0x2FA1F),
    (0x30000, 0x323AF),
    (0x3007, 0x3007),
)
_LATIN_PUNCT = " '-.’"


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def _is_latin(ch: str) -> bool:
    return ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN")


def name_key(value: str) -> str:
    """A name as typed, in the form names are stored: the one comparison every lookup, binding and
    import match uses (a typed name meets a stored one). Never raises; validation is
    `normalize_name`, which applies exactly this first.

    NFC (so "José" typed with a combining accent is the stored "José"), full-width Latin letters
    and spaces of Chinese input methods to ASCII, every look-alike of the middle dot (• ・ ‧ …) to
    "·", and no surrounding spaces.
    """
    return unicodedata.normalize("NFC", to_half_width(value)).translate(_DOT_TABLE).strip()


# What a person may type for the middle dot of a minority name, or leave out: after name_key every
# look-alike is "·", and a full stop (. or full-width ．) is "."; name_match_key drops both.
_MATCH_DROP = {ord(MIDDLE_DOT): None, ord("."): None}


def name_match_key(value: str) -> str:
    """The key a typed name is compared by in 零散查询 and manual binding: name_key without the
    middle dot or a full stop standing in for it, so 买买提艾力, 买买提.艾力 and 买买提・艾力 all meet
    买买提·艾力 (a dot tells no two people apart; every other character still must agree)."""
    return name_key(value).translate(_MATCH_DROP)


def normalize_name(value: str, *, max_length: int = 50) -> str:
    """A person's name: CJK of every plane, · for minority names, Latin for foreign students."""
    name = name_key(value)
    if not name:
        raise _error("请填写姓名 / the name is required", "required")
    if len(name) > max_length:
        raise _error(
            f"姓名不能超过 {max_length} 个字（实际 {len(name)}）/ the name is longer than {max_length} characters",
            "too_long",
        )
    for ch in name:
        if not (_is_cjk(ch) or _is_latin(ch) or ch == MIDDLE_DOT or ch in _LATIN_PUNCT):
            shown = f"U+{ord(ch):04X}" if unicodedata.category(ch)[0] in "CZ" else ch
            raise _error(
                f"姓名含有不允许的字符“{shown}” / the name contains a character that is not allowed ({shown})",
                "character",
            )
    if name.startswith(MIDDLE_DOT) or name.endswith(MIDDLE_DOT) or MIDDLE_DOT * 2 in name:
        raise _error("间隔号“·”不能在姓名首尾或连续出现 / the middle dot cannot start, end or repeat", "dot")
    if "  " in name:
        raise _error("姓名中不能有连续空格 / the name has consecutive spaces", "spaces")
    return name


# --- Certificate numbers ---------------------------------------------------------------------

EDUCATION_TYPES = frozenset("1567")
LEVELS = frozenset({"01", "02", "04", "05", "06"})
_PREFIX = re.compile(r"^(NO|№)[.:：。]?\s*")


@dataclass(frozen=True)
class CertificateNumber:
    layout: str  # "2002", "2001", "self_study" or "legacy"
    number: str
    school_code: str = ""
    education_type: str = ""
    year: int | None = None
    level: str = ""
    serial: str = ""


def _compact(value: str) -> str:
    return re.sub(r"\s+", "", to_half_width(value.strip())).upper()


def parse_certificate_number(value: str) -> CertificateNumber:
    number = _compact(value)
    if not number:
        raise _error("请填写证书编号 / the certificate number is required", "required")
    if re.fullmatch(r"\d{18}", number):
        return CertificateNumber("2002", number, number[:5], number[5], int(number[6:10]), number[10:12], number[12:])
    if re.fullmatch(r"\d{17}", number) and number[6:10] in ("2001", "2002"):
        return CertificateNumber("2001", number, number[:5], number[5], int(number[6:10]), number[10:12], number[12:])
    if re.fullmatch(r"\d{17}", number):
        return CertificateNumber("self_study", number, education_type=number[0], level=number[1])
    legacy = _PREFIX.sub("", number)
    if not re.fullmatch(r"[0-9A-Z\-]{1,30}", legacy):
        raise _error(
            f"证书编号“{value.strip()[:40]}”格式无法识别 / the certificate number is not in a known format", "format"
        )
    return CertificateNumber("legacy", number)


def validate_certificate_number(
    value: str,
    *,
    institution_code: str,
    graduation_year: int,
    level: str | None = None,
) -> str:
    """Check a supplied number against the issuing school, the year and the level."""
    cert = parse_certificate_number(value)
    if cert.layout not in ("2002", "2001"):
        if graduation_year >= 2002:
            raise _error("2002 年起的证书编号应为 18 位数字 / certificates since 2002 have 18 digits", "layout")
        return cert.number
    if cert.school_code != institution_code:
        raise _error(
            f"证书编号前 5 位“{cert.school_code}”应为本校代码 {institution_code} / the first "
            f"five digits must be the institution code {institution_code}",
            "school",
        )
    if cert.education_type not in EDUCATION_TYPES:
        raise _error(
            f"第 6 位办学类型“{cert.education_type}”无效（应为 1、5、6、7）/ digit 6 (type "
            "of education) must be 1, 5, 6 or 7",
            "education_type",
        )
    if cert.year != graduation_year:
        raise _error(
            f"证书编号中的年份 {cert.year} 与毕业年份 {graduation_year} 不符 / the year in "
            f"the number ({cert.year}) is not the graduation year",
            "year",
        )
    if cert.level not in LEVELS or (level and cert.level != level):
        raise _error(f"证书编号中的层次代码“{cert.level}”不符 / the level digits {cert.level} do not match", "level")
    return cert.number


SELF_STUDY_LEVELS = {"5": "05", "6": "06"}  # the one-digit level of a 自考 number: 本科, 专科


def validate_self_study_number(value: str, *, province_code: str, graduation_year: int, level: str) -> str:
    """Check a 17-digit 自考 certificate number (REFERENCE.md): 办学类型 6 (1) + level (1) +
    province (2) + city (2) + county (2) + year (2) + sitting (1) + candidate serial (5) + check (1).

    The check digit's algorithm is not published, so it is not verified (docs/decisions/0029);
    every other part must agree with the registering province, the graduation year and the level.
    """
    number = _compact(value)
    if not number:
        raise _error("请填写证书编号 / the certificate number is required", "required")
    if not re.fullmatch(r"\d{17}", number):
        raise _error(
            f"自考证书编号“{value.strip()[:40]}”应为 17 位数字 / a self-study certificate number has 17 digits",
            "layout",
        )
    if number[0] != "6":
        raise _error(
            f"第 1 位办学类型“{number[0]}”应为 6（自考）/ digit 1 (type of education) must be 6 for self-study",
            "education_type",
        )
    if SELF_STUDY_LEVELS.get(number[1]) != level:
        raise _error(
            f"第 2 位层次代码“{number[1]}”与层次不符（本科 5，专科 6）/ digit 2 (level) does not match the level "
            "(5 bachelor, 6 junior college)",
            "level",
        )
    if number[2:4] != province_code:
        raise _error(
            f"第 3–4 位省份代码“{number[2:4]}”应为 {province_code} / "
            f"digits 3–4 must be the province code {province_code}",
            "province",
        )
    if number[8:10] != f"{graduation_year % 100:02d}":
        raise _error(
            f"第 9–10 位年份“{number[8:10]}”与毕业年份 {graduation_year} 不符 / "
            "digits 9–10 are not the graduation year",
            "year",
        )
    if number[10] == "0":
        raise _error("第 11 位考试次数不能为 0 / digit 11 (sitting) cannot be 0", "sitting")
    return number


def check_lookup_certificate_number(value: str) -> str:
    """A certificate number as typed into 零散查询, checked for form only (any layout, any school):
    what is wrong is named, so a typo is told apart from a number that names nothing."""
    number = _compact(value)
    if not number:
        raise _error("请填写证书编号 / enter the certificate number", "required")
    bare = _PREFIX.sub("", number)
    for ch in bare:
        if not (ch.isascii() and (ch.isalnum() or ch == "-")):
            shown = f"U+{ord(ch):04X}" if unicodedata.category(ch)[0] in "CZ" else ch
            raise _error(
                f"证书编号只能含数字、字母和“-”，不能含“{shown}” / a certificate number has only digits, "
                f"letters and “-”, not “{shown}”",
                "character",
            )
    if bare.isdigit() and len(bare) > 18:
        raise _error(
            f"证书编号最多 18 位数字（实际 {len(bare)} 位）/ a certificate number has at most 18 digits "
            f"({len(bare)} typed)",
            "length",
        )
    if len(bare) > 30:
        raise _error(
            f"证书编号最多 30 个字符（实际 {len(bare)} 个）/ a certificate number has at most 30 characters "
            f"({len(bare)} typed)",
            "length",
        )
    return number


def certificate_key(value: str) -> str:
    """A matching key: "NO.00298959", "00298959" and "298959" give the same key."""
    number = _compact(value)
    if re.fullmatch(r"\d{17,18}", number):
        return number
    number = _PREFIX.sub("", number)
    return number.lstrip("0") or "0" if number.isdigit() else number


def build_certificate_number(*, school_code: str, education_type: str, year: int, level: str, serial: int) -> str:
    if not 0 < serial < 1_000_000:
        raise _error("证书流水号超出范围 / the serial is out of range", "serial")
    return f"{school_code}{education_type}{year:04d}{level}{serial:06d}"


# --- Contact and admission numbers -----------------------------------------------------------


def normalize_exam_number(value: str) -> str:
    """考生号: 14 digits."""
    number = to_half_width(value.strip())
    if not re.fullmatch(r"\d{14}", number):
        raise _error(f"考生号应为 14 位数字（实际“{number[:20]}”）/ a candidate number has 14 digits", "format")
    return number


def normalize_mobile(value: str) -> str:
    """A mainland mobile number as its 11 digits."""
    text = to_half_width(value.strip())
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as error:
        raise _error("手机号码格式不正确 / the mobile number is not valid", "format") from error
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise _error("请填写有效的中国大陆手机号码 / enter a valid mainland China mobile number", "invalid")
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise _error("请填写手机号码，而非固定电话 / enter a mobile, not a landline number", "landline")
    return str(parsed.national_number)


def normalize_any_mobile(value: str) -> str:
    """A person's own mobile (第三条: international and 港澳台 students too): a mainland number as
    its 11 digits (exactly as `normalize_mobile`), any other country's mobile as E.164 ("+852…"),
    typed with its "+" or "00" country prefix."""
    text = to_half_width(value.strip()).replace(" ", "").replace("-", "")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+") or text.startswith("+86"):
        return normalize_mobile(value)
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as error:
        raise _error("手机号码格式不正确 / the mobile number is not valid", "format") from error
    if not phonenumbers.is_valid_number(parsed):
        raise _error(
            "请填写有效的手机号码（境外号码请带国家或地区代码，如 +852）/ enter a valid mobile number "
            "(outside the mainland with its country code, e.g. +852)",
            "invalid",
        )
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise _error("请填写手机号码，而非固定电话 / enter a mobile, not a landline number", "landline")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_email = EmailValidator(message="电子邮箱格式不正确 / the email address is not valid")


def normalize_email(value: str) -> str:
    email = value.strip()
    if len(email) > 254:
        raise _error("电子邮箱过长 / the email address is too long", "too_long")
    _email(email)
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"
