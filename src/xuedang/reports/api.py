"""The verification API for employers' HR systems: up to 100 codes per call.

Authenticated by an organisation's key (`Authorization: Bearer xdv_…`, issued with
`xuedang verifier_key issue`), rate limited per key. Each result carries the same answer as the
public page, as plain JSON an HR system can store; each report shown is logged on the student's
access page under the organisation's name.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import StringConstraints

from xuedang.core.metrics import verification_count
from xuedang.core.middleware import coarse_origin
from xuedang.registry.models import ViewerKind
from xuedang.registry.services import access_event_record
from xuedang.reports import limits
from xuedang.reports.models import VerifierKey
from xuedang.reports.selectors import Verification, report_verify
from xuedang.reports.services import verifier_key_check

MAX_CODES = 100


class OrganisationKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> VerifierKey | None:
        key = verifier_key_check(token)
        if key is not None and (key.last_used_at is None or timezone.now() - key.last_used_at > timedelta(minutes=1)):
            VerifierKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return key


class OrganisationKeyRequest(HttpRequest):
    """A request OrganisationKey let through: ninja puts the key it returned on `request.auth`."""

    auth: VerifierKey


router = Router(tags=["verification"], auth=OrganisationKey())

Code = Annotated[str, StringConstraints(max_length=64)]
StatusName = Literal["valid", "superseded", "revoked", "expired", "closed", "unknown", "malformed"]


class VerifyIn(Schema):
    codes: list[Code] = Field(
        ...,
        min_length=1,
        max_length=MAX_CODES,
        description="在线验证码，每次最多 100 个 / verification codes, at most 100 per call",
    )


class FieldOut(Schema):
    label: str
    value: str


class ChangeOut(Schema):
    label: str
    as_issued: str
    now: str


class ResultOut(Schema):
    code: str = Field(description="the code as sent")
    status: StatusName = Field(
        description="valid · superseded (record changed since issue) · revoked (record "
        "revoked or cancelled) · expired · closed (by the student, or replaced by a new code) · "
        "unknown (no such report) · malformed (not a 16-character code)"
    )
    message_zh: str
    message_en: str
    kind: Literal["credential", "enrollment"] | None = None
    language: Literal["zh", "en"] | None = None
    valid_until: date | None = None
    current_state: str | None = Field(None, description="the record's state now, in the report's language")
    fields: list[FieldOut] = Field(default_factory=list, description="the report as issued, in display order")
    changes: list[ChangeOut] = Field(default_factory=list, description="fields that changed since issue")


class VerifyOut(Schema):
    verified_at: datetime
    organisation: str
    results: list[ResultOut]


class Problem(Schema):
    detail: str


def _result(typed: str, verification: Verification) -> dict:
    result: dict = {
        "code": typed,
        "status": verification.status,
        "message_zh": verification.message[0],
        "message_en": verification.message[1],
    }
    if verification.shows_content:
        report = verification.report
        assert report is not None  # a verification that shows content carries its report
        result.update(
            kind=report.kind,
            language=report.lang,
            valid_until=report.valid_until,
            current_state=verification.current_state,
            fields=[{"label": label, "value": value} for label, value in verification.fields],
            changes=[{"label": label, "as_issued": issued, "now": now} for label, issued, now in verification.changes],
        )
    return result


@router.post("/reports", response={200: VerifyOut, 429: Problem}, summary="批量验证报告 / verify up to 100 reports")
def verify_reports(request: OrganisationKeyRequest, payload: VerifyIn) -> Status:
    key: VerifierKey = request.auth
    if limits.api_key_limited(request, key):
        verification_count("api", "rate_limited")
        return Status(429, {"detail": "调用过于频繁，请稍后再试 / this key is over its rate limit; retry later"})
    today, origin = timezone.localdate(), coarse_origin(request)
    with transaction.atomic():  # one commit for the call's access-log rows, not one per code
        results = [_verify_one(typed, key, today, origin) for typed in payload.codes]
    return Status(200, {"verified_at": timezone.now(), "organisation": key.organisation.name, "results": results})


def _verify_one(typed: str, key: VerifierKey, today: date, origin: str) -> dict:
    verification = report_verify(typed=typed, today=today)
    verification_count("api", verification.status)
    if verification.shows_content:
        report = verification.report
        assert report is not None  # a verification that shows content carries its report
        access_event_record(
            record=report,
            viewer_kind=ViewerKind.API,
            viewer_label=key.organisation.name,
            seen=f"{report.get_kind_display().split(' / ')[0]} {report.code[:4]}…（{verification.message[0]}）",
            origin=origin,
        )
    return _result(typed, verification)
