"""The database itself refuses to change ledger entries (the model and queryset refuse first).

PostgreSQL: a trigger refuses UPDATE and DELETE of a row (TRUNCATE, used by test flushes, is a
table operation and is not affected). SQLite: a trigger refuses UPDATE only, because Django's flush
on SQLite deletes rows one by one.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION points_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'points ledger entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER points_ledger_append_only BEFORE UPDATE OR DELETE ON points_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS points_ledger_append_only ON points_ledgerentry;
DROP FUNCTION IF EXISTS points_ledger_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER points_ledger_no_update BEFORE UPDATE ON points_ledgerentry
BEGIN
    SELECT RAISE(ABORT, 'points ledger entries are append-only');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS points_ledger_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_points_ledger_rewards_stories")]

    operations = [migrations.RunPython(forward, backward)]
