"""A PII-key rotation while the service reads and writes personal data (issue 16 item 5): no read
fails, and a value written during the rotation is not overwritten by the re-encryption of the old."""

from __future__ import annotations

import base64
import os
import threading
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection, connections

from xuedang.accounts.models import User
from xuedang.accounts.services import user_create
from xuedang.core import crypto
from xuedang.core.validators import compose_resident_id

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
NEW_PHONE = "13900139000"


def _in_thread(function) -> None:
    """Run `function` on its own connection (another request of the service) and wait for it."""
    errors = []

    def run() -> None:
        try:
            function()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_rotation_under_reads_and_writes_fails_no_request_and_loses_no_write(postgres, settings, monkeypatch):
    old, new = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    settings.PII_KEYS = f"old:{old}"
    crypto.reset_key_cache()
    people = {}
    for n in range(40):
        document = compose_resident_id("110105", date(2004, 5, 6), 200 + n)
        user = user_create(
            actor=None,
            username=f"p{n}",
            password="Xuedang-pii-2026!",
            real_name="吉𠮷",
            phone=f"138{n:08d}",
            document_type="resident_id",
            document_number=document,
        )
        people[user.pk] = document
    target = min(people)
    target_phone = User.objects.get(pk=target).phone
    # Step 1 of the rotation: every process knows both keys, the new one first.
    settings.PII_KEYS = f"new:{new},old:{old}"
    crypto.reset_key_cache()

    failures: list[Exception] = []
    reads = 0
    stop = threading.Event()

    def reader() -> None:  # the service's requests, reading personal data all through the rotation
        nonlocal reads
        try:
            while not stop.is_set():
                try:
                    for user in User.objects.filter(pk__in=people).only("pk", "document_number"):
                        assert user.document_number == people[user.pk]
                        reads += 1
                except Exception as error:
                    failures.append(error)
        finally:
            connections.close_all()

    wrote = threading.Event()
    real_seal = crypto.seal

    def seal_while_a_user_writes(plaintext: str) -> str:
        # Between the rotation's read of a batch and its update, a person changes their phone.
        if plaintext == target_phone and not wrote.is_set():
            wrote.set()
            _in_thread(lambda: User.objects.filter(pk=target).update(phone=NEW_PHONE))
        return real_seal(plaintext)

    monkeypatch.setattr(crypto, "seal", seal_while_a_user_writes)
    thread = threading.Thread(target=reader)
    thread.start()
    try:
        call_command("pii_rotate", batch_size=7)
    finally:
        stop.set()
        thread.join()
    monkeypatch.setattr(crypto, "seal", real_seal)

    assert wrote.is_set()
    assert failures == []
    assert reads > 0
    assert User.objects.get(pk=target).phone == NEW_PHONE  # the write made during the rotation survived
    call_command("pii_rotate")  # a second pass re-encrypts anything skipped because it changed
    with connection.cursor() as cursor:
        cursor.execute("SELECT document_number, phone FROM accounts_user WHERE id = ANY(%s)", [list(people)])
        tokens = [token for row in cursor.fetchall() for token in row if token]
    assert tokens
    assert all(token.startswith("new$") for token in tokens)
    # Step 3: the old key is dropped; everything still reads.
    settings.PII_KEYS = f"new:{new}"
    crypto.reset_key_cache()
    assert {user.pk: user.document_number for user in User.objects.filter(pk__in=people)} == people
    assert User.objects.get(pk=target).phone == NEW_PHONE
