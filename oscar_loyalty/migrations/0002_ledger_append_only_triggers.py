"""On PostgreSQL, the database itself refuses UPDATE and DELETE of ledger entries and allocations.

The ORM already refuses them; the trigger also stops raw SQL and other clients.
TRUNCATE (used by test flushes and deliberate resets) is not affected.
"""

from django.db import migrations

TABLES = ["oscar_loyalty_ledgerentry", "oscar_loyalty_lotallocation"]

FUNCTION = """
CREATE OR REPLACE FUNCTION oscar_loyalty_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'oscar_loyalty ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION oscar_loyalty_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS oscar_loyalty_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("oscar_loyalty", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
