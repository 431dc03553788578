"""Re-encrypt every encrypted field with the newest key (the first of NUANXIN_FIELD_ENCRYPTION_KEYS).

    NUANXIN_FIELD_ENCRYPTION_KEYS=new-key,old-key  manage.py rotate_encryption_keys
    # then remove old-key from the setting

Every model of every installed app is searched for `EncryptedTextField`s; each stored token is
passed through MultiFernet.rotate (decrypted with whichever configured key made it, encrypted with
the first key) and written back by primary key, in batches, one transaction per batch. Values that
decrypt with no configured key stop the command (nothing of that batch is written). Running it twice
is harmless. See docs/privacy.md for the whole procedure.
"""

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from nuanxin.core.crypto import EncryptedTextField, rotate

BATCH_SIZE = 500


def encrypted_fields():
    """(model, field) for every concrete EncryptedTextField of every installed model."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def rotate_field(model, field, *, batch_size=BATCH_SIZE):
    """Rotate one column; returns the number of values re-encrypted. Reads the raw tokens with SQL,
    because the ORM would hand back clear text. Raises CommandError naming the first row that no
    configured key can decrypt (that batch is rolled back)."""
    quote = connection.ops.quote_name
    table, column, pk_column = quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column)
    # Identifiers are quoted by the backend; the only value (the last primary key) is bound.
    select = f"SELECT {pk_column}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''"  # noqa: S608
    order = f" ORDER BY {pk_column} LIMIT {batch_size}"
    first_batch = select + order
    next_batch = f"{select} AND {pk_column} > %s{order}"
    update = f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s"  # noqa: S608
    count = 0
    last_pk = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last_pk is None:
                cursor.execute(first_batch)
            else:
                cursor.execute(next_batch, [last_pk])
            rows = cursor.fetchall()
            if not rows:
                return count
            updates = []
            for pk, token in rows:
                try:
                    updates.append((rotate(token), pk))
                except InvalidToken as error:
                    raise CommandError(
                        f"{model._meta.label}.{field.name} of row {pk} cannot be decrypted with any key in "
                        "NUANXIN_FIELD_ENCRYPTION_KEYS: put the key it was written with back in the list."
                    ) from error
            cursor.executemany(update, updates)
        count += len(rows)
        last_pk = rows[-1][0]


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key of NUANXIN_FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        for model, field in encrypted_fields():
            count = rotate_field(model, field)
            total += count
            self.stdout.write(f"{model._meta.label}.{field.name}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} values with the newest key."))
