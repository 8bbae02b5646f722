"""Realistic synthetic data for development and demos (never for production).

Identities are valid, checksummed resident IDs of people who do not exist; institutions
and major codes are real; about one name in fifty carries a rare character from the
supplementary planes and one in thirty is a minority name with the middle dot, so that
every part of the stack meets them early.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pyotp
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from faker import Faker
from PIL import Image, ImageDraw

from xuedang.accounts.models import User
from xuedang.accounts.services import membership_grant, user_create
from xuedang.accounts.services.two_factor import totp_enable
from xuedang.core import validators
from xuedang.core.codetables import code_choices
from xuedang.institutions.models import Institution, Scope
from xuedang.institutions.services import president_appoint
from xuedang.registry import services
from xuedang.registry.models import Enrollment, Photo
from xuedang.supervision.selectors import Periods
from xuedang.supervision.services import figures_refresh

DEMO_PASSWORD = "Xuedang-demo-2026"  # noqa: S105 — published demo login, demo data only
# Staff sign in with two factors; the demo staff share this published authenticator key.
DEMO_TOTP_SECRET = "XUEDANGDEMOSTAFFTOTPKEYDEMOONLY2"  # noqa: S105 — published, demo data only


def demo_totp_code() -> str:
    """The demo staff's current authenticator code (what an app loaded with DEMO_TOTP_SECRET shows)."""
    return pyotp.TOTP(DEMO_TOTP_SECRET).now()


RARE_CHARACTERS = "𠮷𡒄𪚥𬱖𬌗𬸚𫗧𬍛䶮"
MINORITY_GIVEN = ["阿依古丽", "买买提", "古丽娜尔", "艾力", "热依拉", "扎西", "卓玛", "巴特尔", "其其格"]
DEMO_SCHOOLS = ["10001", "10003", "10246", "10384", "10558", "10610", "10698", "11078", "12121", "13023"]
TODAY = date(2026, 11, 24)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    where: str


def demo_name(n: int, fake: Faker, rng: random.Random) -> str:
    """Every 50th person has a rare character, every 30th a minority name (deterministic)."""
    if n % 50 == 7:
        return fake.last_name() + RARE_CHARACTERS[(n // 50) % len(RARE_CHARACTERS)]
    if n % 30 == 3:
        return f"{rng.choice(MINORITY_GIVEN)}·{rng.choice(MINORITY_GIVEN)}"
    return fake.name()


def demo_photo() -> bytes:
    """A 480×640 JPEG on the blue background graduation photos use."""
    image = Image.new("RGB", (480, 640), (67, 142, 219))
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 120, 330, 330), fill=(235, 205, 180))
    draw.rectangle((100, 360, 380, 640), fill=(40, 40, 60))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


STAFF = [
    ("中心管理员 / centre admin", "centre", Scope.CENTRE, "user_admin", "", None),
    ("中心审计员 / centre auditor", "centre", Scope.CENTRE, "auditor", "", None),
    ("省级审核员 / province approver (北京)", "province11", Scope.PROVINCE, "approver", "11", None),
    # 转学 into 复旦大学 is approved by 上海 (decision 0008)
    ("省级审核员 / province approver (上海)", "province31", Scope.PROVINCE, "approver", "31", None),
    ("高校注册员 / registrar (北京大学)", "registrar10001", Scope.INSTITUTION, "registrar", "", "10001"),
    ("高校注册员 / registrar (复旦大学)", "registrar10246", Scope.INSTITUTION, "registrar", "", "10246"),
    # 学历认证 is decided by the centre's approvers; 自考 credentials registered by a province's 自考办
    ("中心认证审核员 / centre authentication reviewer", "reviewer", Scope.CENTRE, "approver", "", None),
    ("自考办注册员 / self-study office registrar (北京)", "zikao11", Scope.SELF_STUDY, "registrar", "11", None),
]


def seed_staff() -> None:
    """Demo staff: one login per role and scope."""
    for _, username, scope, role, province, school in STAFF:
        user = User.objects.filter(username=username).first() or user_create(
            actor=None, username=username, password=DEMO_PASSWORD, real_name="演示工作人员", is_staff=True
        )
        if not user.totp_enabled_at:
            totp_enable(user=user, secret=DEMO_TOTP_SECRET, code=demo_totp_code())
        institution = Institution.objects.get(code=school) if school else None
        membership_grant(
            actor=None,
            user=user,
            scope=scope,
            role=role,
            province_code=province,
            institution=institution,
            reason="演示数据 / demo data",
        )


def demo_logins() -> list[DemoLogin]:
    """The demo logins that exist, for `make run` to print (reads only)."""
    logins = [
        DemoLogin(label, username, DEMO_PASSWORD, reverse("registry:enrollment_list"))
        for label, username, *_ in STAFF
        if User.objects.filter(username=username).exists()
    ]
    student = User.objects.filter(username="student").first()
    if student:
        logins.append(
            DemoLogin(f"学生 / student ({student.real_name})", "student", DEMO_PASSWORD, reverse("archive:home"))
        )
    first: dict[str, DemoLogin] = {}
    for login in logins:
        first.setdefault(login.username, login)
    return list(first.values())


