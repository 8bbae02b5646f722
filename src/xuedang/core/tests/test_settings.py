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
