"""身份核验 — the questions before an account first opens its archive (decision 0017).

The archive's, not the accounts': the right answers come from the registry's records, and the
questions guard the archive's door. The account keeps only the fact that it passed
(`User.identity_checked_at`, through `accounts.services.users.identity_checked_mark`).

Someone who registers with a stolen ID number knows the number, the birth date and the home
province, but not where its owner studied, what, or the owner's student number. One record
under the account's identity digest *and* name is asked about, all at once:

- the institution (1 of 10: the right one and 9 others of its province and kind first),
- the major (1 of 10: the right one and 9 majors of the same level),
- the year of entry (1 of 6 consecutive years),
- and, typed, the student number (学号; a graduate may type the certificate number instead),
  or for an admission alone the candidate number (考生号).

An answer passes only when all four are right, and a wrong answer never says which part was
wrong. The options are drawn once per identity and kept (only their order changes): decoys
drawn afresh after a failure would betray the answer as the option every draw shares.
`CHALLENGE_FAILURES` wrong answers in total — summed over every account that has held the
identity, never reset — close the questions for good; the person then uses the identity
appeal (staff compare the person with the document), and whoever the records' owner may be
(an account bound to them, someone who appealed for the same ID) is told.

An account with no records under its ID and name has nothing to protect yet: it is not
marked as checked (records may arrive later, e.g. a new student's school registers them),
the page says so, and the questions are asked once records exist.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xuedang.accounts.models import IdentityAppeal, IdentityChallenge, User
from xuedang.accounts.notify import notify
from xuedang.accounts.services.users import identity_checked_mark
from xuedang.archive.models import Binding
from xuedang.archive.selectors import CHALLENGE_FAILURES, challenge_failures, true_institutions
from xuedang.core.audit import audit_log
from xuedang.core.codetables import read_table
from xuedang.institutions.models import Institution
from xuedang.registry.models import Admission, Credential, Enrollment

SCHOOL_OPTIONS = 10
MAJOR_OPTIONS = 10
YEAR_OPTIONS = 6

EXHAUSTED = (
    "身份核验的回答次数已用完，请通过证件号申诉（人工核对本人与证件）核验身份。/ No answers are left "
    "for the identity check; please use the identity appeal, where staff compare you with your ID."
)


@dataclass(frozen=True)
class Question:
    """What the page shows: the options of each question, and which number to type."""

    schools: list[str]
    majors: list[str]
    years: list[int]
    number_kind: str  # "student" (学号 or certificate number) | "candidate" (考生号)


def _records(user: User) -> list[Admission | Enrollment]:
    """The records the questions may be about: enrollments under the identity and name (or
    whose credential is), else admissions that never became an enrollment."""
    mine: dict[str, Any] = {"identity_digest": user.identity_digest, "name": user.real_name}
    enrollment_ids = set(Enrollment.objects.filter(**mine).values_list("pk", flat=True))
    enrollment_ids |= set(Credential.objects.filter(**mine).values_list("enrollment_id", flat=True))
    enrollments = list(Enrollment.objects.filter(pk__in=enrollment_ids).select_related("institution"))
    if enrollments:
        return list(enrollments)
    return list(Admission.objects.filter(**mine).select_related("institution"))


def _record(user: User, options: Any) -> Admission | Enrollment | None:
    """The record the kept options are about, if it is still one of the account's."""
    if not isinstance(options, dict):
        return None  # drawn by the single-question version: draw again
    for record in _records(user):
        if [record._meta.model_name, record.pk] == options.get("record"):
            return record
    return None


def _entry_year(record: Admission | Enrollment) -> int:
    return record.entry_date.year if isinstance(record, Enrollment) else record.year


def _school_decoys(rng: random.SystemRandom, answer: Institution, truth: set[str]) -> list[str]:
    """Decoys like the answer: its province and its kind (本科 or 专科) first, then its province,
    then anywhere. Students mostly study near home (the ID shows the home province), so decoys
    from far away, or of another kind, would point at the right answer."""
    picked: list[str] = []
    others = Institution.objects.filter(active=True).exclude(code__in=truth)
    for tier in (
        others.filter(province_code=answer.province_code, level=answer.level),
        others.filter(province_code=answer.province_code),
        others,
    ):
        wanted = SCHOOL_OPTIONS - 1 - len(picked)
        pool = sorted(set(tier.values_list("code", flat=True)) - set(picked))
        picked += rng.sample(pool, min(wanted, len(pool)))
    return picked


def _true_majors(user: User) -> set[str]:
    mine: dict[str, Any] = {"identity_digest": user.identity_digest, "name": user.real_name}
    names: set[str] = set()
    for model in (Admission, Enrollment, Credential):
        names |= set(model.objects.filter(**mine).values_list("major_name", flat=True))
    return names


def _major_decoys(rng: random.SystemRandom, record: Admission | Enrollment, truth: set[str]) -> list[str]:
    """Majors other people study at the same level (so the answer does not stand out as the
    only common one), topped up from the national catalogue when the registry is young."""
    wanted = MAJOR_OPTIONS - 1
    registered = set(
        Enrollment.objects.filter(level=record.level).values_list("major_name", flat=True).distinct()[:2000]
    )
    pool = sorted(registered - truth)
    picked = rng.sample(pool, min(wanted, len(pool)))
    if len(picked) < wanted:
        catalogue = sorted({row["name_zh"] for row in read_table("major")} - truth - set(picked))
        picked += rng.sample(catalogue, wanted - len(picked))
    return picked


