"""Evidence files attached to a student's requests (corrections, former identities)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from xuedang.archive.services.common import _fail
from xuedang.core.images import ImageRefused, image_intake

EVIDENCE_MAX_BYTES = 4 * 1024 * 1024
# A scanned A4 page stays readable at this size (≈ 430 dpi); larger scans are scaled down.
EVIDENCE_MAX_SIDE = 5000


def evidence_check(data: bytes, name: str) -> tuple[bytes, str]:
    """A PDF or JPEG of at most 4 MB, checked by its content (not its name); returns what to
    store and its type. A JPEG goes through `core.images.image_intake` (declared size checked
    before decoding, re-encoded without its metadata); a PDF is kept as sent."""
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
        return data, "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        try:
            clean = image_intake(
                data, max_bytes=EVIDENCE_MAX_BYTES, formats=("JPEG",), fit=(EVIDENCE_MAX_SIDE, EVIDENCE_MAX_SIDE)
            )
        except ImageRefused as refused:
            raise refused.for_field("evidence") from refused
        return clean.data, clean.content_type
    raise _fail(
        "evidence", f"证明材料须为 PDF 或 JPEG（“{name[:60]}”不是）/ the evidence must be a PDF or JPEG file", "type"
    )


def evidence_check_into(errors: dict[str, list[str]], data: bytes, name: str) -> tuple[bytes, str]:
    """`evidence_check` for a request of several fields: a refusal goes into `errors["evidence"]`
    (so every field's problem is shown at once) and what is returned is empty."""
    try:
        return evidence_check(data, name)
    except ValidationError as error:
        errors["evidence"] = error.messages
        return b"", ""
