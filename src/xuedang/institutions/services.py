from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from xuedang.core import apikeys, validators
from xuedang.core.audit import audit_log
from xuedang.institutions.models import ApiKey, Institution, President


@transaction.atomic
def president_appoint(*, institution: Institution, name: str, start_date: date, actor: Any = None) -> President:
    """A new president from `start_date`; the previous term ends the day before."""
    name = validators.normalize_name(name)
    current = President.objects.select_for_update().filter(institution=institution).order_by("-start_date").first()
    if current and start_date <= current.start_date:
        raise ValidationError(
            {
                "start_date": [
                    f"任职日期须晚于现任校长的任职日期 {current.start_date} / the term must start after "
                    f"the current president's ({current.start_date})"
                ]
            }
        )
    if current and (current.end_date is None or current.end_date >= start_date):
        current.end_date = start_date - timedelta(days=1)
        current.save(update_fields=["end_date"])
    president = President.objects.create(institution=institution, name=name, start_date=start_date)
    audit_log(
        actor=actor,
        action="institutions.president.appointed",
        target=institution,
        after={"president": name, "start_date": start_date},
    )
    return president


KEY_PREFIX = "xd"


@transaction.atomic
def api_key_issue(
    *, actor: Any, name: str, institution: Institution | None = None, province_code: str = ""
) -> tuple[ApiKey, str]:
    """A new key for a school's system (`institution`) or a province's admissions system
    (`province_code`); returns the key record and the key, shown only now."""
    if not name.strip() or len(name) > 60:
        raise ValidationError({"name": ["请填写密钥名称（不超过 60 字）/ name the key (at most 60 characters)"]})
    if (institution is None) == (not province_code):
        raise ValidationError(
            {"institution": ["密钥属于一所高校或一个省份 / a key belongs to one institution or one province"]}
        )
    if province_code and province_code not in validators.PROVINCE_CODES:
        raise ValidationError({"province_code": [f"省份代码“{province_code}”无效 / invalid province code"]})
    new = apikeys.key_new(KEY_PREFIX)
    key = ApiKey.objects.create(
        institution=institution,
        province_code=province_code,
        name=name.strip(),
        prefix=new.prefix,
        key_hash=new.key_hash,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_log(
        actor=actor,
        action="institutions.api_key.issued",
        target=key,
        after={"holder": key.holder, "name": key.name, "prefix": new.prefix},
    )
    return key, new.text


@transaction.atomic
def api_key_revoke(*, actor: Any, key: ApiKey, reason: str) -> ApiKey:
    key.active = False
    key.save(update_fields=["active"])
    audit_log(
        actor=actor,
        action="institutions.api_key.revoked",
        target=key,
        before={"active": True},
        after={"active": False},
        reason=reason,
    )
    return key


def api_key_check(presented: str) -> ApiKey | None:
    """The active key matching `presented`, compared in constant time; None otherwise."""
    parts = apikeys.key_parts(presented, KEY_PREFIX)
    if parts is None:
        return None
    key = ApiKey.objects.select_related("institution").filter(prefix=parts[0], active=True).first()
    if key is None or not apikeys.key_matches(key.key_hash, parts[1]):
        return None
    return key
