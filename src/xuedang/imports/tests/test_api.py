"""School systems submit files with their institution's API key."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from xuedang.imports.models import ImportJob
from xuedang.imports.tests.helpers import ADMISSIONS_HEADER, ADMISSIONS_ROWS, csv_upload, student_row
from xuedang.institutions.models import Institution
from xuedang.institutions.services import api_key_issue, api_key_revoke
from xuedang.registry.models import Enrollment

pytestmark = pytest.mark.django_db


def _key(code: str = "10001") -> str:
    return api_key_issue(actor=None, institution=Institution.objects.get(code=code), name="教务系统")[1]


def _submit(client: Client, key: str, content: bytes, kind: str = "enrollments", **capture):
    return client.post(
        "/api/v1/school/imports",
        {"kind": kind, "file": SimpleUploadedFile("s.csv", content)},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_a_school_system_submits_a_file_and_follows_the_job(django_capture_on_commit_callbacks) -> None:
    client, key = Client(), _key()
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit(client, key, csv_upload([student_row(n) for n in range(5)]))
    assert response.status_code == 202
    job_id = response.json()["id"]
    status = client.get(f"/api/v1/school/imports/{job_id}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert status["state"] == "done"
    assert status["inserted_rows"] == 5
    assert status["institution"] == "10001"
    assert Enrollment.objects.filter(institution__code="10001").count() == 5


def test_errors_come_back_as_json_rows(django_capture_on_commit_callbacks) -> None:
    client, key = Client(), _key()
    rows = [student_row(1), student_row(2, 性别="未知")]
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _submit(client, key, csv_upload(rows)).json()["id"]
    status = client.get(f"/api/v1/school/imports/{job_id}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert status["state"] == "invalid"
    assert status["errors"][0]["row"] == 3
    assert status["errors"][0]["column"] == "性别"


def test_keys_act_only_for_their_own_school_and_can_be_revoked(django_capture_on_commit_callbacks) -> None:
    client, ours, theirs = Client(), _key("10001"), _key("10246")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _submit(client, ours, csv_upload([student_row(1)])).json()["id"]
    assert client.get(f"/api/v1/school/imports/{job_id}", HTTP_AUTHORIZATION=f"Bearer {theirs}").status_code == 404
    assert client.get(f"/api/v1/school/imports/{job_id}").status_code == 401
    assert client.get(f"/api/v1/school/imports/{job_id}", HTTP_AUTHORIZATION=f"Bearer {ours}x").status_code == 401
    key = Institution.objects.get(code="10001").api_keys.get()
    api_key_revoke(actor=None, key=key, reason="系统下线")
    assert client.get(f"/api/v1/school/imports/{job_id}", HTTP_AUTHORIZATION=f"Bearer {ours}").status_code == 401


def test_a_bad_kind_gets_a_chinese_message() -> None:
    response = _submit(Client(), _key(), b"x", kind="students")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("数据类型")


def test_keys_are_issued_by_command_and_shown_once(capsys) -> None:
    call_command("api_key", "issue", "--institution", "10001", "--name", "教务系统")
    out = capsys.readouterr().out
    secret = out.splitlines()[1]
    assert secret.startswith("xd_")
    assert "只显示这一次" in out
    key = Institution.objects.get(code="10001").api_keys.get()
    assert secret.split("_", 2)[2] not in key.key_hash


def test_missing_fields_are_named_in_chinese_and_english() -> None:
    response = Client().post("/api/v1/school/imports", {"kind": "enrollments"}, HTTP_AUTHORIZATION=f"Bearer {_key()}")
    assert response.status_code == 422
    body = response.json()
    assert body["fields"] == [{"field": "file", "message": "缺少此项 / this field is required"}]


def _province_key(province: str = "11") -> str:
    return api_key_issue(actor=None, province_code=province, name="招生考试院录取系统")[1]


def _admissions() -> bytes:
    return (ADMISSIONS_HEADER + ADMISSIONS_ROWS).encode()


def _submit_for(client: Client, key: str, code: str, kind: str = "admissions"):
    return client.post(
        "/api/v1/school/imports",
        {"kind": kind, "institution": code, "file": SimpleUploadedFile("lq.csv", _admissions())},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_a_province_sends_admission_data_for_a_school_of_its_own(django_capture_on_commit_callbacks) -> None:
    from xuedang.registry.models import Admission

    client, key = Client(), _province_key("11")
    with django_capture_on_commit_callbacks(execute=True):
        response = _submit_for(client, key, "10001")
    assert response.status_code == 202, response.json()
    status = client.get(f"/api/v1/school/imports/{response.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert status.json()["state"] == "done"
    assert status.json()["inserted_rows"] == 2
    assert Admission.objects.filter(institution__code="10001").count() == 2
    # the school's own key sees the job too (it is the school's data now); another province's key does not
    school = _key("10001")
    assert (
        client.get(f"/api/v1/school/imports/{response.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {school}").status_code
        == 200
    )
    assert (
        client.get(
            f"/api/v1/school/imports/{response.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {_province_key('31')}"
        ).status_code
        == 404
    )


def test_a_province_key_sends_nothing_but_admissions_and_only_for_its_province() -> None:
    client, key = Client(), _province_key("11")
    elsewhere = _submit_for(client, key, "10246")  # 复旦大学, Shanghai
    assert elsewhere.status_code == 400
    assert "不是本省的高校" in elsewhere.json()["detail"]
    wrong_kind = _submit_for(client, key, "10001", kind="enrollments")
    assert wrong_kind.status_code == 400
    assert "只能提交录取数据" in wrong_kind.json()["detail"]
    assert not ImportJob.objects.exists()


def test_each_key_is_rate_limited_on_its_own(settings) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.API_KEY_RATE = "3/m"
    client, ours, theirs = Client(), _key("10001"), _key("10246")
    codes = [client.get("/api/v1/school/imports/1", HTTP_AUTHORIZATION=f"Bearer {ours}").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    limited = client.get("/api/v1/school/imports/1", HTTP_AUTHORIZATION=f"Bearer {ours}")
    assert limited["Retry-After"] == "60"
    assert "请求过于频繁" in limited.json()["detail"]
    assert client.get("/api/v1/school/imports/1", HTTP_AUTHORIZATION=f"Bearer {theirs}").status_code == 404


@pytest.mark.redis
def test_the_key_rate_limit_holds_across_processes_in_redis(settings, redis_url) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.API_KEY_RATE = "2/m"
    client, key = Client(), _key("10001")
    codes = [client.get("/api/v1/school/imports/1", HTTP_AUTHORIZATION=f"Bearer {key}").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    import redis

    assert redis.Redis.from_url(redis_url).keys("*")  # the counter lives in Redis, not in this process
