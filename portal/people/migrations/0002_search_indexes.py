"""Trigram indexes for name search on PostgreSQL: case-insensitive substring (UPPER(...) LIKE) and
similarity both use them."""

from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL

FIELDS = ["first_name", "last_name", "email", "position"]


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        *[
            PostgresOnlySQL(
                f'CREATE INDEX IF NOT EXISTS people_user_{f}_trgm ON people_user USING gin (UPPER("{f}") gin_trgm_ops)',
                reverse_sql=f"DROP INDEX IF EXISTS people_user_{f}_trgm",
            )
            for f in FIELDS
        ],
        *[
            PostgresOnlySQL(
                f'CREATE INDEX IF NOT EXISTS people_user_{f}_trgm_raw ON people_user USING gin ("{f}" gin_trgm_ops)',
                reverse_sql=f"DROP INDEX IF EXISTS people_user_{f}_trgm_raw",
            )
            for f in ["first_name", "last_name"]
        ],
    ]
