"""Core services: personal-data key rotation."""

from __future__ import annotations

from typing import cast

from django.db import connection, transaction

from apps.core.fields import encrypted_fields, rotate_token


@transaction.atomic
def field_keys_rotate() -> dict[str, int]:
    """Re-encrypt every encrypted value with the newest key in CITYOPS_FIELD_KEYS.

    Returns {"app_label.Model.field": values re-encrypted}. Idempotent (rotating twice re-encrypts
    again with the same key). One transaction: a value no key can open (InvalidToken) aborts the whole
    rotation and nothing is changed.
    """
    counts: dict[str, int] = {}
    for model, field in encrypted_fields():
        table = connection.ops.quote_name(model._meta.db_table)
        # Encrypted fields and primary keys are concrete fields: Django gives every concrete field a column.
        column = connection.ops.quote_name(cast(str, field.column))
        pk = connection.ops.quote_name(cast(str, model._meta.pk.column))
        with connection.cursor() as cursor:
            # Raw SQL: the ORM would decrypt on read; rotation works on the stored tokens.
            cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''")  # noqa: S608
            rows = [(rotate_token(token), key) for key, token in cursor.fetchall()]
            cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", rows)  # noqa: S608
        counts[f"{model._meta.label}.{field.name}"] = len(rows)
    return counts
