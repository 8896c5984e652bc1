from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("tasks", "0002_search_index")]

    operations = [
        # "Overdue, by deadline" over all visible tasks: open tasks in deadline order without a sort.
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS tasks_task_open_by_deadline ON tasks_task (deadline, id) "
            "WHERE status NOT IN ('completed', 'declined')",
            reverse_sql="DROP INDEX IF EXISTS tasks_task_open_by_deadline",
        ),
    ]
