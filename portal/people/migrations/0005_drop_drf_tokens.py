"""DRF's authtoken app is no longer installed (the portal's own API tokens replace it, see 0004), so its table
goes: it keeps keys in clear, and its foreign key to the people would keep them from being deleted (Django no
longer cascades to it) and a test database from being flushed. Its migration records go too, so that the app
could be installed again cleanly."""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder


def drop_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        schema_editor.execute(
            schema_editor.sql_delete_table % {"table": schema_editor.quote_name("authtoken_token")}
        )
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0004_sign_in_protection")]

    operations = [migrations.RunPython(drop_drf_tokens, migrations.RunPython.noop)]
