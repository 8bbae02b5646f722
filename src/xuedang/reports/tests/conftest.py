"""Photos for report tests (every test signs with the session's development CA: src/xuedang/conftest.py)."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw


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
