"""The employers' verification API: keys, up to 100 codes a call, the page's answers, limits per key."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from xuedang.archive.selectors import access_events
from xuedang.reports.models import Report, VerifierKey
from xuedang.reports.services import organisation_register, report_close, verifier_key_issue
from xuedang.reports.tests.factories import credential_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


@pytest.fixture
def api_key(db) -> str:
    organisation = organisation_register(actor=None, name="某某科技有限公司")
    return verifier_key_issue(actor=None, organisation=organisation, name="HR 系统")[1]


def call(key: str, codes: list[str]):
    return Client().post(
        "/api/v1/verify/reports",
        json.dumps({"codes": codes}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_a_key_is_stored_only_as_a_hash_and_issued_by_a_command(db) -> None:
    out = StringIO()
    call_command("verifier_key", "register", "--organisation", "人社局", stdout=out)
    call_command("verifier_key", "issue", "--organisation", "人社局", "--name", "核验", stdout=out)
    secret = out.getvalue().splitlines()[2]
    assert secret.startswith("xdv_")
    stored = VerifierKey.objects.get()
    assert secret.split("_", 2)[2] not in (stored.key_hash, stored.prefix)
    assert call(secret, ["ABCDEFGHJKMNPQRS"]).status_code == 200
    call_command("verifier_key", "revoke", stored.prefix, "--reason", "离职", stdout=out)
    assert call(secret, ["ABCDEFGHJKMNPQRS"]).status_code == 401


def test_without_a_valid_key_nothing_is_answered(student) -> None:
    report = credential_report(student)
    assert call("xdv_nope_nope", [report.code]).status_code == 401
    assert (
        Client()
        .post("/api/v1/verify/reports", json.dumps({"codes": [report.code]}), content_type="application/json")
        .status_code
        == 401
    )


def test_each_code_gets_the_same_answer_as_the_page(student, api_key) -> None:
    valid = credential_report(student)
    closed = Report.objects.create(
        **{f.name: getattr(valid, f.name) for f in Report._meta.fields if f.name not in ("id", "code", "created_at")},
        code="0" * 16,
    )
    report_close(student=student, report=closed)
    expired = Report.objects.create(
        **{
            f.name: getattr(valid, f.name)
            for f in Report._meta.fields
            if f.name not in ("id", "code", "created_at", "valid_until")
        },
        code="1" * 16,
        valid_until=valid.valid_until - timedelta(days=400),
    )
    response = call(api_key, [valid.code.lower(), closed.code, expired.code, "ABCDEFGHJKMNPQRS", "bad"])
    assert response.status_code == 200
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["valid", "closed", "expired", "unknown", "malformed"]
    first = body["results"][0]
    assert first["code"] == valid.code.lower()
    assert first["kind"] == "credential"
    assert {"label": "姓名", "value": "吉𠮷"} in first["fields"]
    assert {"label": "证件号码", "value": "110105********002X"} in first["fields"]
    assert body["results"][3]["message_zh"] == "此在线验证码无效"
    assert body["results"][3]["fields"] == []
    event = access_events(student=student).get()  # only the report shown is logged
    assert (event.viewer_kind, event.viewer_label) == ("api", "某某科技有限公司")


def test_a_call_takes_at_most_100_codes_and_says_why_in_both_languages(api_key) -> None:
    response = call(api_key, ["ABCDEFGHJKMNPQRS"] * 101)
    assert response.status_code == 422
    assert response.json()["fields"] == [{"field": "payload.codes", "message": "条目过多 / too many items"}]
    assert call(api_key, []).status_code == 422
    assert call(api_key, ["ABCDEFGHJKMNPQRS"] * 100).status_code == 200


def test_each_key_has_its_own_rate_limit_in_redis(db, api_key, settings, redis_url) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.REPORTS_API_RATE = "2/m"
    other = verifier_key_issue(actor=None, organisation=organisation_register(actor=None, name="另一家"), name="k")[1]
    assert [call(api_key, ["ABCDEFGHJKMNPQRS"]).status_code for _ in range(3)] == [200, 200, 429]
    assert "rate limit" in call(api_key, ["ABCDEFGHJKMNPQRS"]).json()["detail"]
    assert call(other, ["ABCDEFGHJKMNPQRS"]).status_code == 200


def test_the_api_is_in_the_openapi_document(db) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/verify/reports"]["post"]
    assert "verification" in operation["tags"]
    assert "superseded" in json.dumps(document["components"]["schemas"]["ResultOut"])
