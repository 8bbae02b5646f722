from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from xuedang.core import apikeys, validators
from xuedang.core.audit import audit_log
from xuedang.institutions.models import ApiKey, FormerName, Institution, President


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


@transaction.atomic
def president_record(
    *, actor: Any, institution: Institution, name: str, start_date: date, end_date: date | None = None
) -> President:
    """Record one president's term (校（院）长任期), past or current, by the institution's user
    administrator. Terms never overlap; a credential dated in a gap has no president and stays
    unpublished as incomplete, never published with an empty name (issue 13 item 4)."""
    name = validators.normalize_name(name)
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": ["任期结束日期不能早于开始日期 / the term cannot end before it starts"]})
    terms = President.objects.select_for_update().filter(institution=institution)
    far = date.max
    for term in terms:
        if start_date <= (term.end_date or far) and term.start_date <= (end_date or far):
            until = term.end_date or "至今 / present"
            raise ValidationError(
                {
                    "start_date": [
                        f"与{term.name}的任期（{term.start_date}—{until}）重叠 / the term overlaps "
                        f"{term.name}'s term ({term.start_date} to {until})"
                    ]
                }
            )
    president = President.objects.create(institution=institution, name=name, start_date=start_date, end_date=end_date)
    audit_log(
        actor=actor,
        action="institutions.president.recorded",
        target=institution,
        after={"president": name, "start_date": start_date, "end_date": end_date},
    )
    return president


@transaction.atomic
def institution_rename(
    *,
    actor: Any,
    institution: Institution,
    new_name: str,
    effective: date,
    kind: str = FormerName.Kind.RENAME,
    note: str = "",
    today: date | None = None,
) -> Institution:
    """更名 or 合并 (centre): from `effective` the institution carries `new_name`; credentials of
    graduations before it keep the name then in force."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    new_name = new_name.strip()
    if not new_name or len(new_name) > 100 or new_name == institution.name:
        raise ValidationError(
            {"new_name": ["请填写新的学校名称（不超过 100 字）/ give the new name (at most 100 characters)"]}
        )
    if kind not in FormerName.Kind.values:
        raise ValidationError({"kind": ["类型应为更名或合并 / a rename or a merger"]})
    if effective > (today or date.today()):  # noqa: DTZ011 — a calendar day, compared with dates
        raise ValidationError(
            {"effective": ["生效日期不能晚于今天，生效后再登记 / record a rename once it has taken effect"]}
        )
    last = FormerName.objects.filter(institution=institution).order_by("-until").first()
    if last and effective <= last.until:
        raise ValidationError(
            {"effective": [f"生效日期须晚于上次更名（{last.until}）/ must follow the previous rename"]}
        )
    FormerName.objects.create(
        institution=institution, name=institution.name, until=effective - timedelta(days=1), kind=kind, note=note
    )
    before = institution.name
    institution.name = new_name
    institution.save(update_fields=["name"])
    audit_log(
        actor=actor,
        action=f"institutions.institution.{kind}d" if kind == "rename" else "institutions.institution.merged",
        target=institution,
        before={"name": before},
        after={"name": new_name, "effective": effective},
        reason=note,
    )
    return institution


KEY_PREFIX = "xd"


@transaction.atomic
def api_key_issue(
    *, actor: Any, name: str, institution: Institution | None = None, province_code: str = ""
) -> tuple[ApiKey, str]:
    """A new key for a school's system (`institution`) or a province's admissions system
    (`province_code`); returns the key record and the key, shown only now."""
    name = apikeys.key_name_clean(name)
    if (institution is None) == (not province_code):
        raise ValidationError(
            {"institution": ["密钥属于一所高校或一个省份 / a key belongs to one institution or one province"]}
        )
    if province_code and province_code not in validators.PROVINCE_CODES:
        raise ValidationError({"province_code": [f"省份代码“{province_code}”无效 / invalid province code"]})
    return apikeys.key_issue(
        ApiKey,
        actor=actor,
        kind=KEY_PREFIX,
        action="institutions.api_key.issued",
        after=lambda key: {"holder": key.holder, "name": key.name},
        institution=institution,
        province_code=province_code,
        name=name,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def api_key_revoke(*, actor: Any, key: ApiKey, reason: str) -> ApiKey:
    return apikeys.key_revoke(actor=actor, key=key, action="institutions.api_key.revoked", reason=reason)


def api_key_check(presented: str) -> ApiKey | None:
    """The active key matching `presented`, compared in constant time; None otherwise."""
    return apikeys.key_find(ApiKey.objects.select_related("institution"), presented, KEY_PREFIX)
