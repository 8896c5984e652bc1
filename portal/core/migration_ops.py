"""Migration operations that only apply on PostgreSQL (embedded SQLite mode skips them)."""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that is a no-op on databases other than PostgreSQL (search indexes, extensions)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
