"""The audit chain: every write leaves an entry, and any edit or deletion is detected."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from xuedang.conftest import make_enrollment
from xuedang.core.audit import AuditDraft, audit_log, audit_log_bulk, verify_chain
from xuedang.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@contextmanager
def tamper_allowed():
    """Lift the append-only trigger, as an attacker with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")


def _three_entries() -> list[AuditEntry]:
    return [
        audit_log(actor=None, action="test.action", target=("test.thing", str(i)), after={"value": i}) for i in range(3)
    ]


def test_entries_chain_and_the_intact_chain_verifies() -> None:
    entries = _three_entries()
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    report = verify_chain()
    assert report.ok
    assert report.checked == 3


def test_an_edited_entry_is_found_and_the_command_exits_1(capsys) -> None:
    entries = _three_entries()
    with tamper_allowed(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET reason = %s WHERE id = %s", ["改过", entries[1].pk])
    report = verify_chain()
    assert not report.ok
    assert report.first_broken_id == entries[1].pk
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    assert f"第 {entries[1].pk} 条断开" in capsys.readouterr().err


def test_a_deleted_entry_is_found() -> None:
    entries = _three_entries()
    with tamper_allowed(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    report = verify_chain()
    assert not report.ok
    assert report.first_broken_id == entries[2].pk


def test_the_intact_command_says_so(capsys) -> None:
    _three_entries()
    call_command("audit", "verify")
    assert "审计链完整：已核对 3 条" in capsys.readouterr().out


def test_the_database_refuses_to_change_or_delete_entries() -> None:
    entry = _three_entries()[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_id_numbers_phones_and_secrets_never_enter_the_log() -> None:
    entry = audit_log(
        actor=None,
        action="test.pii",
        target=("test.thing", "1"),
        after={
            "document_number": "11010519491231002X",
            "phone": "13800138000",
            "note": "证件 11010519491231002X 手机 13800138000",
            "password": "hunter2",
        },
    )
    stored = AuditEntry.objects.get(pk=entry.pk).after
    assert stored["document_number"] == "110105********002X"
    assert stored["phone"] == "138****8000"
    assert "11010519491231002X" not in stored["note"]
    assert "13800138000" not in stored["note"]
    assert stored["password"] == "[removed]"


def test_a_registry_write_is_audited_with_operator_and_values(registrar) -> None:
    enrollment = make_enrollment(actor=registrar)
    entry = AuditEntry.objects.get(action="registry.enrollment.registered")
    assert entry.actor == registrar
    assert entry.target_id == str(enrollment.pk)
    assert entry.after["major_name"] == "计算机科学与技术"
    assert "11010519491231002X" not in str(entry.after)


def test_bulk_entries_continue_the_chain() -> None:
    _three_entries()
    audit_log_bulk(
        AuditDraft(action="test.bulk", target_type="test.thing", target_id=str(i), after={"i": i}) for i in range(2500)
    )
    report = verify_chain(batch_size=700)
    assert report.ok
    assert report.checked == 2503
