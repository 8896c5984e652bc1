"""The trigram index of the process search on PostgreSQL: `portal.core.search.match_names` matches each word
against the title and the counterparty joined by a space (`NameDocument`), one indexed condition per word;
without it a search read all the processes a person may see (100,000 in the benchmark: 400 ms)."""

from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS workflows_process_search_doc_trgm ON workflows_process "
            'USING gin (("title" || \' \' || "counterparty") gin_trgm_ops)',
            reverse_sql="DROP INDEX IF EXISTS workflows_process_search_doc_trgm",
        ),
    ]
