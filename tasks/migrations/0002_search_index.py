from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial")]

    operations = [
        # The expression matches what SearchVector("search_text", config="english") renders.
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS tasks_task_search_fts ON tasks_task "
            "USING gin (to_tsvector('english'::regconfig, COALESCE(\"search_text\", '')))",
            reverse_sql="DROP INDEX IF EXISTS tasks_task_search_fts",
        ),
        # Open tasks by deadline: the overdue / due-soon counters and sweeps.
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS tasks_task_open_deadline ON tasks_task (responsible_id, deadline) "
            "WHERE status NOT IN ('completed', 'declined')",
            reverse_sql="DROP INDEX IF EXISTS tasks_task_open_deadline",
        ),
    ]
