"""Report tests sign with a development CA made once per test session in a temporary directory."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw

from xuedang.reports.signing import DevCA, devca_ensure


@pytest.fixture(scope="session")
def signing_dev_ca(tmp_path_factory: pytest.TempPathFactory) -> DevCA:
    ca, _created = devca_ensure(tmp_path_factory.mktemp("signing-dev"))
    return ca


@pytest.fixture(autouse=True)
def _sign_with_dev_ca(settings, signing_dev_ca: DevCA, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point settings (and the environment, for live servers in subprocesses) at the session's dev CA."""
    values = {
        "SIGNING_KEY_FILE": str(signing_dev_ca.key),
        "SIGNING_CERT_FILE": str(signing_dev_ca.cert),
        "SIGNING_CHAIN_FILE": str(signing_dev_ca.ca_cert),
        "SIGNING_KEY_PASSPHRASE": "",
    }
    for name, value in values.items():
        setattr(settings, name, value)
        monkeypatch.setenv(name, value)
    settings.SIGNING_ALLOW_DEV_CA = True  # tests run with DEBUG off, like production
    monkeypatch.setenv("SIGNING_ALLOW_DEV_CA", "true")


def make_photo(*, kind: str = "JPEG", size: tuple[int, int] = (300, 400), seed: int = 1) -> bytes:
    """An ID-photo-like picture (~22 KB as JPEG at the default size): face, shoulders, some noise."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (60, 110, 190))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.27, h * 0.15, w * 0.73, h * 0.55), fill=(235, 200, 170))
    draw.rectangle((w * 0.13, h * 0.58, w * 0.87, h), fill=(30, 30, 40))
    for _ in range(w * h // 30):
        draw.point((rng.randrange(w), rng.randrange(h)), fill=(rng.randrange(256),) * 3)
    out = io.BytesIO()
    image.save(out, kind, **({"quality": 60} if kind == "JPEG" else {}))
    return out.getvalue()


@pytest.fixture(scope="session")
def photo() -> bytes:
    return make_photo()


@pytest.fixture(scope="session")
def png_photo() -> bytes:
    return make_photo(kind="PNG", size=(150, 200), seed=2)
