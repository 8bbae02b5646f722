"""身份核验 — the institution question before an account first opens its archive.

Someone who registers with a stolen ID number knows the number but rarely where its owner
studied. The right answers are the institutions of records registered under the account's
identity digest *and* name; the decoys are other institutions. Options are drawn once and
kept, so reloading cannot reveal the answer by elimination; 5 tries a day.

An account with no records under its ID and name has nothing to protect yet: it is not
marked as checked (records may arrive later, e.g. a new student's school registers them),
the page says so, and the question is asked once records exist.
"""

from __future__ import annotations

import random

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xuedang.accounts.models import IdentityChallenge, User
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution
from xuedang.registry.models import Admission, Credential, Enrollment

DECOYS = 5
TRIES_PER_DAY = 5


def true_institutions(user: User) -> set[str]:
    codes: set[str] = set()
    for model in (Enrollment, Credential, Admission):
        codes |= set(
            model.objects.filter(identity_digest=user.identity_digest, name=user.real_name).values_list(
                "institution__code", flat=True
            )
        )
    return codes


def challenge_get(*, user: User) -> IdentityChallenge | None:
    """The account's question (drawn on first use), or None when there is nothing to protect."""
    truth = true_institutions(user) if user.identity_digest else set()
    if not truth:
        return None
    challenge = IdentityChallenge.objects.filter(user=user).first()
    if challenge is not None and truth & set(challenge.options):
        return challenge
    rng = random.SystemRandom()
    answer = rng.choice(sorted(truth))
    options = [answer, *_decoys(rng, answer, truth)]
    rng.shuffle(options)
    challenge, _ = IdentityChallenge.objects.update_or_create(user=user, defaults={"options": options})
    return challenge


def _decoys(rng: random.SystemRandom, answer: str, truth: set[str]) -> list[str]:
    """Decoys from the answer's own province first: students mostly study near home, so
    decoys from far away would point at the right answer (the ID shows the home province)."""
    others = Institution.objects.filter(active=True).exclude(code__in=truth)
    province = Institution.objects.get(code=answer).province_code
    near = list(others.filter(province_code=province).values_list("code", flat=True))
    picked = rng.sample(near, min(DECOYS, len(near)))
    if len(picked) < DECOYS:
        far = list(others.exclude(province_code=province).values_list("code", flat=True))
        picked += rng.sample(far, min(DECOYS - len(picked), len(far)))
    return picked


def _tries_key(user: User) -> str:
    return f"xd:challenge-tries:{user.pk}:{timezone.localdate()}"


def tries_left(user: User) -> int:
    return max(TRIES_PER_DAY - cache.get(_tries_key(user), 0), 0)


@transaction.atomic
def challenge_answer(*, user: User, institution_code: str) -> bool:
    """True when the answer is right (the account is then checked); False when wrong."""
    challenge = challenge_get(user=user)
    if challenge is None or institution_code not in challenge.options:
        raise ValidationError({"institution": ["请从列表中选择 / choose one of the listed institutions"]})
    key = _tries_key(user)
    cache.add(key, 0, timeout=86400)
    if cache.incr(key) > TRIES_PER_DAY:
        raise ValidationError("今天已回答 5 次，请明天再试 / you have answered 5 times today; try again tomorrow")
    if institution_code not in true_institutions(user):
        audit_log(actor=user, action="accounts.identity_challenge.failed", target=user)
        return False
    challenge.passed_at = user.identity_checked_at = timezone.now()
    challenge.save(update_fields=["passed_at"])
    user.save(update_fields=["identity_checked_at"])
    audit_log(actor=user, action="accounts.identity_challenge.passed", target=user)
    return True