def _draw(user: User) -> dict[str, Any] | None:
    records = _records(user)
    if not records:
        return None
    rng = random.SystemRandom()
    record = rng.choice(records)
    year = _entry_year(record)
    first = year - rng.randrange(YEAR_OPTIONS)
    return {
        "record": [record._meta.model_name, record.pk],
        "schools": [record.institution.code, *_school_decoys(rng, record.institution, true_institutions(user))],
        "majors": [record.major_name, *_major_decoys(rng, record, _true_majors(user))],
        "years": list(range(first, first + YEAR_OPTIONS)),
    }


def _shuffled(options: dict[str, Any]) -> dict[str, Any]:
    rng = random.SystemRandom()
    out = dict(options)
    for key in ("schools", "majors"):
        out[key] = rng.sample(options[key], len(options[key]))
    return out


def _kept_options(user: User) -> dict[str, Any] | None:
    """Options another account of the same identity was already shown (same record, same
    decoys): a new account must not see a new draw to compare with the old one."""
    for row in IdentityChallenge.objects.filter(identity_digest=user.identity_digest).exclude(user=user):
        if _record(user, row.options) is not None:
            return row.options
    return None


def challenge_get(*, user: User) -> IdentityChallenge | None:
    """The account's questions (drawn on first use), or None when there is nothing to protect."""
    if not user.identity_digest or not _records(user):
        return None
    challenge = IdentityChallenge.objects.filter(user=user).first()
    if challenge is not None and _record(user, challenge.options) is not None:
        return challenge
    options = _kept_options(user) or _draw(user)
    if options is None:
        return None
    challenge, _ = IdentityChallenge.objects.update_or_create(
        user=user, defaults={"options": _shuffled(options), "identity_digest": user.identity_digest}
    )
    return challenge


def challenge_question(challenge: IdentityChallenge) -> Question:
    options = challenge.options
    kind = "student" if options["record"][0] == "enrollment" else "candidate"
    return Question(options["schools"], options["majors"], options["years"], kind)


def _typed(number: str) -> str:
    return "".join(unicodedata.normalize("NFKC", number or "").split()).upper()


def _right(record: Admission | Enrollment, *, school: str, major: str, year: int, number: str) -> bool:
    if isinstance(record, Enrollment):
        numbers = {record.student_number}
        credential = Credential.objects.filter(enrollment=record).exclude(certificate_number="").first()
        if credential is not None:
            numbers.add(credential.certificate_number)
    else:
        numbers = {record.exam_number}
    return (
        school == record.institution.code
        and major == record.major_name
        and year == _entry_year(record)
        and bool(_typed(number))
        and _typed(number) in {_typed(n) for n in numbers if n}
    )


def _validated(challenge: IdentityChallenge, school: str, major: str, year: int) -> None:
    options = challenge.options
    errors: dict[str, list[str]] = {}
    if school not in options["schools"]:
        errors["institution"] = ["请从列表中选择学校 / choose one of the listed institutions"]
    if major not in options["majors"]:
        errors["major"] = ["请从列表中选择专业 / choose one of the listed majors"]
    if year not in options["years"]:
        errors["year"] = ["请从列表中选择入学年份 / choose one of the listed years"]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def challenge_answer(*, user: User, institution_code: str, major: str, year: int, number: str) -> bool:
    """True when every answer is right (the account is then checked); False when not."""
    user = User.objects.select_for_update().get(pk=user.pk)  # one answer at a time per account
    challenge = challenge_get(user=user)
    if challenge is None:
        raise ValidationError("没有需要核验的记录 / there is nothing to check")
    if challenge_failures(user) >= CHALLENGE_FAILURES:
        raise ValidationError(EXHAUSTED)
    _validated(challenge, institution_code, major, year)
    record = _record(user, challenge.options)
    assert record is not None  # challenge_get only returns questions about a current record
    if not _right(record, school=institution_code, major=major, year=year, number=number):
        _failed(user, challenge)
        return False
    challenge.passed_at = timezone.now()
    challenge.save(update_fields=["passed_at"])
    identity_checked_mark(user=user, at=challenge.passed_at)
    audit_log(actor=user, action="accounts.identity_challenge.passed", target=user)
    return True


def _failed(user: User, challenge: IdentityChallenge) -> None:
    challenge.failures += 1
    challenge.options = _shuffled(challenge.options)
    exhausted = challenge_failures(user) + 1 >= CHALLENGE_FAILURES
    if exhausted:
        challenge.exhausted_at = timezone.now()
    challenge.save(update_fields=["failures", "options", "exhausted_at"])
    audit_log(
        actor=user, action="accounts.identity_challenge.failed", target=user, after={"failures": challenge.failures}
    )
    if exhausted:
        audit_log(actor=user, action="accounts.identity_challenge.exhausted", target=user)
        _tell_owners(user)


def _owners(user: User) -> list[User]:
    """Who else may be the person behind the records: accounts bound to a record under the
    identity, and accounts that appealed for the same ID."""
    digest = user.identity_digest
    bound = Binding.objects.filter(
        Q(enrollment__identity_digest=digest)
        | Q(credential__identity_digest=digest)
        | Q(admission__identity_digest=digest)
    ).values("user_id")
    appellants = IdentityAppeal.objects.filter(identity_digest=digest).values("appellant_id")
    others = User.objects.filter(Q(pk__in=bound) | Q(pk__in=appellants), is_active=True).exclude(pk=user.pk)
    return list(others)


def _tell_owners(user: User) -> None:
    text = (
        "有人以您的证件号码注册学档账号，身份核验多次回答错误，已被要求人工申诉。如非您本人，请登录查看或联系学档中心。"
        " / Someone registered with your ID number and failed the identity check; they must now appeal "
        "to staff. If it was not you, sign in or contact the centre."
    )
    for owner in _owners(user):
        notify(user=owner, text=text, url=reverse("archive:home"))
