"""Image intake (issue 20 item 3): a picture's declared size is checked before a pixel is
decoded, non-pictures and other formats are named and refused, what passes is re-encoded
without its metadata, and nothing a client sends makes the intake fail other than by refusing."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from xuedang.core.images import IMAGE_MAX_PIXELS, ImageRefused, image_intake
from xuedang.core.tests.hostile import bomb_jpeg, bomb_png


def _picture(kind: str = "JPEG", size: tuple[int, int] = (640, 480), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=kind, **save)
    return out.getvalue()


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to decode pixels fails the test."""

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.parametrize(
    ("bomb", "declared"),
    [(bomb_jpeg(), "超过 100 百万像素"), (bomb_jpeg(9000, 9000), "9000×9000"), (bomb_png(), "超过 100 百万像素")],
)
def test_a_picture_declaring_too_many_pixels_is_refused_without_decoding(no_decoding, bomb, declared) -> None:
    assert len(bomb) < 20_000
    with pytest.raises(ImageRefused) as refused:
        image_intake(bomb, max_bytes=4 << 20)
    assert refused.value.code == "pixels"
    assert "图片像素过多" in refused.value.messages[0]
    assert "50 megapixels" in refused.value.messages[0]
    assert declared in refused.value.messages[0]


def test_a_strip_longer_than_the_side_limit_is_refused(no_decoding) -> None:
    with pytest.raises(ImageRefused, match="12000 像素") as refused:
        image_intake(bomb_png(13000, 10), max_bytes=4 << 20)
    assert refused.value.code == "pixels"


def test_pillow_everywhere_in_the_process_refuses_the_same_budget() -> None:
    assert Image.MAX_IMAGE_PIXELS == IMAGE_MAX_PIXELS
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb_jpeg()))


@pytest.mark.parametrize(
    ("data", "message", "code"),
    [
        (b"", "文件是空的", "type"),
        (b"MZ\x90\x00 an executable", "无法识别的图片", "type"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "无法识别的图片", "type"),
        (_picture("GIF"), "此文件是 GIF", "type"),
        (_picture("BMP"), "此文件是 BMP", "type"),
        (b"%PDF-1.7\n%%EOF", "此文件是 PDF", "type"),
        (b"\xff\xd8\xff\xe0 broken", "JPEG 图片已损坏", "damaged"),
        (_picture("JPEG")[:300], "JPEG 图片已损坏", "damaged"),
        (_picture("PNG")[:60], "PNG 图片已损坏", "damaged"),
    ],
)
def test_what_is_not_an_accepted_picture_is_named_and_refused(data, message, code) -> None:
    with pytest.raises(ImageRefused, match=message) as refused:
        image_intake(data, max_bytes=1 << 20)
    assert refused.value.code == code
    assert " / " in refused.value.messages[0]  # Chinese first, then English


def test_the_byte_limit_is_checked_before_reading_past_it() -> None:
    stream = io.BytesIO(_picture(size=(2000, 2000)))
    with pytest.raises(ImageRefused, match="不能超过 10 KB") as refused:
        image_intake(stream, max_bytes=10 * 1024)
    assert refused.value.code == "size"
    assert stream.tell() == 10 * 1024 + 1
    with pytest.raises(ImageRefused, match="不能超过"):
        image_intake(io.BytesIO(b""), max_bytes=1024, size=5000)  # the stated size alone refuses


def test_metadata_is_gone_and_the_photo_stands_upright() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    exif[0x8825] = {2: (39.0, 54.0, 26.0)}  # GPS latitude
    exif[0x0112] = 6  # stored on its side: turn 90° to display
    data = _picture(size=(640, 480), exif=exif.tobytes(), icc_profile=b"fake-icc" * 10, comment=b"hello")
    data += b"appended secret"
    clean = image_intake(data, max_bytes=1 << 20)
    assert clean.declared == (640, 480)
    assert clean.size == (480, 640)
    for secret in (b"SecretPhoneMaker", b"fake-icc", b"hello", b"appended secret"):
        assert secret not in clean.data
    with Image.open(io.BytesIO(clean.data)) as picture:
        assert not picture.getexif()
        assert "icc_profile" not in picture.info


def test_a_png_keeps_its_transparency_and_its_format() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (400, 300), (10, 20, 30, 128)).save(out, format="PNG", pnginfo=None)
    clean = image_intake(out.getvalue(), max_bytes=1 << 20)
    assert (clean.format, clean.content_type) == ("PNG", "image/png")
    with Image.open(io.BytesIO(clean.data)) as picture:
        assert picture.mode == "RGBA"
        assert picture.getpixel((0, 0)) == (10, 20, 30, 128)


def test_fit_shrinks_and_output_converts() -> None:
    clean = image_intake(_picture("PNG", size=(4000, 3000)), max_bytes=4 << 20, fit=(2000, 2000), output="JPEG")
    assert (clean.size, clean.format, clean.content_type) == ((2000, 1500), "JPEG", "image/jpeg")


def test_the_jpeg_quality_steps_down_to_fit_and_refuses_when_it_cannot() -> None:
    noisy = Image.effect_noise((480, 640), 120).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="JPEG", quality=95)
    clean = image_intake(out.getvalue(), max_bytes=1 << 20, max_output_bytes=160 * 1024)
    assert len(clean.data) <= 160 * 1024
    with pytest.raises(ImageRefused, match="压缩后仍超过") as refused:
        image_intake(out.getvalue(), max_bytes=1 << 20, max_output_bytes=2 * 1024)
    assert refused.value.code == "size"


def test_a_picture_too_small_to_read_is_refused() -> None:
    with pytest.raises(ImageRefused, match="图片太小") as refused:
        image_intake(_picture(size=(200, 200)), max_bytes=1 << 20, min_side=300)
    assert refused.value.code == "small"


def test_a_refusal_becomes_a_field_error() -> None:
    with pytest.raises(ImageRefused) as refused:
        image_intake(b"nope", max_bytes=10)
    error = refused.value.for_field("photo")
    assert error.message_dict == {"photo": refused.value.messages}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b""]),
    cut=st.integers(min_value=0, max_value=2000),
    noise=st.binary(max_size=64),
)
def test_no_bytes_make_the_intake_fail_other_than_by_refusing(prefix, cut, noise) -> None:
    """A real picture cut anywhere and followed by noise, or noise behind a picture's magic."""
    base = _picture("JPEG" if prefix != b"\x89PNG\r\n\x1a\n" else "PNG", size=(64, 48))
    data = (base[:cut] + noise) if prefix or cut % 2 else prefix + noise
    with contextlib.suppress(ImageRefused):
        image_intake(data, max_bytes=1 << 20)
