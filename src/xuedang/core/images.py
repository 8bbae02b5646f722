"""Image intake: the one door every uploaded picture goes through (credential photos, the
school's replacement photo, correction and former-identity evidence, identity-appeal photos,
and the photo ZIP and 认证 scans that come later).

A picture file can declare any size in a few bytes: a 631-byte JPEG that says 60000×60000
would need 10 GB to decode. So the declared size is read from the header (Pillow's
`Image.open` is lazy) and checked against `IMAGE_MAX_PIXELS` before a single pixel is
decoded. What passes is decoded, turned upright, rebuilt from its pixels alone (EXIF with
GPS position and device, ICC, comments and any appended bytes are gone) and re-encoded.
Every refusal is an `ImageRefused` (a `ValidationError` with a bilingual message and a code),
never a 500.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

# 50 megapixels: an A4 page scanned at 600 dpi is 35 MP, a phone's largest mode 48–50 MP.
# Decoding such a picture takes at most ~200 MB for a moment; a larger one is refused unread.
IMAGE_MAX_PIXELS = 50_000_000
# A side longer than this is a strip, not a photo or a page (and would defeat `fit`'s draft).
IMAGE_MAX_SIDE = 12_000

# Every other Pillow reader in the process (the PDF writer reading stored photos) refuses a
# bomb too: Pillow warns above this and raises DecompressionBombError above twice this.
Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
# Phones write some JPEGs as MPO (several pictures in one file); the first one is the photo.
_SAME_AS = {"MPO": "JPEG"}


class ImageRefused(ValidationError):
    """A picture refused at intake. `code` says why: `size` (bytes), `pixels` (declared
    dimensions), `type` (not an image, or a format not accepted), `damaged`, `small`."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)

    def for_field(self, field: str) -> ValidationError:
        """The same refusal as a field error of a form or service."""
        return ValidationError({field: [ValidationError(self.messages[0], code=self.code)]})


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    format: str  # "JPEG" or "PNG"
    content_type: str
    size: tuple[int, int]  # of `data`, after turning upright and fitting
    declared: tuple[int, int]  # as the file's header stated it


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f}"


def _refuse_pixels(width: int | None = None, height: int | None = None) -> ImageRefused:
    over = _megapixels(2 * IMAGE_MAX_PIXELS)
    declared = f"（此文件声明 {width}×{height}）" if width else f"（此文件声明超过 {over} 百万像素）"
    declared_en = f" (this file declares {width}×{height})" if width else f" (it declares over {over} megapixels)"
    return ImageRefused(
        f"图片像素过多{declared}：每张不超过 {_megapixels(IMAGE_MAX_PIXELS)} 百万像素、"
        f"每边不超过 {IMAGE_MAX_SIDE} 像素，请缩小后再上传 / the picture is too large{declared_en}: "
        f"at most {_megapixels(IMAGE_MAX_PIXELS)} megapixels and {IMAGE_MAX_SIDE} pixels a side; "
        "scale it down and upload it again",
        "pixels",
    )


def _names(formats: tuple[str, ...]) -> tuple[str, str]:
    return " 或 ".join(formats), " or ".join(formats)


def _read(source: bytes | IO[bytes], max_bytes: int, stated: int | None) -> bytes:
    if stated is not None and stated > max_bytes:
        raise _too_big(max_bytes, stated)
    data = source if isinstance(source, bytes) else source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_big(max_bytes, len(data))
    if not data:
        raise ImageRefused("文件是空的 / the file is empty", "type")
    return data


def _too_big(max_bytes: int, actual: int) -> ImageRefused:
    return ImageRefused(
        f"图片不能超过 {_size(max_bytes)}（此文件 {_size(actual)} 以上）/ "
        f"the picture must be at most {_size(max_bytes)}",
        "size",
    )


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.0f} MB"
    return f"{count // 1024} KB"


# What a file's first bytes say it is, so a refusal can name it ("this is a GIF").
_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF-", "PDF"),
)


