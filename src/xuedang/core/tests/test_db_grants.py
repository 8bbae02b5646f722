"""`xuedang db_grants`: the application's role may append to the audit log but never rewrite it."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction

from xuedang.core.audit import audit_log
from xuedang.core.models import AuditEntry


@pytest.fixture
def app_role(postgres):
    role = f"xuedang_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}"')
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def _as(role: str, sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')
        cursor.execute(sql)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_app_role_appends_to_the_audit_log_but_cannot_rewrite_it(app_role) -> None:
    audit_log(actor=None, action="test.before", target=("test", "1"), after={"x": 1})
    call_command("db_grants", role=app_role)
    with transaction.atomic():  # the application appends, as the app role
        with connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL ROLE "{app_role}"')
        audit_log(actor=None, action="test.grants", target=("test", "1"), after={"x": 2})
    assert AuditEntry.objects.filter(action="test.grants").exists()
    _as(app_role, "SELECT count(*) FROM core_auditentry")
    _as(app_role, "UPDATE institutions_institution SET name = name WHERE false")  # ordinary tables: writable
    for statement in (
        "UPDATE core_auditentry SET reason = 'rewritten'",
        "DELETE FROM core_auditentry",
        "TRUNCATE core_auditentry",
        "DELETE FROM django_migrations",
        "CREATE TABLE sneaky (id int)",
    ):
        with pytest.raises(Exception) as refused:  # noqa: PT011 — Django wraps psycopg's error
            _as(app_role, statement)
        assert isinstance(refused.value.__cause__, psycopg.errors.InsufficientPrivilege), statement


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_grants_print_names_the_audit_log_and_refuse_an_unknown_role(postgres, capsys) -> None:
    call_command("db_grants", role="xuedang_app", print=True)
    assert 'REVOKE UPDATE, DELETE, TRUNCATE ON "core_auditentry"' in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="does not exist"):
        call_command("db_grants", role=f"nobody_{uuid.uuid4().hex[:6]}")
