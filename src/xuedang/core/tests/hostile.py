"""Hostile files the tests of every app send: pictures that declare far more pixels than they
hold (the decompression bombs of issue 20), built here in a few bytes."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def bomb_jpeg(width: int = 60000, height: int = 60000) -> bytes:
    """A valid 16×16 JPEG whose frame header declares `width`×`height` (631 bytes or so)."""
    out = io.BytesIO()
    Image.new("L", (16, 16), 128).save(out, format="JPEG")
    data = bytearray(out.getvalue())
    frame = data.index(b"\xff\xc0")  # SOF0: length (2), precision (1), height (2), width (2)
    struct.pack_into(">HH", data, frame + 5, height, width)
    return bytes(data)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int = 12000, height: int = 12000) -> bytes:
    """A real, complete black 1-bit PNG of `width`×`height`: ~17 KB on disk, 144 megapixels
    (432 MB as RGB) once decoded."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")