def _sniff(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return "HEIC/AVIF"
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def _open(data: bytes, formats: tuple[str, ...]) -> Image.Image:
    """Read the header only; refuse what is not one of `formats` or declares too many pixels.
    Only the plugins of `formats` ever parse the bytes."""
    zh, en = _names(formats)
    kind = _sniff(data)
    if kind is None:
        raise ImageRefused(f"无法识别的图片，请上传 {zh} 文件 / not a readable picture; upload a {en} file", "type")
    if kind not in formats:
        raise ImageRefused(f"只接受 {zh}，此文件是 {kind} / only {en} is accepted, this is {kind}", "type")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked just below
            picture = Image.open(io.BytesIO(data), formats=[kind])  # JPEG's reader also opens MPO
    except Image.DecompressionBombError as error:  # over twice the budget: Pillow stops at the header
        raise _refuse_pixels() from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _damaged(kind) from error
    width, height = picture.size
    if width * height > IMAGE_MAX_PIXELS or max(width, height) > IMAGE_MAX_SIDE:
        picture.close()
        raise _refuse_pixels(width, height)
    if width < 1 or height < 1:
        picture.close()
        raise _damaged(kind)
    return picture


def _damaged(kind: str) -> ImageRefused:
    return ImageRefused(f"{kind} 图片已损坏或不完整 / the {kind} picture is damaged or incomplete", "damaged")


def _decode(picture: Image.Image, fit: tuple[int, int] | None) -> Image.Image:
    if fit and picture.format in ("JPEG", "MPO"):
        picture.draft("RGB", fit)  # decode a large JPEG at 1/2, 1/4 or 1/8 scale directly
    try:
        picture.load()
        upright = ImageOps.exif_transpose(picture)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise _damaged(_SAME_AS.get(picture.format or "", picture.format or "")) from error
    if fit:
        upright.thumbnail(fit)
    return upright


def _strip(picture: Image.Image, out_format: str) -> Image.Image:
    """The pixels alone: no EXIF, ICC, text chunks, comments or anything appended."""
    transparent = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if out_format == "PNG" and transparent:
        mode = "RGBA"
    elif picture.mode in ("L", "1"):
        mode = "L"
    else:
        mode = "RGB"
    pixels = picture.convert(mode)
    return Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())


def _encode(picture: Image.Image, out_format: str, max_output_bytes: int | None) -> bytes:
    if out_format == "PNG":
        out = io.BytesIO()
        picture.save(out, format="PNG", optimize=False)
        return out.getvalue()
    for quality in (90, 85, 80, 70, 60, 50, 40):
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=quality)
        if max_output_bytes is None or out.tell() <= max_output_bytes:
            return out.getvalue()
    raise ImageRefused(
        f"图片压缩后仍超过 {_size(max_output_bytes or 0)}，请换一张更简洁的照片 / even compressed the picture is "
        f"larger than {_size(max_output_bytes or 0)}; use a plainer photo",
        "size",
    )


def image_intake(
    source: bytes | IO[bytes],
    *,
    max_bytes: int,
    formats: tuple[str, ...] = ("JPEG", "PNG"),
    fit: tuple[int, int] | None = None,
    min_side: int = 0,
    output: str | None = None,
    max_output_bytes: int | None = None,
    size: int | None = None,
) -> CleanImage:
    """Check and clean one uploaded picture; raise `ImageRefused` with the reason.

    `max_bytes` bounds the upload (read at most one byte more), `formats` the accepted kinds,
    `fit` shrinks the result into a box (keeping proportions), `min_side` refuses pictures too
    small to read, `output` forces the stored format ("JPEG"), `max_output_bytes` steps the JPEG
    quality down until the result fits, `size` is the upload's size as the request stated it
    (refused before reading when over `max_bytes`).
    """
    data = _read(source, max_bytes, size)
    with _open(data, formats) as picture:
        declared = picture.size
        kind = _SAME_AS.get(picture.format or "", picture.format or "")
        upright = _decode(picture, fit)
    if min(upright.size) < min_side:
        raise ImageRefused(
            f"图片太小（每边至少 {min_side} 像素，此图 {upright.size[0]}×{upright.size[1]}）/ the picture is too "
            f"small (at least {min_side} pixels a side, this one is {upright.size[0]}×{upright.size[1]})",
            "small",
        )
    out_format = output or kind
    clean = _strip(upright, out_format)
    encoded = _encode(clean, out_format, max_output_bytes)
    return CleanImage(
        data=encoded, format=out_format, content_type=CONTENT_TYPES[out_format], size=clean.size, declared=declared
    )
