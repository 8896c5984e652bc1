"""The stored search document of a task, on PostgreSQL: a generated `tsvector` column (title words weight A,
title + description + comments weight D) with a GIN index, so that the global search matches and ranks
every match from the index and the stored vector instead of computing a tsvector per candidate.

A generated column is filled by the database on every write, including the COPY of `seed_scale_tasks`.
Adding it rewrites the table once (about two minutes at a million tasks). The expression index of migration
0002 is dropped: the column's index replaces it. The model does not name the column (embedded SQLite has no
tsvector), so Django never selects it; `tasks.search` reads it by name.
"""

from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL

DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, COALESCE(search_text, '')), 'D')"
)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0007_grants")]

    operations = [
        PostgresOnlySQL(
            [
                f"ALTER TABLE tasks_task ADD COLUMN IF NOT EXISTS search_vector tsvector "
                f"GENERATED ALWAYS AS ({DOCUMENT}) STORED",
                "CREATE INDEX IF NOT EXISTS tasks_task_search_vector ON tasks_task USING gin (search_vector)",
                "DROP INDEX IF EXISTS tasks_task_search_fts",
                # The planner's statistics of the new column (a few seconds at a million tasks).
                "ANALYZE tasks_task",
            ],
            reverse_sql=[
                "CREATE INDEX IF NOT EXISTS tasks_task_search_fts ON tasks_task "
                "USING gin (to_tsvector('english'::regconfig, COALESCE(\"search_text\", '')))",
                "DROP INDEX IF EXISTS tasks_task_search_vector",
                "ALTER TABLE tasks_task DROP COLUMN IF EXISTS search_vector",
            ],
        ),
    ]
