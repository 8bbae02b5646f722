"""Evidence files attached to a student's requests (corrections, former identities)."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from xuedang.archive.services.common import _fail

EVIDENCE_MAX_BYTES = 4 * 1024 * 1024


def evidence_check(data: bytes, name: str) -> str:
    """A PDF or JPEG of at most 4 MB, checked by its content (not its name); returns its type."""
    if not data:
        raise _fail("evidence", "请上传证明材料 / attach the evidence file", "required")
    if len(data) > EVIDENCE_MAX_BYTES:
        raise _fail(
            "evidence",
            f"证明材料不能超过 4 MB（实际 {len(data) / 1048576:.1f} MB）/ the evidence file must be at most 4 MB",
            "size",
        )
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _fail("evidence", "PDF 文件不完整 / the PDF file is incomplete", "type")
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        try:
            with Image.open(io.BytesIO(data)) as picture:
                picture.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise _fail("evidence", "JPEG 图片已损坏 / the JPEG image is damaged", "type") from error
        return "image/jpeg"
    raise _fail(
        "evidence", f"证明材料须为 PDF 或 JPEG（“{name[:60]}”不是）/ the evidence must be a PDF or JPEG file", "type"
    )


def evidence_check_into(errors: dict[str, list[str]], data: bytes, name: str) -> str:
    """`evidence_check` for a request of several fields: a refusal goes into `errors["evidence"]`
    (so every field's problem is shown at once) and the type returned is ""."""
    try:
        return evidence_check(data, name)
    except ValidationError as error:
        errors["evidence"] = error.messages
        return ""
