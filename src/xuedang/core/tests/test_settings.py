from xuedang import settings


def test_secrets_can_come_from_files(tmp_path, monkeypatch) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.setenv("PII_HMAC_KEY_FILE", str(secret))
    monkeypatch.setenv("PII_HMAC_KEY", "from-the-environment")
    assert settings.env("PII_HMAC_KEY") == "from-a-file"
    monkeypatch.delenv("PII_HMAC_KEY_FILE")
    assert settings.env("PII_HMAC_KEY") == "from-the-environment"
    assert settings.env("XUEDANG_UNSET_VARIABLE", "default") == "default"
    assert settings.env_bool("XUEDANG_UNSET_FLAG", True) is True


def test_prepared_statements_are_on_for_postgresql_and_can_be_turned_off_for_a_pooler() -> None:
    import json
    import os
    import subprocess
    import sys

    def options(**env: str) -> dict:
        code = (
            "import json; from xuedang import settings; "
            "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "DATABASE_URL": "postgres://u@127.0.0.1:5432/x", **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    assert options()["prepare_threshold"] >= 1  # Django's default (None) ignores even prepare=True
    assert "prepare_threshold" not in options(DATABASE_PREPARED_STATEMENTS="false")
