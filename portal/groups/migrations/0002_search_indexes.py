from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("workgroups", "0001_initial"), ("people", "0002_search_indexes")]

    operations = [
        PostgresOnlySQL(
            'CREATE INDEX IF NOT EXISTS workgroups_workgroup_name_trgm ON workgroups_workgroup USING gin (UPPER("name") gin_trgm_ops)',
            reverse_sql="DROP INDEX IF EXISTS workgroups_workgroup_name_trgm",
        ),
        PostgresOnlySQL(
            'CREATE INDEX IF NOT EXISTS workgroups_workgroup_name_trgm_raw ON workgroups_workgroup USING gin ("name" gin_trgm_ops)',
            reverse_sql="DROP INDEX IF EXISTS workgroups_workgroup_name_trgm_raw",
        ),
    ]
