"""Give the application's database role what it needs, and no way to rewrite the audit log.

Run by the owner of the tables (the role `migrate` runs as) after every `migrate`:

    xuedang db_grants --role xuedang_app

The application's role may read and write every table, use every sequence, and only read and
append to the audit log (core_auditentry): no UPDATE, DELETE or TRUNCATE there, so a compromised
application server cannot edit history; `xuedang audit verify` would see a removed entry anyway.
It cannot change the schema (it owns nothing) nor record migrations. deploy/roles.sql creates the
roles; docs/deploy.md, "Database roles", has the order.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from xuedang.core.models import AuditEntry

APPEND_ONLY_MODELS = (AuditEntry,)


def grant_statements(role: str) -> list[str]:
    qn = connection.ops.quote_name
    who = qn(role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
        f"REVOKE INSERT, UPDATE, DELETE ON {qn('django_migrations')} FROM {who}",
    ]
    for model in APPEND_ONLY_MODELS:
        statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {qn(model._meta.db_table)} FROM {who}")
    return statements


class Command(BaseCommand):
    help = "授予应用数据库角色权限（审计日志只追加） / grant the application's role its rights (audit log append-only)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", default="xuedang_app", help="the role the web and worker processes log in as")
        parser.add_argument("--print", action="store_true", help="print the statements instead of running them")

    def handle(self, *args: object, role: str, print: bool, **options: object) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("db_grants 仅适用于 PostgreSQL / db_grants is for PostgreSQL only")
        statements = grant_statements(role)
        if print:
            self.stdout.write(";\n".join(statements) + ";")
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(
                    f"角色 {role} 不存在（见 deploy/roles.sql） / role {role} does not exist (deploy/roles.sql)"
                )
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(f"{role}: {len(statements)} 条授权已执行 / statements applied")
