"""The spoken captcha: for verifiers and students who cannot read the picture."""

from __future__ import annotations

import os
import shutil

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.test import Client

from xuedang.reports.forms import VerifyCaptchaForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def flite(monkeypatch):
    path = shutil.which("flite")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("flite is missing: `make debs` installs it")
        pytest.skip("flite is not installed (make debs)")
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", path)  # read once by django-simple-captcha
    cache.clear()
    return path


def test_the_captcha_has_a_named_link_to_its_spoken_form_which_reads_it_aloud(flite) -> None:
    widget = str(VerifyCaptchaForm()["captcha"])
    assert 'alt="图片验证码 / picture code"' in widget
    assert "听语音验证码" in widget
    key = CaptchaStore.generate_key()
    assert f'href="/captcha/audio/{key}.wav"' not in widget  # each form its own challenge
    response = Client().get(f"/captcha/audio/{key}.wav")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    assert body[:4] == b"RIFF"
    assert body[8:12] == b"WAVE"
    assert len(body) > 10_000  # speech, not an empty file
    assert response["Cache-Control"] == "no-store"


def test_spoken_captchas_are_rate_limited_per_address_and_unknown_ones_are_gone(flite, settings) -> None:
    settings.CAPTCHA_AUDIO_RATE = "2/m"
    key = CaptchaStore.generate_key()
    client = Client()
    assert client.get("/captcha/audio/unknown.wav").status_code == 410  # no process for a key that is gone
    statuses = [client.get(f"/captcha/audio/{key}.wav", REMOTE_ADDR="203.0.113.40").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get(f"/captcha/audio/{key}.wav", REMOTE_ADDR="203.0.113.40")
    assert limited["Retry-After"] == "60"
    assert "请稍后再试" in limited.content.decode()
    assert client.get(f"/captcha/audio/{key}.wav", REMOTE_ADDR="203.0.113.41").status_code == 200


def test_without_flite_there_is_no_audio_link_and_no_audio(monkeypatch) -> None:
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", None)
    assert "听语音验证码" not in str(VerifyCaptchaForm()["captcha"])
    assert Client().get(f"/captcha/audio/{CaptchaStore.generate_key()}.wav").status_code == 404
