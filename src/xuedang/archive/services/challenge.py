"""身份核验 — the institution question before an account first opens its archive.

The archive's, not the accounts': the right answers come from the registry's records, and the
question guards the archive's door. The account keeps only the fact that it passed
(`User.identity_checked_at`, through `accounts.services.users.identity_checked_mark`).

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
from xuedang.accounts.services.users import identity_checked_mark
from xuedang.archive.selectors import CHALLENGE_TRIES_PER_DAY, challenge_tries_key, true_institutions
from xuedang.core.audit import audit_log
from xuedang.institutions.models import Institution

DECOYS = 5


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


@transaction.atomic
def challenge_answer(*, user: User, institution_code: str) -> bool:
    """True when the answer is right (the account is then checked); False when wrong."""
    challenge = challenge_get(user=user)
    if challenge is None or institution_code not in challenge.options:
        raise ValidationError({"institution": ["请从列表中选择 / choose one of the listed institutions"]})
    key = challenge_tries_key(user)
    cache.add(key, 0, timeout=86400)
    if cache.incr(key) > CHALLENGE_TRIES_PER_DAY:
        raise ValidationError("今天已回答 5 次，请明天再试 / you have answered 5 times today; try again tomorrow")
    if institution_code not in true_institutions(user):
        audit_log(actor=user, action="accounts.identity_challenge.failed", target=user)
        return False
    challenge.passed_at = timezone.now()
    challenge.save(update_fields=["passed_at"])
    identity_checked_mark(user=user, at=challenge.passed_at)
    audit_log(actor=user, action="accounts.identity_challenge.passed", target=user)
    return True
