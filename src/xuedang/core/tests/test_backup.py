"""`xuedang backup create DIR` / `backup verify DIR`: a full backup → restore → verify round trip
on PostgreSQL, and verification failing when the copy does not match or its audit chain is broken."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from xuedang.conftest import make_enrollment
from xuedang.core.audit import audit_log
from xuedang.core.models import AuditEntry
from xuedang.core.validators import compose_resident_id

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def records(postgres) -> None:
    for number in range(3):
        document = compose_resident_id("110105", date(2005, 3, 1), 100 + number)
        make_enrollment(student_number=f"2025{number:04d}", document_number=document)
    audit_log(actor=None, action="test.backup", target=("test", "1"), after={"n": 1})


def test_a_backup_restores_with_the_same_rows_and_an_intact_audit_chain(records, tmp_path, capsys) -> None:
    call_command("backup", "create", str(tmp_path))
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["row_counts"]["registry_enrollment"] == 3
    assert manifest["row_counts"]["core_auditentry"] == AuditEntry.objects.count()
    assert manifest["audit_head"] == AuditEntry.objects.order_by("-id").first().hash
    call_command("backup", "verify", str(tmp_path))
    assert "backup restores" in capsys.readouterr().out
    with connection.cursor() as cursor:  # the scratch database is gone
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'xuedang_restore_%%'")
        assert cursor.fetchone()[0] == 0


def test_verify_fails_when_the_copy_differs_from_its_manifest(records, tmp_path, capsys) -> None:
    call_command("backup", "create", str(tmp_path))
    manifest_path = tmp_path / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["row_counts"]["registry_enrollment"] += 1  # a row the dump lost
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(SystemExit) as failed:
        call_command("backup", "verify", str(tmp_path))
    assert failed.value.code == 1
    assert "registry_enrollment" in capsys.readouterr().err


def test_verify_fails_when_the_restored_audit_chain_is_broken(records, tmp_path, capsys) -> None:
    with connection.cursor() as cursor:  # history rewritten (past the append-only trigger) before the backup
        cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
        cursor.execute("UPDATE core_auditentry SET reason = 'x' WHERE id = (SELECT min(id) FROM core_auditentry)")
        cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only")
    call_command("backup", "create", str(tmp_path))
    with pytest.raises(SystemExit):
        call_command("backup", "verify", str(tmp_path))
    assert "audit verify" in capsys.readouterr().err
