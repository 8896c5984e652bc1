"""A Kanban column read in its order (`crm.selectors.deals.CARD_ORDER`: the stage, then the newest in it first,
empty dates last) instead of sorting every deal of the stage the person may see. PostgreSQL only: SQLite, the
embedded mode's database, takes no NULLS LAST in an index, and its Kanban is small."""

from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_defaults")]

    operations = [
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS crm_deal_column ON crm_deal "
            "(stage_id, stage_changed_at DESC NULLS LAST, id DESC)",
            reverse_sql="DROP INDEX IF EXISTS crm_deal_column",
        ),
    ]
