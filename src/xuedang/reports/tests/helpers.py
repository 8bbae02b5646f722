"""PDF checks the report tests share: poppler's tools (required in CI) and a tampered copy."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{tool} (poppler-utils) is required in CI")
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return path


def run(tool: str, data: bytes, tmp_path: Path, *args: str) -> str:
    """A poppler tool's output (stdout and stderr) on `data` as a file."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    done = subprocess.run(
        [poppler(tool), *args, str(path), *(["-"] if tool == "pdftotext" else [])], capture_output=True
    )
    return done.stdout.decode("utf-8") + done.stderr.decode("utf-8", "replace")


def one_byte_changed(data: bytes) -> bytes:
    """The signed file with one digit of the page size (inside the signed byte range) changed."""
    at = data.index(b"/MediaBox [ 0 0 595") + len(b"/MediaBox [ 0 0 59")
    assert data[at : at + 1] == b"5"
    return data[:at] + b"6" + data[at + 1 :]
