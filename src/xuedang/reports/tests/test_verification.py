"""Public verification through HTTP: every answer, the student's access log, limits and captcha."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.test import Client

from xuedang.archive.selectors import access_events
from xuedang.conftest import login
from xuedang.registry.models import AccessEvent, Credential, CredentialState
from xuedang.registry.services import credential_annotate
from xuedang.reports.models import Report
from xuedang.reports.services import report_close, report_replace
from xuedang.reports.tests.factories import credential_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


def status_of(response) -> str:
    return re.search(r'id="verification-status" data-status="(\w+)"', response.content.decode()).group(1)


def verify(client: Client, code: str, **extra):
    return client.post("/verify/", {"code": code, **extra}, REMOTE_ADDR=extra.pop("ip", "203.0.113.7"))


def test_a_valid_report_shows_as_issued_with_the_id_masked_and_is_logged_for_the_student(student) -> None:
    report = credential_report(student)
    response = Client().get(f"/verify/{report.code}", REMOTE_ADDR="203.0.113.7")
    page = response.content.decode()
    assert response.status_code == 200
    assert status_of(response) == "valid"
    assert "吉𠮷" in page
    assert "110105********002X" in page
    assert "11010519491231002X" not in page
    assert report.credential.certificate_number in page
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    event = access_events(student=student).get()
    assert (event.viewer_kind, event.record_type, event.record_id) == ("verification", "report", report.pk)
    assert event.origin == "203.0.113.0/24"  # roughly where, not the address
    assert report.code not in event.seen
    access_page = login(student).get("/archive/access/").content.decode()
    assert "203.0.113.0/24" in access_page
    assert "203.0.113.7" not in access_page


def test_the_photo_as_issued_is_shown_while_the_report_may_be_shown(student) -> None:
    report = credential_report(student)
    client = Client()
    assert 'id="report-photo"' in client.get(f"/verify/{report.code}").content.decode()
    photo = client.get(f"/verify/{report.code}/photo")
    assert photo.status_code == 200
    assert photo.content.startswith(b"\xff\xd8")
    report_close(student=student, report=report)
    assert client.get(f"/verify/{report.code}/photo").status_code == 404
    assert client.get("/verify/ABCDEFGHJKMNPQRS/photo").status_code == 404


def test_a_typed_code_is_verified_by_post_with_spaces_and_lower_case(student) -> None:
    report = credential_report(student)
    typed = " ".join(report.code[i : i + 4] for i in range(0, 16, 4)).lower()
    assert status_of(verify(Client(), typed)) == "valid"


def test_an_unknown_code_says_so_and_is_not_logged(student) -> None:
    credential_report(student)
    response = verify(Client(), "ABCDEFGHJKMNPQRS")
    assert status_of(response) == "unknown"
    assert "此在线验证码无效" in response.content.decode()
    assert not AccessEvent.objects.exists()


def test_a_malformed_code_is_told_apart_from_an_unknown_one(db) -> None:
    response = Client().get("/verify/ABC-123")
    assert status_of(response) == "malformed"
    assert "不合要求的在线验证码" in response.content.decode()


def test_an_expired_report_shows_nothing_of_the_record(student) -> None:
    report = credential_report(student)
    Report.objects.filter(pk=report.pk).update(valid_until=report.valid_until - timedelta(days=400))
    response = Client().get(f"/verify/{report.code}")
    assert status_of(response) == "expired"
    assert "此报告已过有效期" in response.content.decode()
    assert "吉𠮷" not in response.content.decode()
    assert not AccessEvent.objects.exists()


def test_a_report_closed_by_the_student_shows_closed(student) -> None:
    report = credential_report(student)
    report_close(student=student, report=report)
    response = Client().get(f"/verify/{report.code}")
    assert status_of(response) == "closed"
    assert "此报告已被学生本人关闭" in response.content.decode()
    assert "吉𠮷" not in response.content.decode()


def test_a_replaced_code_says_a_new_code_was_issued(student) -> None:
    report = credential_report(student)
    report_replace(student=student, report=report)
    response = Client().get(f"/verify/{report.code}")
    assert status_of(response) == "closed"
    assert "更换为新的验证码" in response.content.decode()


def test_a_revoked_record_is_shown_revoked_with_its_state_now(student) -> None:
    report = credential_report(student)
    Credential.objects.filter(pk=report.credential_id).update(state=CredentialState.REVOKED)
    response = Client().get(f"/verify/{report.code}")
    assert status_of(response) == "revoked"
    assert "已被撤销或注销" in response.content.decode()
    assert '<dd id="current-state">已撤销</dd>' in response.content.decode()


def test_a_changed_record_supersedes_the_report_and_shows_both_values(student) -> None:
    report = credential_report(student)
    credential_annotate(actor=None, credential=report.credential, reason="辅修", minor="经济学")
    response = Client().get(f"/verify/{report.code}")
    assert status_of(response) == "superseded"
    assert "<td>辅修</td><td></td><td>经济学</td>" in response.content.decode()


def test_a_changed_id_number_supersedes_the_report(student) -> None:
    from xuedang.core import crypto

    report = credential_report(student)
    credential = Credential.objects.get(pk=report.credential_id)
    credential.document_number = "110105194912310037"
    credential.identity_digest = crypto.identity_digest("resident_id", "110105194912310037")
    credential.save()
    response = Client().get(f"/verify/{report.code}")
    assert status_of(response) == "superseded"
    assert "<td>110105********002X</td><td>110105********0037</td>" in response.content.decode()


def test_an_english_report_verifies_in_english_with_pinyin(student) -> None:
    report = credential_report(student, lang="en")
    page = Client().get(f"/verify/{report.code}").content.decode()
    assert "吉𠮷 (JI 𠮷)" in page
    assert "Bachelor" in page
    assert "1 July 2025" in page


def test_the_student_sees_how_often_each_report_was_verified(student) -> None:
    from xuedang.reports.selectors import student_reports

    report = credential_report(student)
    for _ in range(3):
        Client().get(f"/verify/{report.code}")
    assert student_reports(student=student).get().views == 3


def test_verification_is_rate_limited_per_address_in_redis(student, settings, redis_url) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.REPORTS_VERIFY_RATE = "3/m"
    report = credential_report(student)
    client = Client()
    statuses = [client.get(f"/verify/{report.code}", REMOTE_ADDR="198.51.100.9").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get(f"/verify/{report.code}", REMOTE_ADDR="198.51.100.9")["Retry-After"] == "60"
    assert "查询过于频繁" in client.get(f"/verify/{report.code}", REMOTE_ADDR="198.51.100.9").content.decode()
    assert client.get(f"/verify/{report.code}", REMOTE_ADDR="198.51.100.10").status_code == 200  # another address
    assert AccessEvent.objects.count() == 4  # refused attempts see nothing and are not logged


def test_the_rate_limit_outlives_a_dropped_redis_connection_and_a_flushed_script(student, settings, redis_url) -> None:
    import redis

    from xuedang.reports import limits

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.REPORTS_VERIFY_RATE = "3/m"
    report = credential_report(student)
    client = Client()
    assert client.get(f"/verify/{report.code}", REMOTE_ADDR="198.51.100.20").status_code == 200
    admin = redis.Redis.from_url(redis_url)
    admin.script_flush()
    gate = limits._gate_local.connection
    gate.send_command("CLIENT", "ID")
    assert admin.client_kill_filter(_id=gate.read_response()) == 1  # the server drops the gate's connection
    statuses = [client.get(f"/verify/{report.code}", REMOTE_ADDR="198.51.100.20").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the count went on where it was


def _captcha_answer(page: str) -> dict[str, str]:
    key = re.search(r'name="captcha_0" value="(\w+)"', page).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def test_repeated_misses_bring_a_captcha_before_any_further_verification(student, settings, redis_url) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.REPORTS_MISSES_BEFORE_CAPTCHA = 2
    report = credential_report(student)
    client = Client()
    for _ in range(2):
        verify(client, "ABCDEFGHJKMNPQRS")
    page = client.get(f"/verify/{report.code}", REMOTE_ADDR="203.0.113.7").content.decode()
    assert 'id="captcha-required"' in page
    assert 'id="verification-status"' not in page
    refused = verify(client, report.code, captcha_0="x", captcha_1="wrong")
    assert refused.status_code == 400
    assert "验证码不正确" in refused.content.decode()
    assert not AccessEvent.objects.exists()
    answered = verify(client, report.code, **_captcha_answer(page))
    assert status_of(answered) == "valid"
    assert "captcha-required" not in Client().get("/verify/", REMOTE_ADDR="192.0.2.1").content.decode()


def test_a_lookup_by_certificate_number_and_name_shows_basic_fields_and_is_logged(student) -> None:
    credential = credential_report(student).credential
    number = credential.certificate_number
    response = Client().post(
        "/verify/lookup/", {"certificate_number": number, "name": "吉𠮷"}, REMOTE_ADDR="203.0.113.7"
    )
    page = response.content.decode()
    assert 'id="lookup-result"' in page
    assert number in page
    assert "北京大学" in page
    assert "110105" not in page  # no ID number in a lookup
    event = access_events(student=student).get()
    assert (event.viewer_kind, event.record_type) == ("public_lookup", "credential")


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("扎西·巴特尔", "扎西•巴特尔"),
        ("扎西·巴特尔", "扎西・巴特尔"),
        ("扎西·巴特尔", " 扎西‧巴特尔 "),
        ("José María", "Jose\u0301 Mari\u0301a"),
        ("Zhang San", "Ｚｈａｎｇ\u3000Ｓａｎ"),
    ],
)
def test_a_lookup_finds_the_name_the_way_people_type_it(student, stored, typed) -> None:
    credential = credential_report(student).credential
    Credential.objects.filter(pk=credential.pk).update(name=stored)
    typed_in = {"certificate_number": credential.certificate_number, "name": typed}
    response = Client().post("/verify/lookup/", typed_in, REMOTE_ADDR="203.0.113.8")
    assert 'id="lookup-result"' in response.content.decode()


@pytest.mark.parametrize(
    "typed", ["买买提艾力", "买买提.艾力", "买买提．艾力", "买买提･艾力", "买买提‧艾力", "买买提•艾力", "买买提・艾力"]
)
def test_a_lookup_finds_a_minority_name_typed_without_its_dot_or_with_a_look_alike(student, typed) -> None:
    credential = credential_report(student).credential
    Credential.objects.filter(pk=credential.pk).update(name="买买提·艾力")
    typed_in = {"certificate_number": credential.certificate_number, "name": typed}
    response = Client().post("/verify/lookup/", typed_in, REMOTE_ADDR="203.0.113.8")
    assert 'id="lookup-result"' in response.content.decode()


@pytest.mark.parametrize("typed", ["买买提艾尔", "买买提·艾力江", "买提艾力", "买买提-艾力"])
def test_a_lookup_does_not_find_a_different_minority_name(student, typed) -> None:
    credential = credential_report(student).credential
    Credential.objects.filter(pk=credential.pk).update(name="买买提·艾力")
    typed_in = {"certificate_number": credential.certificate_number, "name": typed}
    response = Client().post("/verify/lookup/", typed_in, REMOTE_ADDR="203.0.113.8")
    assert 'data-status="not_found"' in response.content.decode()
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("1000112000050012341", "最多 18 位数字（实际 19 位）"),
        ("100011200005001234/", "不能含“/”"),
        ("10001120000500123４号", "不能含“号”"),
    ],
)
def test_a_malformed_number_is_told_what_is_wrong_without_a_captcha_or_a_counted_guess(
    student, settings, redis_url, typed, told
) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.REPORTS_MISSES_BEFORE_CAPTCHA = 1
    settings.REPORTS_LOOKUP_RATE = "1/h"
    number = credential_report(student).credential.certificate_number
    client = Client()
    for _ in range(3):
        response = client.post("/verify/lookup/", {"certificate_number": typed, "name": "吉𠮷"})
        assert response.status_code == 400
        assert told in response.content.decode()
    assert "captcha_1" not in client.get("/verify/lookup/").content.decode()
    found = client.post("/verify/lookup/", {"certificate_number": number, "name": "吉𠮷"})
    assert found.status_code == 200  # the typos used none of the hour's one lookup
    assert 'id="lookup-result"' in found.content.decode()


def test_a_lookup_with_the_wrong_name_finds_nothing_and_counts_as_a_miss(student, settings) -> None:
    settings.REPORTS_MISSES_BEFORE_CAPTCHA = 1
    credential = credential_report(student).credential
    client = Client()
    assert "captcha_1" not in client.get("/verify/lookup/").content.decode()
    response = client.post("/verify/lookup/", {"certificate_number": credential.certificate_number, "name": "吉吉"})
    assert 'data-status="not_found"' in response.content.decode()
    assert "captcha_1" in client.get("/verify/lookup/").content.decode()
    assert not AccessEvent.objects.exists()


def test_lookups_are_rate_limited_per_address_in_redis(student, settings, redis_url) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.REPORTS_LOOKUP_RATE = "2/h"
    number = credential_report(student).credential.certificate_number
    client = Client()
    codes = [
        client.post("/verify/lookup/", {"certificate_number": number, "name": "吉𠮷"}).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_verifying_reads_the_report_and_writes_its_log_row_in_one_prepared_statement(student) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report = credential_report(student)
    client = Client()
    client.get(f"/verify/{report.code}")  # code tables are read once per process
    with CaptureQueriesContext(connection) as captured:
        assert status_of(client.get(f"/verify/{report.code}")) == "valid"
    statements = [
        (q["sql"] or "(prepared)").split()[0]
        for q in captured.captured_queries  # psycopg keeps no
        if not (q["sql"] or "").startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]  # text then
    assert AccessEvent.objects.filter(record_id=report.pk).count() == 2
    if connection.vendor == "postgresql":  # the lookup and the log row: one statement, prepared once
        assert statements == ["(prepared)"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["WITH r AS (SELECT r.id AS v0%"]
            )
            assert cursor.fetchone()[0] == 1
    else:  # no transaction of its own around the log row
        assert statements == ["SELECT", "INSERT"]


def test_the_log_row_of_a_changed_or_revoked_record_says_what_the_verifier_was_told(student) -> None:
    report = credential_report(student)
    Credential.objects.filter(pk=report.credential_id).update(major_name="软件工程")
    assert status_of(Client().get(f"/verify/{report.code}")) == "superseded"
    Credential.objects.filter(pk=report.credential_id).update(state=CredentialState.REVOKED)
    assert status_of(Client().get(f"/verify/{report.code}")) == "revoked"
    seen = list(AccessEvent.objects.order_by("id").values_list("seen", flat=True))
    assert len(seen) == 2
    assert "记录已变更" in seen[0]
    assert "撤销" in seen[1]
    assert all(report.code[:4] + "…" in text and report.code not in text for text in seen)


def test_the_qr_answer_sets_no_csrf_cookie_and_links_to_the_form_which_keeps_its_csrf_check(student) -> None:
    report = credential_report(student)
    client = Client(enforce_csrf_checks=True)
    answer = client.get(f"/verify/{report.code}")
    page = answer.content.decode()
    assert status_of(answer) == "valid"
    assert "csrftoken" not in answer.cookies
    assert '<a href="/verify/" id="verify-another">' in page
    assert "<form" not in page  # no form on the QR link's answer: nothing to forge
    assert client.post("/verify/", {"code": report.code}).status_code == 403  # no token: refused
    form_page = client.get("/verify/")
    token = form_page.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in form_page.content.decode()
    typed = client.post("/verify/", {"code": report.code}, HTTP_X_CSRFTOKEN=token)
    assert status_of(typed) == "valid"


def test_hostile_record_values_are_escaped_on_the_verification_page(student) -> None:
    report = credential_report(student)
    hostile = '<script>alert("x")</script>&<img src=x onerror=alert(1)>'
    Credential.objects.filter(pk=report.credential_id).update(major_name=hostile)
    page = Client().get(f"/verify/{report.code}").content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_signed_in_verifier_is_named_on_the_access_page_and_can_sign_out_from_the_answer(student, employer) -> None:
    report = credential_report(student)
    client = login(employer)
    response = client.get(f"/verify/{report.code}")
    page = response.content.decode()
    assert status_of(response) == "valid"
    assert "employer" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    assert 'action="/logout/"' in page
    event = access_events(student=student).get()
    assert event.viewer_label.startswith("人事专员")
    assert "登录用户" in event.viewer_label
