"""Re-encrypt personal data under the active key (the first of PII_KEYS).

Rotation: put the new key first in PII_KEYS (keep the old one listed), run this command,
then remove the old key. Idempotent; rows already under the active key are left alone.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import Model

from xuedang.core import crypto
from xuedang.core.fields import EncryptedTextField


def encrypted_columns() -> list[tuple[type[Model], list[EncryptedTextField]]]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields and not model._meta.proxy:
            found.append((model, fields))
    return found


class Command(BaseCommand):
    help = "用当前密钥重新加密个人信息 / re-encrypt personal data under the active key"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: object, batch_size: int, **options: object) -> None:
        active = crypto.active_key_id()
        for model, fields in encrypted_columns():
            total = sum(self._rotate(model, field, active, batch_size) for field in fields)
            self.stdout.write(f"{model._meta.label}: {total} 个值已重新加密 / values re-encrypted")

    def _rotate(self, model: type[Model], field: EncryptedTextField, active: str, batch_size: int) -> int:
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        qn = connection.ops.quote_name
        select = f"SELECT {qn(pk)}, {qn(column)} FROM {qn(table)} WHERE {qn(column)} <> '' AND {qn(pk)} > %s ORDER BY {qn(pk)}"  # noqa: S608,E501 — names from the model, not input
        # Only if the row still holds the token read: a value the service wrote meanwhile (already
        # under the active key) is never overwritten by the re-encryption of the old one.
        update = f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {qn(pk)} = %s AND {qn(column)} = %s"  # noqa: S608
        done, last = 0, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(select + f" LIMIT {int(batch_size)}", [last])
                rows = cursor.fetchall()
                if not rows:
                    return done
                stale = [
                    (crypto.seal(crypto.unseal(token)), key, token)
                    for key, token in rows
                    if crypto.token_key_id(token) != active
                ]
                cursor.executemany(update, stale)
                done, last = done + len(stale), rows[-1][0]
