from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("stream", "0001_initial")]

    operations = [
        # The expression matches what SearchVector("body", config="english") renders, so the planner uses it.
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS stream_entry_body_fts ON stream_entry "
            "USING gin (to_tsvector('english'::regconfig, COALESCE(\"body\", '')))",
            reverse_sql="DROP INDEX IF EXISTS stream_entry_body_fts",
        ),
    ]
