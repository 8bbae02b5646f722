"""Shared pieces for accounts tests: reading the development SMS outbox, photos, appeals."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from django.conf import settings
from PIL import Image

from xuedang.conftest import PASSWORD

OWNER_ID = "11010519491231002X"  # the `student` fixture's ID (吉𠮷)
NEWCOMER_PHONE = "13912345678"


def sms_outbox(data_dir: Path | None = None) -> list[dict]:
    path = (data_dir or settings.DATA_DIR) / "outbox" / "sms.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def last_code(data_dir: Path | None = None) -> str:
    codes = [m["params"]["code"] for m in sms_outbox(data_dir) if m["kind"] == "code"]
    return codes[-1]


def jpeg_with_exif(size: tuple[int, int] = (640, 480)) -> bytes:
    image = Image.new("RGB", size, (200, 180, 160))
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"  # Make
    exif[0x0132] = "2026:11:25 08:00:00"  # DateTime
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def newcomer(phone: str = NEWCOMER_PHONE, username: str = "newcomer"):
    """An account created through the service without an identity (as registration does when
    the ID is taken), with an appeal draft for the `student` fixture's ID."""
    from xuedang.accounts.models import IdentityAppeal
    from xuedang.accounts.services import user_create
    from xuedang.core import crypto

    user = user_create(actor=None, username=username, password=PASSWORD, real_name="吉𠮷", phone=phone)
    IdentityAppeal.objects.create(
        appellant=user,
        real_name="吉𠮷",
        document_type="resident_id",
        document_number=OWNER_ID,
        identity_digest=crypto.identity_digest("resident_id", OWNER_ID),
    )
    return user


def submitted_appeal(phone: str = NEWCOMER_PHONE):
    from xuedang.accounts.services.appeals import appeal_submit

    user = newcomer(phone)
    photo = jpeg_with_exif()
    return appeal_submit(user=user, upload=io.BytesIO(photo), size=len(photo), statement="本人证件被他人注册")


def digits_of(text: str) -> set[str]:
    return set(re.findall(r"\d{11,18}[0-9Xx]?", text))
