"""The trigram index of the group search on PostgreSQL: `portal.core.search.match_names` matches each word
against the name and description joined by a space (`NameDocument`), one indexed condition per word."""

from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("workgroups", "0004_groupfile_attachment"), ("people", "0002_search_indexes")]

    operations = [
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS workgroups_workgroup_search_doc_trgm ON workgroups_workgroup "
            'USING gin (("name" || \' \' || "description") gin_trgm_ops)',
            reverse_sql="DROP INDEX IF EXISTS workgroups_workgroup_search_doc_trgm",
        ),
    ]
