"""Personal numbers are encrypted at rest, rotate with the key, and never reach the logs."""

from __future__ import annotations

import base64
import logging
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from xuedang.accounts.models import User
from xuedang.accounts.services import user_create
from xuedang.conftest import make_enrollment
from xuedang.core import crypto
from xuedang.core.logging import RedactPIIFilter
from xuedang.registry.models import Enrollment

pytestmark = pytest.mark.django_db
ID = "11010519491231002X"
PHONE = "13800138000"


def _person() -> User:
    return user_create(
        actor=None,
        username="pii",
        password="Xuedang-pii-2026!",
        real_name="吉𠮷",
        phone=PHONE,
        document_type="resident_id",
        document_number=ID,
    )


def _every_text_value() -> list[str]:
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            values.extend(str(v) for row in cursor.fetchall() for v in row if v is not None)
    return values


def test_no_table_holds_a_clear_id_or_phone_number() -> None:
    _person()
    make_enrollment(document_number=ID)
    dump = "\n".join(_every_text_value())
    assert ID not in dump
    assert ID.lower() not in dump
    assert PHONE not in dump


def test_the_sqlite_file_image_holds_no_clear_id(tmp_path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("byte scan of the SQLite database image")
    _person()
    make_enrollment(document_number=ID)
    lines = "\n".join(connection.connection.iterdump())
    assert ID not in lines
    assert PHONE not in lines


def test_code_sees_clear_values_and_each_encryption_differs() -> None:
    user = _person()
    again = User.objects.get(pk=user.pk)
    assert again.document_number == ID
    assert again.phone == PHONE
    assert crypto.seal(ID) != crypto.seal(ID)
    assert User.objects.get(identity_digest=crypto.identity_digest("resident_id", ID)) == user


@pytest.fixture
def rotated_keys(settings):
    old, new = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    settings.PII_KEYS = f"old:{old}"
    crypto.reset_key_cache()
    yield old, new
    crypto.reset_key_cache()


def test_rotation_reencrypts_under_the_new_key(settings, rotated_keys) -> None:
    old, new = rotated_keys
    user = _person()
    enrollment = make_enrollment(document_number=ID)
    settings.PII_KEYS = f"new:{new},old:{old}"
    crypto.reset_key_cache()
    call_command("pii_rotate")
    with connection.cursor() as cursor:
        cursor.execute("SELECT document_number, phone FROM accounts_user WHERE id = %s", [user.pk])
        tokens = cursor.fetchone()
    assert all(token.startswith("new$") for token in tokens)
    settings.PII_KEYS = f"new:{new}"
    crypto.reset_key_cache()
    assert User.objects.get(pk=user.pk).document_number == ID
    assert Enrollment.objects.get(pk=enrollment.pk).document_number == ID


def test_a_token_under_an_unknown_key_is_refused(settings, rotated_keys) -> None:
    token = crypto.seal(ID)
    settings.PII_KEYS = f"other:{rotated_keys[1]}"
    crypto.reset_key_cache()
    with pytest.raises(ImproperlyConfigured):
        crypto.unseal(token)


def test_log_lines_lose_id_and_phone_numbers() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "lookup %s by %s failed", (ID, f"+86 {PHONE}"), None)
    RedactPIIFilter().filter(record)
    message = record.getMessage()
    assert ID not in message
    assert PHONE not in message
    assert "[redacted]" in message


def test_a_traceback_is_redacted_before_any_handler_writes_it() -> None:
    """The first handler formats the traceback itself: the filter must already have cleaned it."""
    import io
    import sys

    try:
        raise ValueError(f"no student with ID {ID}")
    except ValueError:
        exc_info = sys.exc_info()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPIIFilter())
    logger = logging.getLogger("xuedang.tests.traceback")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("lookup failed", exc_info=exc_info, stack_info=True)
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "ValueError" in written
    assert "[redacted]" in written
    assert ID not in written