def seed_presidents(fake: Faker) -> None:
    for code in DEMO_SCHOOLS:
        institution = Institution.objects.get(code=code)
        if institution.presidents.exists():
            continue
        president_appoint(institution=institution, name=fake.name(), start_date=date(2013, 3, 1))
        president_appoint(institution=institution, name=fake.name(), start_date=date(2022, 1, 10))


def _majors() -> list[tuple[str, str]]:
    return [(code, label.split(" / ")[0]) for code, label in code_choices("major")]


def seed_students(count: int, *, seed: int = 2026) -> int:
    """Register `count` students at the demo schools, with their history up to today."""
    rng = random.Random(seed)  # noqa: S311 — reproducible demo data, not secrets
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    seed_presidents(fake)
    majors = _majors()
    schools = {code: Institution.objects.get(code=code) for code in DEMO_SCHOOLS}
    photo = demo_photo()
    start = Enrollment.objects.count()
    for n in range(start, start + count):
        with transaction.atomic():
            _seed_one(n, rng, fake, rng.choice(list(schools.values())), rng.choice(majors), photo)
    # the supervision dashboards as of the demo's day (celery beat recounts them from then on)
    figures_refresh(periods=Periods.on(TODAY, timezone.now()))
    return count


def _seed_one(
    n: int, rng: random.Random, fake: Faker, school: Institution, major: tuple[str, str], photo: bytes
) -> Enrollment:
    entry_year = rng.randint(2018, 2026)
    birth = date(entry_year - 18, rng.randint(1, 12), rng.randint(1, 28))
    province = rng.choice([p for p in validators.PROVINCE_CODES if p < "70"])
    number = validators.compose_resident_id(f"{province}0102", birth, rng.randint(1, 999))
    identity = services.identity_validate(
        name=demo_name(n, fake, rng),
        gender=validators.gender_from_resident_id(number),
        birth_date=birth,
        ethnicity="01" if n % 30 != 3 else rng.choice(["05", "04", "03"]),
        document_type="resident_id",
        document_number=number,
    )
    entry = date(entry_year, 9, 1)
    enrollment = services.enrollment_register(
        actor=None,
        institution=school,
        student_number=f"{entry_year}{n:06d}",
        identity=identity,
        major_code=major[0],
        major_name=major[1],
        level="05",
        study_form="1",
        length_years=Decimal(4),
        entry_date=entry,
        expected_graduation_date=date(entry_year + 4, 7, 1),
        department=f"{major[1]}系",
        class_name=f"{major[1]}{entry_year % 100}级{rng.randint(1, 4)}班",
        reason="演示数据 / demo data",
    )
    _seed_history(enrollment, rng, photo)
    return enrollment


def _semester_start(institution: Institution, year: int) -> None:
    """Each institution's first-semester start of the year, recorded once (学年注册 is due a month later)."""
    if not institution.semester_starts.filter(academic_year=year).exists():
        day = date(year, 9, 1 + int(institution.code) % 7)
        services.semester_start_record(actor=None, institution=institution, academic_year=year, starts_on=day)


def _seed_history(enrollment: Enrollment, rng: random.Random, photo: bytes) -> None:
    entry_year = enrollment.entry_date.year
    for year in range(entry_year, min(entry_year + 4, TODAY.year + (TODAY.month >= 9))):
        _semester_start(enrollment.institution, year)
        registered_on = date(year, 9, rng.randint(10, 28))
        if year == TODAY.year and enrollment.pk % 3 == 0:
            continue  # one in three has not registered this year: the province's dashboard shows them
        services.annual_registration_record(
            actor=None,
            enrollment=enrollment,
            academic_year=year,
            status="registered",
            registered_on=registered_on,
        )
    if rng.random() < 0.02 and enrollment.is_active:
        services.enrollment_change_record(
            actor=None,
            enrollment=enrollment,
            change_code="11",
            change_date=date(entry_year + 1, 3, 1),
            changes={"state": "suspended"},
            reason="疾病 / illness",
            decision_number="校〔2022〕1号",
        )
        return
    graduation = date(entry_year + 4, 7, 1)
    if graduation <= TODAY:
        picture = services.photo_register(
            actor=None, enrollment=enrollment, purpose=Photo.Purpose.GRADUATION, image=photo
        )
        credential = services.credential_register(
            actor=None, enrollment=enrollment, kind="graduation", study_end=graduation, photo=picture
        )
        services.credential_publish(actor=None, credential=credential, today=TODAY)


def seed_student_login() -> None:
    """A student account whose real-name identity matches a demo graduate (so the archive shows a
    学籍 and a published 学历 to make verification reports from); its identity counts as checked,
    as after a real-person check, and its records are bound."""
    from django.utils import timezone

    from xuedang.archive.services import bindings_refresh

    enrollment = (
        Enrollment.objects.filter(credential__state="published").order_by("pk").first()
        or Enrollment.objects.order_by("pk").first()
    )
    if enrollment and not User.objects.filter(username="student").exists():
        user = user_create(
            actor=None,
            username="student",
            password=DEMO_PASSWORD,
            real_name=enrollment.name,
            document_type=enrollment.document_type,
            document_number=enrollment.document_number,
        )
        user.identity_checked_at = timezone.now()
        user.save(update_fields=["identity_checked_at"])
        bindings_refresh(user=user)
