"""Logical backups that are proven restorable (docs/deploy.md, "Backups"; decision 0013).

    xuedang backup create DIR    # pg_dump of one consistent snapshot + DIR/manifest.json
    xuedang backup verify DIR    # restore into a scratch database, `audit verify` there,
                                 # compare every table's row count and the audit chain's head

`create` opens a REPEATABLE READ transaction, exports its snapshot, counts every table's rows and
reads the audit chain's last hash in it, and has pg_dump dump that same snapshot: the manifest
describes exactly what the dump holds, while the service keeps writing. `verify` exits 1, naming
what differs, when the restore fails, the audit chain of the restored copy is broken, or any count
or the chain's head differs from the manifest. The scratch database is dropped afterwards.

Continuous protection (base backups + WAL archiving) is PostgreSQL's own, documented in
docs/deploy.md; this command is the nightly logical copy and the proof that restores work.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

DUMP = "xuedang.dump"
MANIFEST = "manifest.json"
AUDIT_TABLE = "core_auditentry"


def _tool(name: str) -> str:
    for candidate in (Path("/usr/lib/postgresql/15/bin") / name, shutil.which(name)):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise CommandError(f"找不到 {name}（postgresql-client） / {name} not found (postgresql-client)")


def _conninfo(settings: dict[str, Any], name: str | None = None) -> str:
    parts = {
        "host": settings.get("HOST") or "127.0.0.1",
        "port": str(settings.get("PORT") or 5432),
        "user": settings.get("USER") or "postgres",
        "dbname": name or settings["NAME"],
    }
    return " ".join(f"{key}={value}" for key, value in parts.items())


def _env(settings: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return env


def _tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    )
    return [row[0] for row in cursor.fetchall()]


def snapshot_facts(cursor: Any) -> dict[str, Any]:
    """Row counts of every table and the audit chain's head, in the cursor's transaction."""
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 — names from pg_tables
        counts[table] = cursor.fetchone()[0]
    head = None
    if AUDIT_TABLE in counts:
        cursor.execute(f'SELECT hash FROM "{AUDIT_TABLE}" ORDER BY id DESC LIMIT 1')  # noqa: S608
        row = cursor.fetchone()
        head = row[0] if row else None
    return {"row_counts": counts, "audit_head": head}


class Command(BaseCommand):
    help = "备份并验证可恢复 / back up, and prove a backup restores: `create DIR`, `verify DIR`"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="pg_dump of one snapshot, with its manifest")
        create.add_argument("directory")
        verify = sub.add_parser("verify", help="restore into a scratch database and compare")
        verify.add_argument("directory")
        verify.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")

    def handle(self, *args: object, action: str, directory: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("backup 仅适用于 PostgreSQL / backup is for PostgreSQL only")
        path = Path(directory)
        if action == "create":
            self._create(path)
        else:
            self._verify(path, keep=bool(options.get("keep")))

    def _create(self, path: Path) -> None:
        settings = connection.settings_dict
        path.mkdir(parents=True, exist_ok=True)
        if (path / MANIFEST).exists():
            raise CommandError(f"{path} 已有备份 / already holds a backup")
        with psycopg.connect(_conninfo(settings), password=settings.get("PASSWORD") or None) as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
            facts = snapshot_facts(conn.cursor())
            dump = subprocess.run(  # noqa: S603 — our own arguments, no shell
                [
                    *(_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-owner", "--no-privileges"),
                    *("--file", str(path / DUMP), "--dbname", _conninfo(settings)),
                ],
                env=_env(settings),
                capture_output=True,
                text=True,
                check=False,
            )
            conn.rollback()
        if dump.returncode != 0:
            raise CommandError(f"pg_dump 失败 / pg_dump failed: {dump.stderr.strip()}")
        manifest = {
            "created_at": timezone.now().isoformat(),
            "database": settings["NAME"],
            "dump": DUMP,
            **facts,
        }
        (path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        total = sum(facts["row_counts"].values())
        self.stdout.write(
            f"备份完成：{len(facts['row_counts'])} 张表，{total} 行 / backup written: {total} rows → {path}"
        )

    def _verify(self, path: Path, *, keep: bool) -> None:
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"{path / MANIFEST} 无法读取 / cannot be read: {error}") from error
        settings = connection.settings_dict
        scratch = f"xuedang_restore_{uuid.uuid4().hex[:10]}"
        admin = _conninfo(settings, "postgres")
        password = settings.get("PASSWORD") or None
        with psycopg.connect(admin, password=password, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch}"')
        problems: list[str] = []
        try:
            restore = subprocess.run(  # noqa: S603 — our own arguments, no shell
                [
                    *(_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"),
                    *("--dbname", _conninfo(settings, scratch), str(path / manifest.get("dump", DUMP))),
                ],
                env=_env(settings),
                capture_output=True,
                text=True,
                check=False,
            )
            if restore.returncode != 0:
                raise CommandError(f"恢复失败 / the restore failed: {restore.stderr.strip()[:2000]}")
            audit = subprocess.run(
                [sys.executable, "-m", "xuedang.manage", "audit", "verify"],
                env={**os.environ, "DATABASE_URL": self._url(settings, scratch)},
                capture_output=True,
                text=True,
                check=False,
            )
            if audit.returncode != 0:
                problems.append(f"audit verify: {audit.stderr.strip() or audit.stdout.strip()}")
            with psycopg.connect(_conninfo(settings, scratch), password=password) as conn:
                restored = snapshot_facts(conn.cursor())
            problems += self._differences(manifest, restored)
        finally:
            if keep:
                self.stdout.write(f"scratch database kept: {scratch}")
            else:
                with psycopg.connect(admin, password=password, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            self.stderr.write("备份验证失败 / backup verification FAILED")
            raise SystemExit(1)
        total = sum(restored["row_counts"].values())
        self.stdout.write(
            f"备份可恢复：{total} 行与清单一致，审计链完整 / backup restores: {total} rows match the manifest, "
            "audit chain intact"
        )

    @staticmethod
    def _differences(manifest: dict[str, Any], restored: dict[str, Any]) -> list[str]:
        problems = []
        expected, found = manifest["row_counts"], restored["row_counts"]
        for table in sorted(set(expected) | set(found)):
            if expected.get(table) != found.get(table):
                problems.append(
                    f"{table}: 清单 {expected.get(table)} 行，恢复后 {found.get(table)} 行 / "
                    f"manifest {expected.get(table)} rows, restored {found.get(table)}"
                )
        if manifest.get("audit_head") != restored.get("audit_head"):
            problems.append("审计链末端不一致 / the audit chain's last hash differs from the manifest")
        return problems

    @staticmethod
    def _url(settings: dict[str, Any], name: str) -> str:
        user = settings.get("USER") or "postgres"
        secret = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        return f"postgres://{user}{secret}@{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}/{name}"
